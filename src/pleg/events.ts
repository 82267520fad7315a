/**
 * Pure pieces of the relisting PLEG (upstream pkg/kubelet/pleg/generic.go): the coarse container
 * states, the events of one container moving between two relists, and the grouping of a relist by
 * pod uid. Sandboxes count as containers: a sandbox going not-ready is a ContainerDied of its id.
 */
import type { Container, ContainerState, Labels, PodSandbox, SandboxState } from '../cri/index.js';
import type { PlegContainerState, PodLifecycleEvent, PodLifecycleEventType, PodSnapshot, RuntimePod } from './types.js';

/** Upstream `convertState`: the kubelet does not use `created`, so it is `unknown`. */
export function containerPlegState(state: ContainerState): PlegContainerState {
  switch (state) {
    case 'CONTAINER_CREATED':
    case 'CONTAINER_UNKNOWN':
      return 'unknown';
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    default: {
      const never: never = state;
      throw new Error(`unknown container state ${String(never)}`);
    }
  }
}

/** Upstream `SandboxToContainerState`: a ready sandbox is running, a not-ready one has exited. */
export function sandboxPlegState(state: SandboxState): PlegContainerState {
  switch (state) {
    case 'SANDBOX_READY':
      return 'running';
    case 'SANDBOX_NOTREADY':
      return 'exited';
    default: {
      const never: never = state;
      throw new Error(`unknown sandbox state ${String(never)}`);
    }
  }
}

/** The events of one container going from `oldState` to `newState` (upstream `generateEvents`). */
export function generateEvents(
  podUid: string,
  containerId: string,
  oldState: PlegContainerState,
  newState: PlegContainerState,
): PodLifecycleEvent[] {
  if (oldState === newState) return [];
  const event = (type: PodLifecycleEventType): PodLifecycleEvent => ({ podUid, type, data: containerId });
  switch (newState) {
    case 'running':
      return [event('ContainerStarted')];
    case 'exited':
      return [event('ContainerDied')];
    case 'unknown':
      return [event('ContainerChanged')];
    case 'non-existent':
      // A container that vanished without having been seen exited is reported dead first.
      return oldState === 'exited' ? [event('ContainerRemoved')] : [event('ContainerDied'), event('ContainerRemoved')];
    default: {
      const never: never = newState;
      throw new Error(`unknown PLEG state ${String(never)}`);
    }
  }
}

/** Upstream `getContainerState`: containers first, then sandboxes; absent is `non-existent`. */
function stateIn(pod: RuntimePod | undefined, id: string): PlegContainerState {
  const container = pod?.containers.find((c) => c.id === id);
  if (container) return containerPlegState(container.state);
  const sandbox = pod?.sandboxes.find((s) => s.id === id);
  if (sandbox) return sandboxPlegState(sandbox.state);
  return 'non-existent';
}

function idsOf(pod: RuntimePod | undefined): string[] {
  return pod ? [...pod.sandboxes.map((s) => s.id), ...pod.containers.map((c) => c.id)] : [];
}

/**
 * The events of one pod between two relists (upstream `computeEvents` over
 * `getContainersFromPods(old, new)`): ids of `oldPod` first, then new ones; sandboxes before
 * containers, so a new sandbox's start comes before its containers'.
 */
export function computePodEvents(podUid: string, oldPod: RuntimePod | undefined, newPod: RuntimePod | undefined): PodLifecycleEvent[] {
  const events: PodLifecycleEvent[] = [];
  for (const id of new Set([...idsOf(oldPod), ...idsOf(newPod)])) {
    events.push(...generateEvents(podUid, id, stateIn(oldPod, id), stateIn(newPod, id)));
  }
  return events;
}

/** Every pod uid of two snapshots: those of `next` in order, then those only in `prev`. */
export function podUidsOf(prev: PodSnapshot, next: PodSnapshot): string[] {
  return [...next.keys(), ...[...prev.keys()].filter((uid) => !next.has(uid))];
}

/** Every event between two relists, pod by pod in `podUidsOf` order. */
export function computeEvents(prev: PodSnapshot, next: PodSnapshot): PodLifecycleEvent[] {
  return podUidsOf(prev, next).flatMap((uid) => computePodEvents(uid, prev.get(uid), next.get(uid)));
}

/**
 * Groups one relist by pod uid (upstream `GetPods(all=true)`). Sandboxes and containers whose
 * labels name no pod (`podUidOf` returns undefined or '') are not the kubelet's and are skipped.
 */
export function groupPods(
  sandboxes: readonly PodSandbox[],
  containers: readonly Container[],
  podUidOf: (labels: Labels) => string | undefined,
): Map<string, RuntimePod> {
  const pods = new Map<string, RuntimePod>();
  const podFor = (labels: Labels): RuntimePod | undefined => {
    const uid = podUidOf(labels);
    if (!uid) return undefined;
    let pod = pods.get(uid);
    if (!pod) pods.set(uid, (pod = { uid, sandboxes: [], containers: [] }));
    return pod;
  };
  for (const s of sandboxes) podFor(s.labels)?.sandboxes.push(s);
  for (const c of containers) podFor(c.labels)?.containers.push(c);
  return pods;
}
