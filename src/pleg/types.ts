import type { Container, ContainerStatus, PodSandbox, PodSandboxStatus } from '../cri/index.js';

/**
 * Everything the runtime holds for one pod (upstream `kubecontainer.PodStatus`), as the PLEG last
 * inspected it. Pod workers read it from the `PodCache`.
 */
export interface PodRuntimeStatus {
  uid: string;
  /** From the newest sandbox's metadata, else the containers' `io.kubernetes.pod.*` labels; '' if neither. */
  name: string;
  namespace: string;
  /** Every sandbox of the pod, newest first. */
  sandboxes: PodSandboxStatus[];
  /** Every container attempt still in the runtime, newest first, each with its CRI labels. */
  containers: ContainerStatus[];
  /**
   * The newest sandbox's IPs (primary first) when it is ready. When no sandbox is ready, the IPs
   * last cached for the pod are kept, as upstream `getPodIPs` does, so a finished pod keeps its IP.
   */
  ips: string[];
}

/** One pod of a relist: what ListPodSandbox and ListContainers returned for its uid. */
export interface RuntimePod {
  uid: string;
  /** As listed (unsorted). */
  sandboxes: PodSandbox[];
  containers: Container[];
}

/** A relist: pod uid -> what the runtime listed for it. */
export type PodSnapshot = ReadonlyMap<string, RuntimePod>;

/** The PLEG's coarse view of a container or sandbox (upstream `plegContainerState`). */
export type PlegContainerState = 'running' | 'exited' | 'unknown' | 'non-existent';

export type PodLifecycleEventType = 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved' | 'ContainerChanged';

/** Upstream `PodLifecycleEvent`: `data` is the container's (or sandbox's) CRI id. */
export interface PodLifecycleEvent {
  podUid: string;
  type: PodLifecycleEventType;
  data: string;
}

/** What one relist did; `succeeded` is false when listing failed (nothing else happened then). */
export interface RelistInfo {
  /** Clock time (ms) the relist started; the cache's global timestamp after a success. */
  startedAt: number;
  durationMs: number;
  succeeded: boolean;
  /** Pods in the runtime (by uid), 0 when listing failed. */
  pods: number;
  /** Events emitted to subscribers (ContainerChanged is never emitted). */
  events: number;
  /** Pods whose status fetch failed; they are inspected again on the next relist. */
  failedPods: number;
}

export interface PlegHealth {
  ok: boolean;
  /** '' when healthy; upstream's words otherwise. */
  message: string;
}
