/**
 * The pod phase from its container statuses, as upstream `getPhase` (kubelet_pods.go, 1.32):
 *  - a regular init container that failed under restartPolicy Never fails the pod;
 *  - Pending while initialization is pending (unless an app container has already run) or any
 *    app container waits for its first start;
 *  - Running when every app container has started and one runs (sidecars count as running ones);
 *  - when all app containers have stopped: Succeeded if all exited 0 and the pod will not restart
 *    them, Failed if one failed under Never (or the pod is terminal), Running while they restart.
 */
import type { ContainerStatus, Pod, PodPhase } from '../../api/index.js';
import { isRestartableInitContainer, isStaticPod } from '../../api/index.js';

/** Upstream `HasAnyRegularContainerStarted`: an app container is running or has terminated. */
export function hasAnyRegularContainerStarted(pod: Pod, statuses: readonly ContainerStatus[]): boolean {
  const names = new Set(pod.spec.containers.map((c) => c.name));
  return statuses.some((s) => names.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined));
}

/**
 * @param statuses app and init container statuses together.
 * @param podIsTerminal the pod will not run again (deleted, evicted, or its worker finished it).
 */
export function getPhase(pod: Pod, statuses: readonly ContainerStatus[], podIsTerminal: boolean): PodPhase {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const restartPolicy = pod.spec.restartPolicy ?? 'Always';
  let pendingInitialization = 0;
  let failedInitialization = 0;
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;

  for (const c of pod.spec.initContainers ?? []) {
    const s = byName.get(c.name);
    if (isRestartableInitContainer(c)) {
      if (!s) unknown++;
      else if (s.state?.running) {
        if (!s.started) pendingInitialization++;
        running++;
      } else if (s.state?.terminated) {
        // A stopped sidecar does not change the phase.
      } else if (s.state?.waiting) {
        if (!s.lastState?.terminated) {
          pendingInitialization++;
          waiting++;
        }
      } else {
        pendingInitialization++;
        unknown++;
      }
      continue;
    }
    if (!s) pendingInitialization++;
    else if (s.state?.running) pendingInitialization++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }

  for (const c of pod.spec.containers) {
    const s = byName.get(c.name);
    if (!s) unknown++;
    else if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !hasAnyRegularContainerStarted(pod, statuses)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    // Upstream does not yet give static pods a terminal phase this way (kubernetes#116484).
    if (podIsTerminal && !isStaticPod(pod)) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
