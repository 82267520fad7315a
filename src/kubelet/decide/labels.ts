/**
 * The labels and annotations the kubelet puts on CRI sandboxes and containers, with the upstream
 * keys (pkg/kubelet/types/labels.go, kuberuntime/labels.go), and their parsers. They are the
 * kubelet's only durable memory: after a restart it finds its pods' sandboxes and containers by
 * these labels and reads each container's spec hash and restart count back from the annotations.
 *
 * Identity (pod name/namespace/uid, container name) is in labels, which CRI can filter on; facts
 * about one container instance (hash, restart count, grace periods, termination message, preStop
 * handler, ports) are in annotations, as upstream.
 */
import type { Container, ContainerPort, LifecycleHandler, Pod, TerminationMessagePolicy } from '../../api/index.js';
import type { Labels } from '../../cri/index.js';
import { hashContainer } from './hash.js';

export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

export const POD_DELETION_GRACE_PERIOD_ANNOTATION = 'io.kubernetes.pod.deletionGracePeriod';
export const POD_TERMINATION_GRACE_PERIOD_ANNOTATION = 'io.kubernetes.pod.terminationGracePeriod';
export const CONTAINER_HASH_ANNOTATION = 'io.kubernetes.container.hash';
export const CONTAINER_RESTART_COUNT_ANNOTATION = 'io.kubernetes.container.restartCount';
export const CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION = 'io.kubernetes.container.terminationMessagePath';
export const CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION = 'io.kubernetes.container.terminationMessagePolicy';
export const CONTAINER_PRESTOP_HANDLER_ANNOTATION = 'io.kubernetes.container.preStopHandler';
export const CONTAINER_PORTS_ANNOTATION = 'io.kubernetes.container.ports';

// --- builders -----------------------------------------------------------------------------------

/** Sandbox labels: the pod's own labels, then the three identity labels (which win). */
export function podSandboxLabels(pod: Pod): Labels {
  return {
    ...pod.metadata.labels,
    [POD_NAME_LABEL]: pod.metadata.name ?? '',
    [POD_NAMESPACE_LABEL]: pod.metadata.namespace ?? '',
    [POD_UID_LABEL]: pod.metadata.uid ?? '',
  };
}

/** Sandbox annotations: the pod's annotations, unchanged. */
export function podSandboxAnnotations(pod: Pod): Labels {
  return { ...pod.metadata.annotations };
}

export function containerLabels(pod: Pod, container: Container): Labels {
  return {
    [POD_NAME_LABEL]: pod.metadata.name ?? '',
    [POD_NAMESPACE_LABEL]: pod.metadata.namespace ?? '',
    [POD_UID_LABEL]: pod.metadata.uid ?? '',
    [CONTAINER_NAME_LABEL]: container.name,
  };
}

/**
 * Container annotations. `extra` (e.g. from device plugins) goes first so the kubelet's own keys
 * always win, as upstream.
 */
export function containerAnnotations(pod: Pod, container: Container, restartCount: number, extra: Labels = {}): Labels {
  const out: Labels = {
    ...extra,
    [CONTAINER_HASH_ANNOTATION]: hashContainer(container),
    [CONTAINER_RESTART_COUNT_ANNOTATION]: String(restartCount),
    [CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION]: container.terminationMessagePath ?? '',
    [CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION]: container.terminationMessagePolicy ?? '',
  };
  if (pod.metadata.deletionGracePeriodSeconds !== undefined) {
    out[POD_DELETION_GRACE_PERIOD_ANNOTATION] = String(pod.metadata.deletionGracePeriodSeconds);
  }
  if (pod.spec.terminationGracePeriodSeconds !== undefined) {
    out[POD_TERMINATION_GRACE_PERIOD_ANNOTATION] = String(pod.spec.terminationGracePeriodSeconds);
  }
  if (container.lifecycle?.preStop) out[CONTAINER_PRESTOP_HANDLER_ANNOTATION] = JSON.stringify(container.lifecycle.preStop);
  if (container.ports && container.ports.length > 0) out[CONTAINER_PORTS_ANNOTATION] = JSON.stringify(container.ports);
  return out;
}

// --- parsers ------------------------------------------------------------------------------------

/** Which pod a sandbox belongs to. */
export interface PodIdentity {
  podName: string;
  podNamespace: string;
  podUid: string;
}

export interface ContainerIdentity extends PodIdentity {
  containerName: string;
}

/** Facts about one container instance; unparseable values read as absent (restart count as 0). */
export interface ContainerAnnotationInfo {
  /** Hex spec hash; '' when absent, which never equals a computed hash. */
  hash: string;
  restartCount: number;
  podDeletionGracePeriod?: number;
  podTerminationGracePeriod?: number;
  terminationMessagePath: string;
  terminationMessagePolicy: TerminationMessagePolicy | '';
  preStopHandler?: LifecycleHandler;
  containerPorts: ContainerPort[];
}

/**
 * The pod a sandbox (or container) belongs to, or null when it does not carry the kubelet's
 * identity labels (it was not created by a kubelet and must be left alone).
 */
export function parsePodIdentity(labels: Labels): PodIdentity | null {
  const podUid = labels[POD_UID_LABEL];
  const podName = labels[POD_NAME_LABEL];
  const podNamespace = labels[POD_NAMESPACE_LABEL];
  if (!podUid || podName === undefined || podNamespace === undefined) return null;
  return { podName, podNamespace, podUid };
}

/** The pod and container name of a container, or null when it is not the kubelet's. */
export function parseContainerIdentity(labels: Labels): ContainerIdentity | null {
  const pod = parsePodIdentity(labels);
  const containerName = labels[CONTAINER_NAME_LABEL];
  if (!pod || !containerName) return null;
  return { ...pod, containerName };
}

function parseInteger(s: string | undefined): number | undefined {
  return s !== undefined && /^-?\d+$/.test(s) ? Number.parseInt(s, 10) : undefined;
}

function parseJson<T>(s: string | undefined, valid: (v: unknown) => v is T): T | undefined {
  if (s === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return valid(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is LifecycleHandler => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPortList = (v: unknown): v is ContainerPort[] =>
  Array.isArray(v) && v.every((p) => isObject(p) && typeof (p as { containerPort?: unknown }).containerPort === 'number');

export function parseContainerAnnotations(annotations: Labels): ContainerAnnotationInfo {
  const policy = annotations[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION];
  const info: ContainerAnnotationInfo = {
    hash: annotations[CONTAINER_HASH_ANNOTATION] ?? '',
    restartCount: parseInteger(annotations[CONTAINER_RESTART_COUNT_ANNOTATION]) ?? 0,
    terminationMessagePath: annotations[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION] ?? '',
    terminationMessagePolicy: policy === 'File' || policy === 'FallbackToLogsOnError' ? policy : '',
    containerPorts: parseJson(annotations[CONTAINER_PORTS_ANNOTATION], isPortList) ?? [],
  };
  const deletion = parseInteger(annotations[POD_DELETION_GRACE_PERIOD_ANNOTATION]);
  if (deletion !== undefined) info.podDeletionGracePeriod = deletion;
  const termination = parseInteger(annotations[POD_TERMINATION_GRACE_PERIOD_ANNOTATION]);
  if (termination !== undefined) info.podTerminationGracePeriod = termination;
  const preStop = parseJson(annotations[CONTAINER_PRESTOP_HANDLER_ANNOTATION], isObject);
  if (preStop) info.preStopHandler = preStop;
  return info;
}
