/**
 * The CRI as the rest of tskube sees it: camelCase, 64-bit timestamps as bigint nanoseconds,
 * 64-bit counters as numbers, absent optional values as `null`. Request configs reuse the shapes of
 * the generated input types (every field optional), re-exported here so that only this folder
 * imports generated code.
 */
import type { AuthConfig as GenAuthConfig } from './generated/runtime/v1/AuthConfig.js';
import type { ContainerConfig as GenContainerConfig } from './generated/runtime/v1/ContainerConfig.js';
import type { ContainerFilter as GenContainerFilter } from './generated/runtime/v1/ContainerFilter.js';
import type { ContainerStatsFilter as GenContainerStatsFilter } from './generated/runtime/v1/ContainerStatsFilter.js';
import type { ImageFilter as GenImageFilter } from './generated/runtime/v1/ImageFilter.js';
import type { ImageSpec as GenImageSpec } from './generated/runtime/v1/ImageSpec.js';
import type { LinuxContainerResources as GenLinuxContainerResources } from './generated/runtime/v1/LinuxContainerResources.js';
import type { PodSandboxConfig as GenPodSandboxConfig } from './generated/runtime/v1/PodSandboxConfig.js';
import type { PodSandboxFilter as GenPodSandboxFilter } from './generated/runtime/v1/PodSandboxFilter.js';
import type { PodSandboxStatsFilter as GenPodSandboxStatsFilter } from './generated/runtime/v1/PodSandboxStatsFilter.js';

export type PodSandboxConfig = GenPodSandboxConfig;
export type ContainerConfig = GenContainerConfig;
export type LinuxContainerResources = GenLinuxContainerResources;
export type PodSandboxFilter = GenPodSandboxFilter;
export type ContainerFilter = GenContainerFilter;
export type ContainerStatsFilter = GenContainerStatsFilter;
export type PodSandboxStatsFilter = GenPodSandboxStatsFilter;
export type ImageFilter = GenImageFilter;
export type ImageSpec = GenImageSpec;
export type AuthConfig = GenAuthConfig;

/** Per-call options: every CRI call can be cancelled and has a deadline. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Deadline for this call in ms; defaults to the client's `timeoutMs` (2 min, as upstream). */
  timeoutMs?: number;
}

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type Labels = Record<string, string>;

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: SandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: bigint;
  labels: Labels;
  annotations: Labels;
  runtimeHandler: string;
}

export interface PodSandboxStatus extends PodSandbox {
  /** The pod's IPs, primary first; null for host-network sandboxes or when the runtime has none. */
  network: { ip: string; additionalIps: string[] } | null;
  namespaceOptions: { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode; targetId: string } | null;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  /** The image as requested (`spec.image`). */
  image: string;
  /** The image the runtime resolved it to (a digest reference). */
  imageRef: string;
  state: ContainerState;
  createdAt: bigint;
  labels: Labels;
  annotations: Labels;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
}

export interface ContainerStatus extends Omit<Container, 'podSandboxId'> {
  /** Nanoseconds since the epoch; 0n when the container has not started / finished. */
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  imageId: string;
  /** Machine-readable reason of the state, e.g. `OOMKilled`, `Completed`, `Error`. */
  reason: string;
  message: string;
  mounts: Mount[];
  logPath: string;
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export interface CpuUsage {
  timestamp: bigint;
  usageCoreNanoSeconds: number | null;
  /** 0 on a runtime's first sample (it needs two to compute a rate). */
  usageNanoCores: number | null;
}

export interface MemoryUsage {
  timestamp: bigint;
  workingSetBytes: number | null;
  availableBytes: number | null;
  usageBytes: number | null;
  rssBytes: number | null;
  pageFaults: number | null;
  majorPageFaults: number | null;
}

export interface FilesystemUsage {
  timestamp: bigint;
  mountpoint: string;
  usedBytes: number | null;
  inodesUsed: number | null;
}

export interface ContainerStats {
  id: string;
  metadata: ContainerMetadata;
  labels: Labels;
  annotations: Labels;
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  writableLayer: FilesystemUsage | null;
}

export interface NetworkInterfaceUsage {
  name: string;
  rxBytes: number | null;
  rxErrors: number | null;
  txBytes: number | null;
  txErrors: number | null;
}

export interface PodSandboxStats {
  id: string;
  metadata: PodSandboxMetadata;
  labels: Labels;
  annotations: Labels;
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  network: { timestamp: bigint; defaultInterface: NetworkInterfaceUsage | null; interfaces: NetworkInterfaceUsage[] } | null;
  processCount: number | null;
  containers: ContainerStats[];
}

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid: number | null;
  username: string;
  pinned: boolean;
}

export interface RuntimeVersion {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface RuntimeStatus {
  conditions: RuntimeCondition[];
  info: Record<string, string>;
}

export type ContainerEventType =
  | 'CONTAINER_CREATED_EVENT'
  | 'CONTAINER_STARTED_EVENT'
  | 'CONTAINER_STOPPED_EVENT'
  | 'CONTAINER_DELETED_EVENT';

export interface ContainerEvent {
  containerId: string;
  type: ContainerEventType;
  createdAt: bigint;
  podSandboxStatus: PodSandboxStatus | null;
  containersStatuses: ContainerStatus[];
}

export interface ExecStreamRequest {
  containerId: string;
  cmd: string[];
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

export interface AttachStreamRequest {
  containerId: string;
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** Pod sandboxes: RunPodSandbox, Stop/Remove, status and list. */
export interface SandboxService {
  runPodSandbox(config: PodSandboxConfig, opts?: CallOptions & { runtimeHandler?: string }): Promise<string>;
  /** Idempotent: stopping a stopped or missing sandbox succeeds. */
  stopPodSandbox(id: string, opts?: CallOptions): Promise<void>;
  /** Idempotent: removing a missing sandbox succeeds. */
  removePodSandbox(id: string, opts?: CallOptions): Promise<void>;
  podSandboxStatus(
    id: string,
    opts?: CallOptions & { verbose?: boolean },
  ): Promise<{ status: PodSandboxStatus; info: Record<string, string> }>;
  listPodSandbox(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]>;
}

/** Containers: lifecycle, status, resources, logs and synchronous exec. */
export interface ContainerService {
  createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
    opts?: CallOptions,
  ): Promise<string>;
  startContainer(id: string, opts?: CallOptions): Promise<void>;
  /** Stopping a created or exited container succeeds; an unknown id is NotFound. `timeoutSeconds` is the grace period before SIGKILL. */
  stopContainer(id: string, timeoutSeconds: number, opts?: CallOptions): Promise<void>;
  /** Idempotent. */
  removeContainer(id: string, opts?: CallOptions): Promise<void>;
  listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]>;
  containerStatus(
    id: string,
    opts?: CallOptions & { verbose?: boolean },
  ): Promise<{ status: ContainerStatus; info: Record<string, string> }>;
  updateContainerResources(id: string, linux: LinuxContainerResources, opts?: CallOptions): Promise<void>;
  reopenContainerLog(id: string, opts?: CallOptions): Promise<void>;
  /** Runs a command to completion; `timeoutSeconds` 0 means none (the call deadline still applies). */
  execSync(id: string, cmd: string[], timeoutSeconds: number, opts?: CallOptions): Promise<ExecSyncResult>;
}

/** Streaming endpoints: each returns a URL on the runtime's streaming server. */
export interface StreamingService {
  exec(req: ExecStreamRequest, opts?: CallOptions): Promise<string>;
  attach(req: AttachStreamRequest, opts?: CallOptions): Promise<string>;
  portForward(podSandboxId: string, ports: number[], opts?: CallOptions): Promise<string>;
}

export interface StatsService {
  containerStats(id: string, opts?: CallOptions): Promise<ContainerStats>;
  listContainerStats(filter?: ContainerStatsFilter, opts?: CallOptions): Promise<ContainerStats[]>;
  podSandboxStats(id: string, opts?: CallOptions): Promise<PodSandboxStats>;
  listPodSandboxStats(filter?: PodSandboxStatsFilter, opts?: CallOptions): Promise<PodSandboxStats[]>;
}

/** The runtime itself: version, health, config, and the container event stream. */
export interface RuntimeInfoService {
  version(opts?: CallOptions): Promise<RuntimeVersion>;
  status(opts?: CallOptions & { verbose?: boolean }): Promise<RuntimeStatus>;
  updateRuntimeConfig(podCidr: string, opts?: CallOptions): Promise<void>;
  /**
   * Container lifecycle events until `signal` aborts. Rejects (on first iteration) with an
   * `Unimplemented` CriError when the runtime has no event stream (containerd 1.6).
   */
  containerEvents(signal: AbortSignal): AsyncIterable<ContainerEvent>;
}

export interface ImageService {
  listImages(filter?: ImageFilter, opts?: CallOptions): Promise<Image[]>;
  /** null when the image is not present. */
  imageStatus(image: ImageSpec, opts?: CallOptions): Promise<Image | null>;
  /** Returns the image reference (digest) the runtime pulled. */
  pullImage(
    image: ImageSpec,
    opts?: CallOptions & { auth?: AuthConfig; sandboxConfig?: PodSandboxConfig },
  ): Promise<string>;
  removeImage(image: ImageSpec, opts?: CallOptions): Promise<void>;
  imageFsInfo(opts?: CallOptions): Promise<{ imageFilesystems: FilesystemUsage[]; containerFilesystems: FilesystemUsage[] }>;
}

/** The whole runtime, split like the CRI services; consumers take the slice they need. */
export interface CriRuntime {
  sandboxes: SandboxService;
  containers: ContainerService;
  streaming: StreamingService;
  stats: StatsService;
  runtime: RuntimeInfoService;
  images: ImageService;
}
