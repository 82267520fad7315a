/** Upstream's pod printer (`printPod`, v1.32): READY, STATUS and RESTARTS exactly as kubectl shows them. */
import type { KObject } from '../object.js';
import { arrayAt, isRecord, recordAt, stringAt } from '../object.js';
import type { TablePrinter, TableRowCondition } from '../registry/types.js';
import { AGE_COLUMN, NAME_COLUMN, col } from './columns.js';
import { since } from './duration.js';

type Rec = Record<string, unknown>;

const records = (v: unknown[]): Rec[] => v.filter(isRecord);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function isRestartableInit(c: Rec | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

/** Latest `lastState.terminated.finishedAt` (epoch ms, 0 when none). */
function lastFinished(cs: Rec): number {
  const at = stringAt(cs, 'lastState', 'terminated', 'finishedAt');
  const t = at ? Date.parse(at) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

function terminatedReason(term: Rec, prefix: string): string {
  const reason = typeof term.reason === 'string' ? term.reason : '';
  if (reason) return `${prefix}${reason}`;
  const signal = num(term.signal);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${num(term.exitCode)}`;
}

function hasCondition(status: Rec | undefined, type: string): boolean {
  return records(arrayAt(status, 'conditions')).some((c) => c.type === type && c.status === 'True');
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** The READY, STATUS and RESTARTS cells of a pod. */
export function summarizePod(pod: KObject, now: number): PodSummary {
  const spec = recordAt(pod, 'spec') ?? {};
  const status = recordAt(pod, 'status') ?? {};
  const phase = typeof status.phase === 'string' ? status.phase : '';
  let reason = typeof status.reason === 'string' && status.reason !== '' ? status.reason : phase;
  for (const c of records(arrayAt(status, 'conditions'))) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initSpecs = new Map<string, Rec>();
  let total = records(arrayAt(spec, 'containers')).length;
  for (const c of records(arrayAt(spec, 'initContainers'))) {
    initSpecs.set(String(c.name), c);
    if (isRestartableInit(c)) total++;
  }
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  let ready = 0;
  let initializing = false;
  const initStatuses = records(arrayAt(status, 'initContainerStatuses'));
  const initCount = records(arrayAt(spec, 'initContainers')).length;
  for (const [i, cs] of initStatuses.entries()) {
    restarts += num(cs.restartCount);
    lastRestart = Math.max(lastRestart, lastFinished(cs));
    const sidecar = isRestartableInit(initSpecs.get(String(cs.name)));
    if (sidecar) {
      sidecarRestarts += num(cs.restartCount);
      lastSidecarRestart = Math.max(lastSidecarRestart, lastFinished(cs));
    }
    const term = recordAt(cs, 'state', 'terminated');
    const waiting = recordAt(cs, 'state', 'waiting');
    if (term && num(term.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (term) reason = terminatedReason(term, 'Init:');
    else if (waiting && typeof waiting.reason === 'string' && waiting.reason !== '' && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${initCount}`;
    initializing = true;
    break;
  }
  if (!initializing || hasCondition(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = records(arrayAt(status, 'containerStatuses'));
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      restarts += num(cs.restartCount);
      lastRestart = Math.max(lastRestart, lastFinished(cs));
      const waiting = recordAt(cs, 'state', 'waiting');
      const term = recordAt(cs, 'state', 'terminated');
      if (waiting && typeof waiting.reason === 'string' && waiting.reason !== '') reason = waiting.reason;
      else if (term) reason = terminatedReason(term, '');
      else if (cs.ready === true && recordAt(cs, 'state', 'running')) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status, 'Ready') ? 'Running' : 'NotReady';
  }
  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  let restartText = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) restartText = `${restarts} (${since(new Date(lastRestart).toISOString(), now)} ago)`;
  return { ready: `${ready}/${total}`, status: reason, restarts: restartText };
}

function readinessGates(spec: Rec, status: Rec): string {
  const gates = records(arrayAt(spec, 'readinessGates'));
  if (gates.length === 0) return '<none>';
  const conds = records(arrayAt(status, 'conditions'));
  const trueCount = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${trueCount}/${gates.length}`;
}

const SUCCEEDED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

export const podPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COLUMN,
    col('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { priority: 1 }),
    col('Node', 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename', { priority: 1 }),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.', { priority: 1 }),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates', { priority: 1 }),
  ],
  cells(pod, now) {
    const spec = recordAt(pod, 'spec') ?? {};
    const status = recordAt(pod, 'status') ?? {};
    const s = summarizePod(pod, now);
    const ips = records(arrayAt(status, 'podIPs'));
    const ip = (typeof ips[0]?.ip === 'string' ? ips[0].ip : '') || '<none>';
    const node = stringAt(spec, 'nodeName') || '<none>';
    const nominated = stringAt(status, 'nominatedNodeName') || '<none>';
    return [pod.metadata.name ?? '', s.ready, s.status, s.restarts, since(pod.metadata.creationTimestamp, now), ip, node, nominated, readinessGates(spec, status)];
  },
  conditions(pod) {
    const phase = stringAt(pod, 'status', 'phase');
    return phase === 'Succeeded' ? SUCCEEDED : phase === 'Failed' ? FAILED : undefined;
  },
};
