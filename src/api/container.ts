/**
 * core/v1 Container and what hangs off it: ports, environment, resources, volume mounts. Probes and
 * lifecycle handlers are in `probe.ts`, security contexts in `security.ts`.
 */
import type { Lifecycle, Probe } from './probe.js';
import type { SecurityContext } from './security.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type TerminationMessagePolicy = 'File' | 'FallbackToLogsOnError';
/** Only `Always` exists: it makes an init container a sidecar (a "restartable init container"). */
export type ContainerRestartPolicy = 'Always';

export interface ContainerPort {
  name?: string;
  hostPort?: number;
  containerPort: number;
  /** Defaults to TCP. */
  protocol?: Protocol;
  hostIP?: string;
}

// --- environment --------------------------------------------------------------------------------

export interface ObjectFieldSelector {
  /** Defaults to `v1`. */
  apiVersion?: string;
  /** E.g. `metadata.name`, `metadata.labels['app']`, `status.podIP`. */
  fieldPath: string;
}

export interface ResourceFieldSelector {
  /** Required for volumes, optional for env vars (defaults to the container itself). */
  containerName?: string;
  /** E.g. `limits.cpu`, `requests.memory`. */
  resource: string;
  /** A quantity; defaults to `1`. */
  divisor?: string;
}

export interface ConfigMapKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface SecretKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface EnvVarSource {
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  configMapKeyRef?: ConfigMapKeySelector;
  secretKeyRef?: SecretKeySelector;
}

export interface EnvVar {
  name: string;
  /** May reference earlier variables as `$(NAME)`; `$$` escapes a `$`. */
  value?: string;
  valueFrom?: EnvVarSource;
}

export interface ConfigMapEnvSource {
  name?: string;
  optional?: boolean;
}

export interface SecretEnvSource {
  name?: string;
  optional?: boolean;
}

export interface EnvFromSource {
  /** Prepended to every key. */
  prefix?: string;
  configMapRef?: ConfigMapEnvSource;
  secretRef?: SecretEnvSource;
}

// --- resources ----------------------------------------------------------------------------------

/** Resource name to quantity string, e.g. `{ cpu: '500m', memory: '128Mi' }`. */
export type ResourceList = Record<string, string>;

export interface ResourceClaim {
  name: string;
  request?: string;
}

export interface ResourceRequirements {
  limits?: ResourceList;
  requests?: ResourceList;
  claims?: ResourceClaim[];
}

export interface ContainerResizePolicy {
  resourceName: string;
  restartPolicy: 'NotRequired' | 'RestartContainer';
}

// --- volumes as a container sees them -------------------------------------------------------------

export type MountPropagationMode = 'None' | 'HostToContainer' | 'Bidirectional';

export interface VolumeMount {
  name: string;
  readOnly?: boolean;
  recursiveReadOnly?: 'Disabled' | 'IfPossible' | 'Enabled';
  mountPath: string;
  subPath?: string;
  mountPropagation?: MountPropagationMode;
  subPathExpr?: string;
}

export interface VolumeDevice {
  name: string;
  devicePath: string;
}

// --- the container ------------------------------------------------------------------------------

export interface Container {
  name: string;
  image?: string;
  /** The entrypoint; the image's ENTRYPOINT when empty. `$(VAR)` references are expanded. */
  command?: string[];
  /** Arguments; the image's CMD when empty. `$(VAR)` references are expanded. */
  args?: string[];
  workingDir?: string;
  ports?: ContainerPort[];
  envFrom?: EnvFromSource[];
  env?: EnvVar[];
  resources?: ResourceRequirements;
  resizePolicy?: ContainerResizePolicy[];
  /** Only on init containers: `Always` makes it a sidecar. */
  restartPolicy?: ContainerRestartPolicy;
  volumeMounts?: VolumeMount[];
  volumeDevices?: VolumeDevice[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
  /** Defaults to `/dev/termination-log`. */
  terminationMessagePath?: string;
  /** Defaults to `File`. */
  terminationMessagePolicy?: TerminationMessagePolicy;
  /** Defaults to `Always` for `:latest` or untagged images, else `IfNotPresent`. */
  imagePullPolicy?: PullPolicy;
  securityContext?: SecurityContext;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}

/** A container added to a running pod for debugging; never restarted. */
export interface EphemeralContainer extends Omit<Container, 'restartPolicy'> {
  targetContainerName?: string;
  restartPolicy?: ContainerRestartPolicy;
}
