/**
 * The runtime view of one pod the deciders take (upstream `kubecontainer.PodStatus`): its sandboxes
 * and every container instance the runtime still holds, newest first, identified by the kubelet's
 * labels. Plain data; `buildRuntimePodStatus` assembles it from CRI answers.
 */
import type { ContainerState, ContainerStatus as CriContainerStatus, PodSandboxStatus } from '../../cri/index.js';
import { parseContainerAnnotations, parseContainerIdentity, parsePodIdentity } from './labels.js';

export interface RuntimeContainerStatus {
  /** CRI container id. */
  id: string;
  /** From the `io.kubernetes.container.name` label. */
  name: string;
  state: ContainerState;
  /** Nanoseconds since the epoch; 0n when not (yet) reached. */
  createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  /** The runtime's reason for an exited container: `Completed`, `Error`, `OOMKilled`, ... */
  reason: string;
  /** The runtime's message, or the termination message the executor read for it. */
  message: string;
  /** The image as the runtime names it. */
  image: string;
  /** The digest reference the runtime resolved the image to (becomes `status.imageID`). */
  imageRef: string;
  /** From the `io.kubernetes.container.hash` annotation; '' when absent. */
  hash: string;
  /** From the `io.kubernetes.container.restartCount` annotation. */
  restartCount: number;
}

export interface RuntimePodStatus {
  uid: string;
  name: string;
  namespace: string;
  /** Every sandbox of the pod, newest first. */
  sandboxes: readonly PodSandboxStatus[];
  /** Every container instance of the pod, newest first (several per name after restarts). */
  containers: readonly RuntimeContainerStatus[];
  /** IPs of the newest sandbox when it is ready, primary first; empty otherwise. */
  ips: readonly string[];
}

/** A runtime view with nothing in it, e.g. for a pod not started yet. */
export function emptyRuntimePodStatus(pod: { uid: string; name: string; namespace: string }): RuntimePodStatus {
  return { ...pod, sandboxes: [], containers: [], ips: [] };
}

/** Converts a CRI container status; null when the container does not carry the kubelet's labels. */
export function runtimeContainerStatus(s: CriContainerStatus): RuntimeContainerStatus | null {
  const identity = parseContainerIdentity(s.labels);
  if (!identity) return null;
  const { hash, restartCount } = parseContainerAnnotations(s.annotations);
  return {
    id: s.id,
    name: identity.containerName,
    state: s.state,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    exitCode: s.exitCode,
    reason: s.reason,
    message: s.message,
    image: s.image,
    imageRef: s.imageRef,
    hash,
    restartCount,
  };
}

/** The sandbox's IPs, primary first (upstream `determinePodSandboxIPs`). */
export function sandboxIPs(s: PodSandboxStatus): string[] {
  if (!s.network) return [];
  return [s.network.ip, ...s.network.additionalIps].filter((ip) => ip !== '');
}

const newestFirst = <T extends { createdAt: bigint }>(a: T, b: T): number =>
  a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0;

/**
 * Assembles a pod's runtime view from CRI statuses, keeping only those labelled with the pod's
 * uid. Sandboxes and containers come out newest first; the IPs are the newest sandbox's when ready.
 */
export function buildRuntimePodStatus(
  pod: { uid: string; name: string; namespace: string },
  sandboxes: readonly PodSandboxStatus[],
  containers: readonly CriContainerStatus[],
): RuntimePodStatus {
  const own = sandboxes.filter((s) => parsePodIdentity(s.labels)?.podUid === pod.uid).sort(newestFirst);
  const statuses = containers
    .filter((c) => parsePodIdentity(c.labels)?.podUid === pod.uid)
    .map(runtimeContainerStatus)
    .filter((c): c is RuntimeContainerStatus => c !== null)
    .sort(newestFirst);
  const newest = own[0];
  const ips = newest && newest.state === 'SANDBOX_READY' ? sandboxIPs(newest) : [];
  return { ...pod, sandboxes: own, containers: statuses, ips };
}

/** The newest instance of the named container (upstream `FindContainerStatusByName`). */
export function findContainerStatus(status: RuntimePodStatus, name: string): RuntimeContainerStatus | undefined {
  return status.containers.find((c) => c.name === name);
}

/** The result of one probe run. */
export type ProbeOutcome = 'success' | 'failure';

/**
 * The prober's latest results, by CRI container id — not by name, so a failure of a previous
 * instance never applies to its replacement (upstream keys results by ContainerID too). An id
 * without an entry has not been probed yet.
 */
export interface ProbeResults {
  liveness?: ReadonlyMap<string, ProbeOutcome>;
  readiness?: ReadonlyMap<string, ProbeOutcome>;
  startup?: ReadonlyMap<string, ProbeOutcome>;
}
