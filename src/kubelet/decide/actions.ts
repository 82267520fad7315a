/**
 * What a sync must do to a pod, decided from its spec and the runtime's view of it, as upstream's
 * `computePodActions` (pkg/kubelet/kuberuntime/kuberuntime_manager.go). Pure: the executor performs
 * the result against CRI, and running the decision again on the new runtime view converges.
 *
 * The result is one of three shapes:
 *  - `CreateSandbox`: kill whatever the pod still has (containers, then sandboxes), create a new
 *    sandbox with `attempt`, then start `initContainersToStart` (only the first init container) or,
 *    without init containers, `containersToStart`.
 *  - `KillPod`: the pod is done (or its init failed under restartPolicy Never); stop everything and
 *    start nothing. Idempotent.
 *  - `SyncContainers`: keep the sandbox; kill `containersToKill`, then start `initContainersToStart`
 *    in order (stop at a regular init container that fails to start; sidecars that fail are
 *    skipped), then `containersToStart`.
 * In every shape, starts that must wait for a crash-loop back-off are moved from the start lists to
 * `backedOff`, so the executor can report CrashLoopBackOff for them without deciding anything.
 */
import type { Container, Pod } from '../../api/index.js';
import { isRestartableInitContainer } from '../../api/index.js';
import { computeInitContainerActions } from './init-actions.js';
import {
  containerChanged,
  containerSucceeded,
  hasAnyRegularContainerCreated,
  nextRestartCount,
  shouldContainerBeRestarted,
  shouldRestartOnFailure,
} from './restart.js';
import { findContainerStatus, type ProbeResults, type RuntimeContainerStatus, type RuntimePodStatus } from './runtime.js';
import { podSandboxChanged, type SandboxChangeReason } from './sandbox.js';

/** `init`: a regular init container; `sidecar`: an init container with restartPolicy Always. */
export type ContainerKind = 'init' | 'sidecar' | 'regular';

/** Why a container is started. */
export type StartReason =
  /** No instance exists (first start, or the previous one was removed). */
  | 'NotStarted'
  /** The last instance exited and the restart policy (or being a sidecar) says restart. */
  | 'Restart'
  /** The last instance is stuck in `created`: its start failed. */
  | 'Created'
  /** The last instance is in an unknown state; it is killed first. */
  | 'Unknown'
  /** The running instance is killed first for the matching kill reason. */
  | 'SpecChanged'
  | 'LivenessProbe'
  | 'StartupProbe';

export interface ContainerToStart {
  kind: ContainerKind;
  /** Index in `spec.initContainers` (init, sidecar) or `spec.containers` (regular). */
  index: number;
  name: string;
  reason: StartReason;
  /** Restart count of the new instance (for its annotation and log file name). */
  restartCount: number;
}

export type KillReason = 'SpecChanged' | 'LivenessProbe' | 'StartupProbe' | 'Unknown';

export interface ContainerToKill {
  containerId: string;
  name: string;
  kind: ContainerKind;
  reason: KillReason;
  /** Upstream's words, for the `Killing` event, e.g. `Container app failed liveness probe, will be restarted`. */
  message: string;
}

/** A start postponed by the crash-loop back-off. */
export interface BackedOffContainer extends ContainerToStart {
  /** The newest exited instance, whose finish time the back-off is measured from. */
  lastExit: RuntimeContainerStatus;
}

export type KillPodReason =
  /** Every container is done under the restart policy; nothing will start again. */
  | 'Completed'
  /** A regular init container failed under restartPolicy Never. */
  | 'InitContainerFailed';

export type PodActions =
  | {
      type: 'CreateSandbox';
      reason: SandboxChangeReason;
      attempt: number;
      /** The sandbox being replaced, if any. */
      previousSandboxId?: string;
      initContainersToStart: ContainerToStart[];
      containersToStart: ContainerToStart[];
      backedOff: BackedOffContainer[];
    }
  | { type: 'KillPod'; reason: KillPodReason; attempt: number; sandboxId?: string }
  | {
      type: 'SyncContainers';
      sandboxId: string;
      attempt: number;
      containersToKill: ContainerToKill[];
      initContainersToStart: ContainerToStart[];
      containersToStart: ContainerToStart[];
      backedOff: BackedOffContainer[];
    };

export interface PodActionsContext {
  /** Latest probe results by container id. Default: none. */
  probes?: ProbeResults;
  /**
   * Whether the named container must still wait before starting again after `lastExit`, its
   * newest exited instance. Asked only for containers about to start that have exited before (as
   * upstream `doBackOff`). Default: never.
   */
  inBackOff?: (containerName: string, lastExit: RuntimeContainerStatus) => boolean;
}

interface Partitioned {
  starts: ContainerToStart[];
  backedOff: BackedOffContainer[];
}

/**
 * Splits starts into those to do now and those backed off. A backed-off regular init container
 * ends the list, as upstream's SyncPod stops at the first init container it cannot start.
 */
function partition(starts: ContainerToStart[], status: RuntimePodStatus, ctx: PodActionsContext): Partitioned {
  const out: Partitioned = { starts: [], backedOff: [] };
  for (const start of starts) {
    const lastExit = status.containers.find((c) => c.name === start.name && c.state === 'CONTAINER_EXITED');
    if (lastExit && ctx.inBackOff?.(start.name, lastExit)) {
      out.backedOff.push({ ...start, lastExit });
      if (start.kind === 'init') break;
    } else {
      out.starts.push(start);
    }
  }
  return out;
}

function regularStart(pod: Pod, status: RuntimePodStatus, index: number, reason: StartReason): ContainerToStart {
  const name = pod.spec.containers[index]?.name ?? '';
  return { kind: 'regular', index, name, reason, restartCount: nextRestartCount(status, name) };
}

function initStart(status: RuntimePodStatus, c: Container, index: number): ContainerToStart {
  const kind = isRestartableInitContainer(c) ? 'sidecar' : 'init';
  return { kind, index, name: c.name, reason: 'NotStarted', restartCount: nextRestartCount(status, c.name) };
}

export function computePodActions(pod: Pod, status: RuntimePodStatus, ctx: PodActionsContext = {}): PodActions {
  const sandbox = podSandboxChanged(pod, status);
  const probes = ctx.probes ?? {};

  if (sandbox.changed) {
    const killPod = (): PodActions => ({
      type: 'KillPod',
      reason: 'Completed',
      attempt: sandbox.attempt,
      ...(sandbox.sandboxId !== undefined ? { sandboxId: sandbox.sandboxId } : {}),
    });
    // The sandbox is gone and the pod never restarts: it is done once something has run.
    if (!shouldRestartOnFailure(pod) && sandbox.attempt !== 0 && status.containers.length > 0) return killPod();
    const containers = pod.spec.containers.flatMap((c, i) =>
      pod.spec.restartPolicy === 'OnFailure' && containerSucceeded(c, status) ? [] : [regularStart(pod, status, i, 'NotStarted')],
    );
    // Initialized before and nothing left to run: no new sandbox.
    if (containers.length === 0 && hasAnyRegularContainerCreated(pod, status)) return killPod();
    // A fresh sandbox initializes again from the first init container; app containers wait for it.
    const first = pod.spec.initContainers?.[0];
    const init = partition(first ? [initStart(status, first, 0)] : [], status, ctx);
    const regular = partition(first ? [] : containers, status, ctx);
    return {
      type: 'CreateSandbox',
      reason: sandbox.reason,
      attempt: sandbox.attempt,
      ...(sandbox.sandboxId !== undefined ? { previousSandboxId: sandbox.sandboxId } : {}),
      initContainersToStart: init.starts,
      containersToStart: regular.starts,
      backedOff: [...init.backedOff, ...regular.backedOff],
    };
  }

  const initActions = computeInitContainerActions(pod, status, probes);
  if (initActions.killPod) {
    return { type: 'KillPod', reason: 'InitContainerFailed', attempt: sandbox.attempt, sandboxId: sandbox.sandboxId };
  }
  const containersToKill = [...initActions.toKill];
  const containersToStart: ContainerToStart[] = [];
  let keepCount = 0;

  if (initActions.initialized) {
    pod.spec.containers.forEach((c, i) => {
      const s = findContainerStatus(status, c.name);
      if (!s || s.state !== 'CONTAINER_RUNNING') {
        if (!shouldContainerBeRestarted(c, pod, status)) return;
        const reason: StartReason = !s ? 'NotStarted' : s.state === 'CONTAINER_CREATED' ? 'Created' : s.state === 'CONTAINER_UNKNOWN' ? 'Unknown' : 'Restart';
        containersToStart.push(regularStart(pod, status, i, reason));
        if (s?.state === 'CONTAINER_UNKNOWN') {
          // It may still run: kill it so two instances never run at once.
          const message = `Container is in "unknown" state, try killing it before restart`;
          containersToKill.push({ containerId: s.id, name: c.name, kind: 'regular', reason: 'Unknown', message });
        }
        return;
      }
      let restart = shouldRestartOnFailure(pod);
      let reason: KillReason;
      let message: string;
      if (containerChanged(c, s)) {
        reason = 'SpecChanged';
        message = `Container ${c.name} definition changed`;
        restart = true; // whatever the restart policy: the spec asks for it
      } else if (probes.liveness?.get(s.id) === 'failure') {
        reason = 'LivenessProbe';
        message = `Container ${c.name} failed liveness probe`;
      } else if (probes.startup?.get(s.id) === 'failure') {
        reason = 'StartupProbe';
        message = `Container ${c.name} failed startup probe`;
      } else {
        keepCount++;
        return;
      }
      if (restart) {
        message = `${message}, will be restarted`;
        containersToStart.push(regularStart(pod, status, i, reason));
      }
      containersToKill.push({ containerId: s.id, name: c.name, kind: 'regular', reason, message });
    });

    // Nothing runs and nothing will: the pod is done. Sidecars alone do not keep it alive.
    if (keepCount === 0 && containersToStart.length === 0) {
      return { type: 'KillPod', reason: 'Completed', attempt: sandbox.attempt, sandboxId: sandbox.sandboxId };
    }
  }

  const init = partition(initActions.toStart, status, ctx);
  const regular = partition(containersToStart, status, ctx);
  return {
    type: 'SyncContainers',
    sandboxId: sandbox.sandboxId,
    attempt: sandbox.attempt,
    containersToKill,
    initContainersToStart: init.starts,
    containersToStart: regular.starts,
    backedOff: [...init.backedOff, ...regular.backedOff],
  };
}
