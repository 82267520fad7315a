/** Small pod helpers with upstream names and semantics (podutil, kubetypes, format). */
import type { Container } from './container.js';
import type { Pod, RestartPolicy } from './pod.js';

/** Where a pod came from: `api`, `file`, `http` (upstream `kubernetes.io/config.source`). */
export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
/** Set on the API-server copy ("mirror pod") of a static pod. */
export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** Hash of a static pod's manifest. */
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const API_SERVER_SOURCE = 'api';

/** Priority classes whose pods the kubelet treats as critical. */
export const SYSTEM_NODE_CRITICAL = 'system-node-critical';
export const SYSTEM_CLUSTER_CRITICAL = 'system-cluster-critical';
/** Pods at or above this priority are critical (upstream `scheduling.SystemCriticalPriority`). */
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

/** A sidecar: an init container with `restartPolicy: Always` (upstream `IsRestartableInitContainer`). */
export function isRestartableInitContainer(c: Pick<Container, 'restartPolicy'>): boolean {
  return c.restartPolicy === 'Always';
}

/** The pod's restart policy with the API default (`Always`) applied. */
export function podRestartPolicy(pod: Pod): RestartPolicy {
  return pod.spec.restartPolicy ?? 'Always';
}

/** `name_namespace(uid)`, the form upstream's kubelet uses in messages (`format.Pod`). */
export function podFullName(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/** A pod from a manifest file or URL rather than the API server (upstream `IsStaticPod`). */
export function isStaticPod(pod: Pod): boolean {
  const source = pod.metadata.annotations?.[CONFIG_SOURCE_ANNOTATION];
  return source !== undefined && source !== API_SERVER_SOURCE;
}

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}

/** Upstream `IsCriticalPod`: static and mirror pods, and pods of critical priority. */
export function isCriticalPod(pod: Pod): boolean {
  if (isStaticPod(pod) || isMirrorPod(pod)) return true;
  return pod.spec.priority !== undefined && pod.spec.priority >= SYSTEM_CRITICAL_PRIORITY;
}

/** Upstream `IsNodeCriticalPod`: a critical pod of the `system-node-critical` class. */
export function isNodeCriticalPod(pod: Pod): boolean {
  return isCriticalPod(pod) && pod.spec.priorityClassName === SYSTEM_NODE_CRITICAL;
}

/** Every container of the pod: init containers (sidecars included) first, then app containers. */
export function allContainers(pod: Pod): Container[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}
