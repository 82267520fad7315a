/**
 * The kubelet's pure deciders: what to do to a pod, the CRI configs to do it with, the status to
 * report, back-off bookkeeping, and the labels that let a
 * restarted kubelet adopt what runs. No I/O; the executor, PLEG and status manager call these.
 */
export {
  computePodActions,
  type BackedOffContainer,
  type ContainerKind,
  type ContainerToKill,
  type ContainerToStart,
  type KillPodReason,
  type KillReason,
  type PodActions,
  type PodActionsContext,
  type StartReason,
} from './actions.js';
export {
  ipcNamespaceForPod,
  networkNamespaceForPod,
  pidNamespaceForPod,
  podSandboxChanged,
  type SandboxChangeReason,
  type SandboxDecision,
} from './sandbox.js';
export {
  buildRuntimePodStatus,
  emptyRuntimePodStatus,
  findContainerStatus,
  runtimeContainerStatus,
  sandboxIPs,
  type ProbeOutcome,
  type ProbeResults,
  type RuntimeContainerStatus,
  type RuntimePodStatus,
} from './runtime.js';
export {
  containerChanged,
  isInitContainerFailed,
  nextRestartCount,
  shouldContainerBeRestarted,
  shouldRestartOnFailure,
} from './restart.js';
export {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_NAME_LABEL,
  CONTAINER_PORTS_ANNOTATION,
  CONTAINER_PRESTOP_HANDLER_ANNOTATION,
  CONTAINER_RESTART_COUNT_ANNOTATION,
  CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION,
  CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION,
  POD_DELETION_GRACE_PERIOD_ANNOTATION,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_TERMINATION_GRACE_PERIOD_ANNOTATION,
  POD_UID_LABEL,
  containerAnnotations,
  containerLabels,
  parseContainerAnnotations,
  parseContainerIdentity,
  parsePodIdentity,
  podSandboxAnnotations,
  podSandboxLabels,
  type ContainerAnnotationInfo,
  type ContainerIdentity,
  type PodIdentity,
} from './labels.js';
export { fnv1a32, hashContainer } from './hash.js';
export {
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_POD_LOGS_ROOT,
  containerConfig,
  containerLogPath,
  podHostname,
  podLogDirectory,
  podSandboxConfig,
  sysctlWithDots,
  verifyRunAsNonRoot,
  type ContainerConfigContext,
  type ContainerConfigResult,
  type CriDnsConfig,
  type CriMount,
  type SandboxConfigContext,
} from './cri-config.js';
export { ContainerConfigError, SandboxConfigError, isContainerConfigError, isSandboxConfigError } from './config-error.js';
export { fieldRefValue, makeEnvironmentVariables, resourceFieldRefValue, type EnvContext, type EnvResult } from './env.js';
export { expand, expandCommandAndArgs, mappingFor, type Mapping } from './expansion.js';
export {
  BESTEFFORT_OOM_SCORE_ADJ,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  GUARANTEED_OOM_SCORE_ADJ,
  QUOTA_PERIOD_US,
  containerOOMScoreAdjust,
  containerSecurityContext,
  effectiveSecurityContext,
  linuxResources,
  milliCPUToQuota,
  milliCPUToShares,
  type CpuOptions,
  type SecurityOptions,
} from './linux.js';
export {
  BackOff,
  containerBackOffKey,
  crashLoopBackOffMessage,
  formatGoDuration,
  imageBackOffKey,
  imagePullBackOffMessage,
  type BackOffOptions,
} from './backoff.js';
export { generatePodStatus, sortPodIPs, type PodStatusContext } from './status.js';
export { podsDifferSemantically } from './pod-update.js';
export { convertContainerStatuses, type WaitingReason } from './container-statuses.js';
export { getPhase, hasAnyRegularContainerStarted } from './phase.js';
export {
  containersReadyCondition,
  initializedCondition,
  readyCondition,
  KUBELET_CONDITION_TYPES,
} from './conditions.js';
