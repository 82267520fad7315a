/** Other core/v1 objects the kubelet reads or writes: Node (minimal), Event, ConfigMap, Secret. */
import type { ResourceList } from './container.js';
import type { MicroTime, ObjectMeta, ObjectReference, Time, TypeMeta } from './meta.js';
import type { ConditionStatus } from './pod.js';
import type { Taint } from './scheduling.js';

// --- Node ---------------------------------------------------------------------------------------

export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
  unschedulable?: boolean;
  taints?: Taint[];
}

export type NodeConditionType = 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable';

export interface NodeCondition {
  type: NodeConditionType | string;
  status: ConditionStatus;
  lastHeartbeatTime?: Time;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface NodeAddress {
  type: 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS';
  address: string;
}

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

export interface ContainerImage {
  names?: string[];
  sizeBytes?: number;
}

export interface NodeStatus {
  capacity?: ResourceList;
  allocatable?: ResourceList;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  nodeInfo?: NodeSystemInfo;
  images?: ContainerImage[];
}

export interface Node extends TypeMeta {
  metadata: ObjectMeta;
  spec?: NodeSpec;
  status?: NodeStatus;
}

// --- Event (core/v1) -----------------------------------------------------------------------------

export interface EventSource {
  component?: string;
  host?: string;
}

export interface EventSeries {
  count?: number;
  lastObservedTime?: MicroTime;
}

export interface Event extends TypeMeta {
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  /** CamelCase machine reason, e.g. `BackOff`, `Pulled`, `Killing`. */
  reason?: string;
  message?: string;
  source?: EventSource;
  firstTimestamp?: Time;
  lastTimestamp?: Time;
  count?: number;
  type?: 'Normal' | 'Warning';
  eventTime?: MicroTime | null;
  series?: EventSeries;
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

// --- ConfigMap and Secret -----------------------------------------------------------------------

export interface ConfigMap extends TypeMeta {
  metadata: ObjectMeta;
  data?: Record<string, string>;
  /** Base64 on the wire. */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export interface Secret extends TypeMeta {
  metadata: ObjectMeta;
  /** Base64 on the wire. */
  data?: Record<string, string>;
  /** Write-only convenience; merged into `data` by the API server. */
  stringData?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}
