/**
 * API container statuses from the runtime view, as upstream `convertToAPIContainerStatuses`
 * (kubelet_pods.go) followed by the prober's `UpdatePodStatus` (started/ready):
 *  - a container with no instance yet waits with ContainerCreating (PodInitializing when the pod
 *    has init containers), keeping the previous status's restart count and last state;
 *  - the newest instance gives `state`, the one before it `lastState`;
 *  - a container the sync could not start shows the recorded waiting reason (ErrImagePull,
 *    CrashLoopBackOff, CreateContainerConfigError, ...), its terminated state moving to `lastState`;
 *  - a previously running container that vanished from the runtime is reported as terminated
 *    with reason ContainerStatusUnknown and exit code 137, so the pod does not fall back to Pending.
 */
import type { Container, ContainerState, ContainerStatus, Pod } from '../../api/index.js';
import { formatTime, isRestartableInitContainer } from '../../api/index.js';
import { shouldContainerBeRestarted } from './restart.js';
import type { ProbeResults, RuntimeContainerStatus, RuntimePodStatus } from './runtime.js';

/** What the executor recorded when it could not start a container (upstream's reason cache). */
export interface WaitingReason {
  reason: string;
  message: string;
}

export interface ContainerStatusesInput {
  pod: Pod;
  runtime: RuntimePodStatus;
  /** The previous API statuses of these containers. */
  previous: readonly ContainerStatus[];
  containers: readonly Container[];
  isInit: boolean;
  waitingReasons: ReadonlyMap<string, WaitingReason>;
  probes: ProbeResults;
  /** Prefix of `containerID`, e.g. `containerd`. */
  runtimeName: string;
}

const nsToTime = (ns: bigint): string | null => (ns > 0n ? formatTime(Number(ns / 1_000_000n)) : null);

function convert(cs: RuntimeContainerStatus, old: ContainerStatus | undefined, runtimeName: string): ContainerStatus {
  const containerID = `${runtimeName}://${cs.id}`;
  const status: ContainerStatus = {
    name: cs.name,
    ready: false,
    restartCount: cs.restartCount,
    image: cs.image,
    imageID: cs.imageRef,
    containerID,
  };
  if (old?.volumeMounts) status.volumeMounts = old.volumeMounts;
  switch (cs.state) {
    case 'CONTAINER_RUNNING':
      status.state = { running: { startedAt: nsToTime(cs.startedAt) } };
      break;
    case 'CONTAINER_CREATED':
      status.state = { waiting: {} };
      break;
    case 'CONTAINER_EXITED':
      status.state = {
        terminated: {
          exitCode: cs.exitCode,
          ...(cs.reason ? { reason: cs.reason } : {}),
          ...(cs.message ? { message: cs.message } : {}),
          startedAt: nsToTime(cs.startedAt),
          finishedAt: nsToTime(cs.finishedAt),
          containerID,
        },
      };
      break;
    case 'CONTAINER_UNKNOWN':
      if (old?.state?.running) {
        // It ran and is gone: "ran and failed" differs from "never ran" (a run-once pod must not run twice).
        status.state = {
          terminated: { reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', exitCode: 137 },
        };
        status.restartCount = old.restartCount + 1;
      } else {
        status.state = { waiting: {} };
      }
      break;
    default: {
      const never: never = cs.state;
      throw new Error(`unknown container state ${String(never)}`);
    }
  }
  return status;
}

/** Upstream prober `isContainerStarted`: running, and the startup probe (if any) succeeded. */
function isStarted(c: Container, s: ContainerStatus, probes: ProbeResults): boolean {
  if (!s.state?.running) return false;
  const id = s.containerID?.replace(/^[^:]*:\/\//, '') ?? '';
  const result = probes.startup?.get(id);
  if (result !== undefined) return result === 'success';
  return !c.startupProbe;
}

/** Running and started, and the readiness probe (if any) succeeded. */
function isReady(c: Container, s: ContainerStatus, probes: ProbeResults): boolean {
  if (!s.state?.running) return false;
  const id = s.containerID?.replace(/^[^:]*:\/\//, '') ?? '';
  const result = probes.readiness?.get(id);
  if (result !== undefined) return result === 'success';
  return !c.readinessProbe;
}

export function convertContainerStatuses(input: ContainerStatusesInput): ContainerStatus[] {
  const { pod, runtime, containers, isInit, runtimeName, probes } = input;
  const hasInit = (pod.spec.initContainers ?? []).length > 0;
  const defaultWaiting: ContainerState = { waiting: { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } };
  const oldByName = new Map(input.previous.map((s) => [s.name, s]));
  const statuses = new Map<string, ContainerStatus>();

  for (const c of containers) {
    const old = oldByName.get(c.name);
    if (old?.state?.terminated) {
      statuses.set(c.name, structuredClone(old));
      continue;
    }
    const status: ContainerStatus = { name: c.name, state: defaultWaiting, ready: false, restartCount: 0, image: c.image ?? '', imageID: '' };
    if (old) {
      status.restartCount = old.restartCount;
      if (old.lastState) status.lastState = old.lastState;
    }
    statuses.set(c.name, status);
  }

  // Previously running but gone from the runtime: it terminated, we do not know how.
  for (const c of containers) {
    if (runtime.containers.some((cs) => cs.name === c.name)) continue;
    const old = oldByName.get(c.name);
    const status = statuses.get(c.name);
    if (!old?.state?.running || old.state.terminated || !status) continue;
    if (status.state?.waiting?.reason !== defaultWaiting.waiting?.reason || status.lastState?.terminated) continue;
    status.lastState = {
      terminated: {
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod was deleted.  The container used to be Running',
        exitCode: 137,
      },
    };
    if (!pod.metadata.deletionTimestamp) status.restartCount += 1;
  }

  // The newest instance is the state, the one before it the last state.
  const seen = new Map<string, number>();
  for (const cs of runtime.containers) {
    const count = seen.get(cs.name) ?? 0;
    const current = statuses.get(cs.name);
    if (!current || count >= 2) continue;
    const converted = convert(cs, oldByName.get(cs.name), runtimeName);
    if (count === 0) statuses.set(cs.name, converted);
    else if (converted.state) current.lastState = converted.state;
    seen.set(cs.name, count + 1);
  }

  // Containers the sync could not (re)start wait with the recorded reason.
  for (const c of containers) {
    const newest = runtime.containers.find((cs) => cs.name === c.name);
    if (isInit && newest?.state === 'CONTAINER_EXITED' && newest.exitCode === 0) continue;
    if (!shouldContainerBeRestarted(c, pod, runtime)) continue;
    const reason = input.waitingReasons.get(c.name);
    const status = statuses.get(c.name);
    if (!reason || !status) continue;
    if (status.state?.terminated) status.lastState = status.state;
    status.state = { waiting: { reason: reason.reason, message: reason.message } };
  }

  return containers.flatMap((c) => {
    const s = statuses.get(c.name);
    if (!s) return [];
    s.started = isStarted(c, s, probes);
    if (isInit && !isRestartableInitContainer(c)) s.ready = s.state?.terminated?.exitCode === 0;
    else s.ready = s.started && isReady(c, s, probes);
    return [s];
  });
}
