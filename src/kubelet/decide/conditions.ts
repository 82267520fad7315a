/**
 * The kubelet-owned pod conditions, as upstream pkg/kubelet/status/generate.go and the status
 * manager's `updateLastTransitionTime`: a condition keeps its `lastTransitionTime` while its status
 * stays the same.
 */
import type { ContainerStatus, KubeletPodConditionType, Pod, PodCondition, PodPhase, Time } from '../../api/index.js';
import { isRestartableInitContainer } from '../../api/index.js';
import { hasAnyRegularContainerStarted } from './phase.js';

export const KUBELET_CONDITION_TYPES: ReadonlySet<string> = new Set<KubeletPodConditionType>([
  'PodScheduled',
  'PodReadyToStartContainers',
  'Initialized',
  'ContainersReady',
  'Ready',
]);

type Generated = Omit<PodCondition, 'lastTransitionTime' | 'lastProbeTime'>;

/** Go's `%s` of a []string: `[a b]`. */
const list = (names: readonly string[]): string => `[${names.join(' ')}]`;

export function containersReadyCondition(pod: Pod, statuses: readonly ContainerStatus[], phase: PodPhase): Generated {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const unknown: string[] = [];
  const unready: string[] = [];
  const sidecars = (pod.spec.initContainers ?? []).filter(isRestartableInitContainer);
  for (const c of [...sidecars, ...pod.spec.containers]) {
    const s = byName.get(c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${list(unready)}`);
  if (messages.length > 0) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

/** Ready mirrors ContainersReady, then requires every readiness gate's condition to be True. */
export function readyCondition(pod: Pod, conditions: readonly PodCondition[], statuses: readonly ContainerStatus[], phase: PodPhase): Generated {
  const containersReady = containersReadyCondition(pod, statuses, phase);
  if (containersReady.status !== 'True') {
    return {
      type: 'Ready',
      status: containersReady.status,
      ...(containersReady.reason ? { reason: containersReady.reason } : {}),
      ...(containersReady.message ? { message: containersReady.message } : {}),
    };
  }
  const messages: string[] = [];
  for (const gate of pod.spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c) messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') messages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (messages.length > 0) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: messages.join(', ') };
  return { type: 'Ready', status: 'True' };
}

export function initializedCondition(pod: Pod, statuses: readonly ContainerStatus[], phase: PodPhase): Generated {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of pod.spec.initContainers ?? []) {
    const s = byName.get(c.name);
    if (!s) unknown.push(c.name);
    // A sidecar counts once started; a regular init container once it completed (ready).
    else if (isRestartableInitContainer(c) ? !s.started : !s.ready) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  // An app container has run: initialized before, even if sidecars restart now.
  if (hasAnyRegularContainerStarted(pod, statuses)) return { type: 'Initialized', status: 'True' };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${list(incomplete)}`);
  if (messages.length > 0) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: messages.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

/** True once a sandbox with networking exists and needs no replacement. */
export function readyToStartContainersCondition(sandboxReady: boolean): Generated {
  return { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' };
}

/** Stamps `lastTransitionTime`: kept from `previous` when the status did not change, else `now`. */
export function withTransitionTime(condition: Generated, previous: readonly PodCondition[], now: Time): PodCondition {
  const old = previous.find((c) => c.type === condition.type);
  const lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { type: condition.type, status: condition.status, lastProbeTime: null, lastTransitionTime, ...pickReason(condition) };
}

function pickReason(c: Generated): Pick<PodCondition, 'reason' | 'message'> {
  return { ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
}
