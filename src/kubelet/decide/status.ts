/**
 * The API `PodStatus` of a pod from its spec, the runtime view and what the kubelet remembers, as
 * upstream `generateAPIPodStatus` (kubelet_pods.go) plus the status manager's bookkeeping
 * (`startTime` and `lastTransitionTime` kept across updates). Pure; the status manager decides when
 * to publish.
 *
 * A terminal phase is sticky: once the previous status (or the API's) is Succeeded or Failed, it
 * stays so. Conditions not owned by the kubelet (e.g. readiness gates, DisruptionTarget) are kept.
 */
import type { ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../../api/index.js';
import { formatTime, podQOSClass } from '../../api/index.js';
import {
  KUBELET_CONDITION_TYPES,
  containersReadyCondition,
  initializedCondition,
  readyCondition,
  readyToStartContainersCondition,
  withTransitionTime,
} from './conditions.js';
import { convertContainerStatuses, type WaitingReason } from './container-statuses.js';
import { getPhase } from './phase.js';
import type { ProbeResults, RuntimePodStatus } from './runtime.js';
import { podSandboxChanged } from './sandbox.js';

export interface PodStatusContext {
  /** Epoch ms, for new `lastTransitionTime`s and the first `startTime`. */
  now: number;
  /** The status the kubelet last generated for this pod; default `pod.status`. */
  previous?: PodStatus;
  /** Why containers could not be started, by container name (the executor's records). */
  waitingReasons?: ReadonlyMap<string, WaitingReason>;
  /** Latest probe results by container id. */
  probes?: ProbeResults;
  /** The node's IPs, primary first. */
  hostIPs?: readonly string[];
  /** The pod will not run again (being deleted, evicted, or finished by its worker). */
  podIsTerminal?: boolean;
  /** `containerID` prefix. Default `containerd`. */
  runtimeName?: string;
}

const isIPv6 = (ip: string): boolean => ip.includes(':');

/**
 * Upstream `sortPodIPs`: the first IP of the node's primary family (IPv4 when unknown), then the
 * first of the other family.
 */
export function sortPodIPs(podIPs: readonly string[], hostIPs: readonly string[] = []): string[] {
  const primaryV6 = hostIPs[0] !== undefined && isIPv6(hostIPs[0]);
  const primary = podIPs.find((ip) => isIPv6(ip) === primaryV6);
  const secondary = podIPs.find((ip) => isIPv6(ip) !== primaryV6);
  return [primary, secondary].filter((ip): ip is string => ip !== undefined);
}

const isTerminal = (phase: PodPhase | undefined): phase is 'Succeeded' | 'Failed' => phase === 'Succeeded' || phase === 'Failed';

export function generatePodStatus(pod: Pod, runtime: RuntimePodStatus, ctx: PodStatusContext): PodStatus {
  const previous = ctx.previous ?? pod.status ?? {};
  const apiStatus = pod.status ?? {};
  const now = formatTime(ctx.now);
  const probes = ctx.probes ?? {};
  const waitingReasons = ctx.waitingReasons ?? new Map<string, WaitingReason>();
  const runtimeName = ctx.runtimeName ?? 'containerd';
  const hostIPs = ctx.hostIPs ?? [];

  const common = { pod, runtime, waitingReasons, probes, runtimeName };
  const containerStatuses = convertContainerStatuses({
    ...common,
    previous: previous.containerStatuses ?? [],
    containers: pod.spec.containers,
    isInit: false,
  });
  const initContainerStatuses = convertContainerStatuses({
    ...common,
    previous: previous.initContainerStatuses ?? [],
    containers: pod.spec.initContainers ?? [],
    isInit: true,
  });
  const all: ContainerStatus[] = [...initContainerStatuses, ...containerStatuses];

  let phase = getPhase(pod, all, ctx.podIsTerminal === true);
  if (!isTerminal(phase) && isTerminal(previous.phase)) phase = previous.phase;
  // Pods never leave a terminal phase the API server has seen.
  if (isTerminal(apiStatus.phase)) phase = apiStatus.phase;

  const status: PodStatus = { phase };
  if (phase === previous.phase) {
    const reason = previous.reason || apiStatus.reason;
    const message = previous.message || apiStatus.message;
    if (reason) status.reason = reason;
    if (message) status.message = message;
  }

  const foreign = (apiStatus.conditions ?? []).filter((c) => !KUBELET_CONDITION_TYPES.has(c.type));
  const disruption = (previous.conditions ?? []).find((c) => c.type === 'DisruptionTarget');
  const kept: PodCondition[] = disruption ? [...foreign.filter((c) => c.type !== 'DisruptionTarget'), disruption] : foreign;
  const old = previous.conditions ?? [];
  const stamp = (c: Parameters<typeof withTransitionTime>[0]): PodCondition => withTransitionTime(c, old, now);
  status.conditions = [
    ...kept,
    stamp(readyToStartContainersCondition(!podSandboxChanged(pod, runtime).changed)),
    stamp(initializedCondition(pod, all, phase)),
    stamp(readyCondition(pod, kept, all, phase)),
    stamp(containersReadyCondition(pod, all, phase)),
    stamp({ type: 'PodScheduled', status: 'True' }),
  ];

  if (hostIPs[0] !== undefined) {
    status.hostIP = hostIPs[0];
    status.hostIPs = hostIPs.slice(0, 2).map((ip) => ({ ip }));
  }
  const podIPs = pod.spec.hostNetwork ? hostIPs.slice(0, 2) : sortPodIPs(runtime.ips, hostIPs);
  if (podIPs[0] !== undefined) {
    status.podIP = podIPs[0];
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  status.startTime = previous.startTime ?? now;
  status.initContainerStatuses = initContainerStatuses;
  status.containerStatuses = containerStatuses;
  status.qosClass = podQOSClass(pod);
  return status;
}
