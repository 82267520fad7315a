/**
 * Init container and sidecar actions, as upstream `computeInitContainerActions`
 * (kuberuntime_container.go, SidecarContainers enabled): start the first init container not yet
 * run, one at a time in order; keep sidecars (init containers with `restartPolicy: Always`)
 * running whatever the pod's restart policy; restart a failed regular init container unless the
 * pod's policy is Never, in which case the whole pod is killed.
 *
 * The init containers are walked from the last to the first, because completed init containers may
 * have been garbage-collected from the runtime: the latest one that has a status says how far
 * initialization got.
 */
import type { Pod } from '../../api/index.js';
import { isRestartableInitContainer } from '../../api/index.js';
import type { ContainerToKill, ContainerToStart, StartReason } from './actions.js';
import { containerChanged, isInitContainerFailed, nextRestartCount, shouldRestartOnFailure } from './restart.js';
import { findContainerStatus, type ProbeResults, type RuntimePodStatus } from './runtime.js';

export interface InitContainerActions {
  /** All regular init containers completed and all sidecars started. */
  initialized: boolean;
  /** A regular init container failed under restart policy Never: the pod is done. */
  killPod: boolean;
  /** In spec order. */
  toStart: ContainerToStart[];
  toKill: ContainerToKill[];
}

export function computeInitContainerActions(pod: Pod, status: RuntimePodStatus, probes: ProbeResults): InitContainerActions {
  const inits = pod.spec.initContainers ?? [];
  const toStart: ContainerToStart[] = [];
  const toKill: ContainerToKill[] = [];
  if (inits.length === 0) return { initialized: true, killPod: false, toStart, toKill };

  const start = (index: number, reason: StartReason): void => {
    const c = inits[index];
    if (!c) return;
    const kind = isRestartableInitContainer(c) ? 'sidecar' : 'init';
    toStart.push({ kind, index, name: c.name, reason, restartCount: nextRestartCount(status, c.name) });
  };

  // A created or running app container means initialization finished before (its init
  // containers may since have been removed). An exited one does not: after a node reboot every
  // container has exited and the new sandbox must initialize again.
  let podHasInitialized = pod.spec.containers.some((c) => {
    const s = findContainerStatus(status, c.name);
    return s?.state === 'CONTAINER_CREATED' || s?.state === 'CONTAINER_RUNNING';
  });
  let previouslyInitialized = podHasInitialized;
  const restartOnFailure = shouldRestartOnFailure(pod);

  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i];
    if (!c) continue;
    const sidecar = isRestartableInitContainer(c);
    const s = findContainerStatus(status, c.name);
    if (!s) {
      // Initialized before but gone from the runtime: only a sidecar needs to come back.
      if (previouslyInitialized && sidecar) start(i, 'NotStarted');
      continue;
    }
    if (previouslyInitialized && !sidecar) continue;

    const kill = (reason: ContainerToKill['reason'], message: string): void => {
      toKill.push({ containerId: s.id, name: c.name, kind: sidecar ? 'sidecar' : 'init', reason, message });
    };

    switch (s.state) {
      case 'CONTAINER_CREATED':
        // Created and started are one step; stuck in created means the start failed. Retry.
        start(i, 'Created');
        break;
      case 'CONTAINER_RUNNING': {
        if (!sidecar) break; // a regular init container: wait for it to finish
        if (c.startupProbe) {
          const startup = probes.startup?.get(s.id);
          if (startup === undefined) break; // not probed yet: wait
          if (startup === 'failure') {
            kill('StartupProbe', `Init container ${c.name} failed startup probe`);
            start(i, 'StartupProbe');
            break;
          }
        }
        if (i === inits.length - 1) podHasInitialized = true;
        else if (!previouslyInitialized) start(i + 1, 'NotStarted');
        if (containerChanged(c, s)) {
          kill('SpecChanged', `Init container ${c.name} definition changed`);
          start(i, 'SpecChanged');
          break;
        }
        if (c.livenessProbe && probes.liveness?.get(s.id) === 'failure') {
          kill('LivenessProbe', `Init container ${c.name} failed liveness probe`);
          start(i, 'LivenessProbe');
        }
        break;
      }
      case 'CONTAINER_EXITED':
        if (sidecar) {
          start(i, 'Restart');
        } else if (isInitContainerFailed(s)) {
          if (!restartOnFailure) return { initialized: false, killPod: true, toStart: [], toKill };
          start(i, 'Restart');
        } else if (i === inits.length - 1) {
          podHasInitialized = true;
        } else {
          start(i + 1, 'NotStarted');
        }
        break;
      case 'CONTAINER_UNKNOWN':
        if (!sidecar && !restartOnFailure) return { initialized: false, killPod: true, toStart: [], toKill };
        kill('Unknown', `Init container is in "unknown" state, try killing it before restart`);
        start(i, 'Unknown');
        break;
      default: {
        const never: never = s.state;
        throw new Error(`unknown container state ${String(never)}`);
      }
    }
    previouslyInitialized = true;
  }

  // Nothing has run yet: start with the first.
  if (!previouslyInitialized) start(0, 'NotStarted');
  toStart.sort((a, b) => a.index - b.index);
  return { initialized: podHasInitialized, killPod: false, toStart, toKill };
}
