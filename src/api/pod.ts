/** core/v1 Pod: spec, status, conditions and container statuses. */
import type { Container, EphemeralContainer, ResourceList, ResourceRequirements, VolumeMount } from './container.js';
import type { LocalObjectReference, ObjectMeta, Time, TypeMeta } from './meta.js';
import type { PodSecurityContext } from './security.js';
import type { Affinity, Toleration, TopologySpreadConstraint } from './scheduling.js';
import type { Volume } from './volume.js';

// --- spec ---------------------------------------------------------------------------------------

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export type DNSPolicy = 'ClusterFirstWithHostNet' | 'ClusterFirst' | 'Default' | 'None';

export interface PodDNSConfigOption {
  name?: string;
  value?: string;
}

export interface PodDNSConfig {
  nameservers?: string[];
  searches?: string[];
  options?: PodDNSConfigOption[];
}

export interface HostAlias {
  ip: string;
  hostnames?: string[];
}

export interface PodReadinessGate {
  conditionType: string;
}

export interface PodSchedulingGate {
  name: string;
}

export interface PodResourceClaim {
  name: string;
  resourceClaimName?: string;
  resourceClaimTemplateName?: string;
}

export interface PodOS {
  name: 'linux' | 'windows';
}

export interface PodSpec {
  volumes?: Volume[];
  initContainers?: Container[];
  containers: Container[];
  ephemeralContainers?: EphemeralContainer[];
  /** Defaults to `Always`. */
  restartPolicy?: RestartPolicy;
  /** Defaults to 30. */
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  /** Defaults to `ClusterFirst`. */
  dnsPolicy?: DNSPolicy;
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  /** Deprecated alias of serviceAccountName. */
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  nodeName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  securityContext?: PodSecurityContext;
  imagePullSecrets?: LocalObjectReference[];
  hostname?: string;
  subdomain?: string;
  affinity?: Affinity;
  schedulerName?: string;
  tolerations?: Toleration[];
  hostAliases?: HostAlias[];
  priorityClassName?: string;
  priority?: number;
  dnsConfig?: PodDNSConfig;
  readinessGates?: PodReadinessGate[];
  runtimeClassName?: string;
  enableServiceLinks?: boolean;
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never';
  /** Resource name to quantity: the sandbox's own cost, added by the RuntimeClass admission. */
  overhead?: ResourceList;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  setHostnameAsFQDN?: boolean;
  os?: PodOS;
  hostUsers?: boolean;
  schedulingGates?: PodSchedulingGate[];
  resourceClaims?: PodResourceClaim[];
  /** Pod-level resources (alpha in 1.32, PodLevelResources gate). */
  resources?: ResourceRequirements;
}

// --- status -------------------------------------------------------------------------------------

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** The condition types the kubelet owns, plus `PodScheduled` which it also reports. */
export type KubeletPodConditionType =
  | 'PodScheduled'
  | 'PodReadyToStartContainers'
  | 'Initialized'
  | 'ContainersReady'
  | 'Ready';

export interface PodCondition {
  /** A `KubeletPodConditionType`, `DisruptionTarget`, or a readiness-gate condition. */
  type: string;
  status: ConditionStatus;
  lastProbeTime?: Time | null;
  lastTransitionTime?: Time | null;
  reason?: string;
  message?: string;
}

export interface ContainerStateWaiting {
  /** E.g. ContainerCreating, PodInitializing, CrashLoopBackOff, ErrImagePull, ImagePullBackOff. */
  reason?: string;
  message?: string;
}

export interface ContainerStateRunning {
  startedAt?: Time | null;
}

export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  /** E.g. Completed, Error, OOMKilled, ContainerStatusUnknown. */
  reason?: string;
  message?: string;
  startedAt?: Time | null;
  finishedAt?: Time | null;
  containerID?: string;
}

/** At most one member is set; none means waiting. */
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}

export interface VolumeMountStatus {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  recursiveReadOnly?: VolumeMount['recursiveReadOnly'];
}

export interface ContainerUser {
  linux?: { uid: number; gid: number; supplementalGroups?: number[] };
}

export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  /** `<runtime>://<id>`, e.g. `containerd://0123...`. */
  containerID?: string;
  started?: boolean;
  allocatedResources?: ResourceList;
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMountStatus[];
  user?: ContainerUser;
}

export interface PodIP {
  ip: string;
}

export interface HostIP {
  ip: string;
}

export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  message?: string;
  /** E.g. `Evicted`, `NodeLost`. */
  reason?: string;
  nominatedNodeName?: string;
  hostIP?: string;
  hostIPs?: HostIP[];
  podIP?: string;
  podIPs?: PodIP[];
  startTime?: Time;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  qosClass?: PodQOSClass;
  ephemeralContainerStatuses?: ContainerStatus[];
  resize?: '' | 'Proposed' | 'InProgress' | 'Deferred' | 'Infeasible';
}

export interface Pod extends TypeMeta {
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: PodStatus;
}
