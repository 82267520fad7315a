/**
 * The small restart rules shared by `computePodActions` and `generatePodStatus`, with upstream's
 * names (kubecontainer helpers and kuberuntime_container.go).
 */
import type { Container, Pod } from '../../api/index.js';
import { podRestartPolicy } from '../../api/index.js';
import { hashContainer } from './hash.js';
import { findContainerStatus, type RuntimeContainerStatus, type RuntimePodStatus } from './runtime.js';

/** Upstream `shouldRestartOnFailure`: anything but `Never`. */
export function shouldRestartOnFailure(pod: Pod): boolean {
  return podRestartPolicy(pod) !== 'Never';
}

/**
 * Upstream `ShouldContainerBeRestarted`, for app containers and regular init containers: never
 * for a pod being deleted; always for one never started, stuck in `created` or `unknown`; for an
 * exited one, per the pod's restart policy (OnFailure: only after a non-zero exit).
 */
export function shouldContainerBeRestarted(container: Container, pod: Pod, status: RuntimePodStatus): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const s = findContainerStatus(status, container.name);
  if (!s) return true;
  switch (s.state) {
    case 'CONTAINER_RUNNING':
      return false;
    case 'CONTAINER_CREATED':
    case 'CONTAINER_UNKNOWN':
      return true;
    case 'CONTAINER_EXITED': {
      const policy = podRestartPolicy(pod);
      if (policy === 'Never') return false;
      if (policy === 'OnFailure') return s.exitCode !== 0;
      return true;
    }
    default: {
      const never: never = s.state;
      throw new Error(`unknown container state ${String(never)}`);
    }
  }
}

/** Upstream `isInitContainerFailed`: OOM-killed, exited non-zero, or in an unknown state. */
export function isInitContainerFailed(s: RuntimeContainerStatus): boolean {
  if (s.reason.includes('OOMKilled')) return true;
  if (s.state === 'CONTAINER_EXITED' && s.exitCode !== 0) return true;
  return s.state === 'CONTAINER_UNKNOWN';
}

/** Upstream `containerSucceeded`: the newest instance is not running and exited 0. */
export function containerSucceeded(container: Container, status: RuntimePodStatus): boolean {
  const s = findContainerStatus(status, container.name);
  if (!s || s.state === 'CONTAINER_RUNNING') return false;
  return s.exitCode === 0;
}

/** Upstream `hasAnyRegularContainerCreated`: some app container exists in the runtime. */
export function hasAnyRegularContainerCreated(pod: Pod, status: RuntimePodStatus): boolean {
  return pod.spec.containers.some((c) => {
    const s = findContainerStatus(status, c.name);
    return s !== undefined && s.state !== 'CONTAINER_UNKNOWN';
  });
}

/** Upstream `containerChanged`: the running instance was created from a different spec. */
export function containerChanged(container: Container, s: RuntimeContainerStatus): boolean {
  return s.hash !== hashContainer(container);
}

/**
 * The restart count a new instance of the container gets: the newest instance's plus one, or 0.
 * An instance that was created but never started (a kubelet killed between CreateContainer and
 * StartContainer) did not run: its replacement takes its count, and the executor removes it.
 */
export function nextRestartCount(status: RuntimePodStatus, name: string): number {
  const s = findContainerStatus(status, name);
  if (!s) return 0;
  return s.state === 'CONTAINER_CREATED' && s.startedAt === 0n ? s.restartCount : s.restartCount + 1;
}
