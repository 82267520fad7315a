/**
 * Pod -> CRI `PodSandboxConfig` and container -> CRI `ContainerConfig`, as upstream
 * `generatePodSandboxConfig` (kuberuntime_sandbox.go) and `generateContainerConfig`
 * (kuberuntime_container.go). Pure: what needs the host (DNS settings, cgroup parent, mounts
 * prepared by the volume manager, the image's USER, the pod's IPs) comes in as input.
 *
 * Failures throw `SandboxConfigError` / `ContainerConfigError` with upstream's messages.
 */
import { posix } from 'node:path';
import type { Container, Pod, Quantity } from '../../api/index.js';
import { formatQuantity, podFullName, podResourceLimits, podResourceRequests } from '../../api/index.js';
import type { ContainerConfig, PodSandboxConfig } from '../../cri/index.js';
import { ContainerConfigError, SandboxConfigError } from './config-error.js';
import { makeEnvironmentVariables, type EnvContext } from './env.js';
import { expandCommandAndArgs } from './expansion.js';
import { containerAnnotations, containerLabels, podSandboxAnnotations, podSandboxLabels } from './labels.js';
import {
  containerOOMScoreAdjust,
  containerSecurityContext,
  effectiveSecurityContext,
  hasPrivilegedContainer,
  linuxResources,
  namespaceOptions,
  supplementalGroups,
  type CpuOptions,
  type SecurityOptions,
} from './linux.js';

export type CriMount = NonNullable<ContainerConfig['mounts']>[number];
export type CriDnsConfig = NonNullable<PodSandboxConfig['dnsConfig']>;

export const DEFAULT_POD_LOGS_ROOT = '/var/log/pods';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
const HOSTNAME_MAX_LEN = 63;
const FQDN_MAX_LEN = 64;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** `<root>/<namespace>_<name>_<uid>` (upstream `BuildPodLogsDirectory`). */
export function podLogDirectory(pod: Pod, root: string = DEFAULT_POD_LOGS_ROOT): string {
  const { namespace = '', name = '', uid = '' } = pod.metadata;
  return posix.join(root, `${namespace}_${name}_${uid}`);
}

/** `<container>/<restartCount>.log`, relative to the pod's log directory (upstream `buildContainerLogsPath`). */
export function containerLogPath(containerName: string, restartCount: number): string {
  return posix.join(containerName, `${restartCount}.log`);
}

function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) errs.push(DNS1123_LABEL_MESSAGE);
  return errs;
}

/**
 * The sandbox hostname (upstream `GeneratePodHostNameAndDomain` + `GetNodenameForKernel`): the
 * pod name or `spec.hostname`, cut to 63 characters, or the FQDN with `setHostnameAsFQDN`.
 */
export function podHostname(pod: Pod, clusterDomain: string = DEFAULT_CLUSTER_DOMAIN): string {
  const { name = '', namespace = '' } = pod.metadata;
  let hostname = name;
  if (pod.spec.hostname) {
    const errs = dns1123LabelErrors(pod.spec.hostname);
    if (errs.length > 0) throw new SandboxConfigError(`pod Hostname "${pod.spec.hostname}" is not a valid DNS label: ${errs.join(';')}`);
    hostname = pod.spec.hostname;
  }
  if (hostname.length > HOSTNAME_MAX_LEN) {
    hostname = hostname.slice(0, HOSTNAME_MAX_LEN).replace(/[-.]+$/, '');
    if (hostname === '') throw new SandboxConfigError(`hostname for pod "${name}" was invalid: "${pod.spec.hostname ?? name}"`);
  }
  let domain = '';
  if (pod.spec.subdomain) {
    const errs = dns1123LabelErrors(pod.spec.subdomain);
    if (errs.length > 0) throw new SandboxConfigError(`pod Subdomain "${pod.spec.subdomain}" is not a valid DNS label: ${errs.join(';')}`);
    domain = `${pod.spec.subdomain}.${namespace}.svc.${clusterDomain}`;
  }
  if (domain && pod.spec.setHostnameAsFQDN) {
    const fqdn = `${hostname}.${domain}`;
    if (fqdn.length > FQDN_MAX_LEN) {
      throw new SandboxConfigError(
        `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX_LEN} characters is the max, ${fqdn.length} characters requested)`,
      );
    }
    return fqdn;
  }
  return hostname;
}

/** Upstream `ConvertSysctlVariableToDotsSeparator`: `net/ipv4/ip_forward` -> `net.ipv4.ip_forward`. */
export function sysctlWithDots(name: string): string {
  const first = name.search(/[./]/);
  if (first < 0 || name[first] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

export interface SandboxConfigContext extends CpuOptions {
  /** Metadata attempt, from `computePodActions`. */
  attempt: number;
  /** Default `/var/log/pods`. */
  podLogsRoot?: string;
  /** The pod's resolver settings from the DNS configurer; none when left out. */
  dnsConfig?: CriDnsConfig;
  /** Default `cluster.local`. */
  clusterDomain?: string;
  /** The pod cgroup, in the cgroup driver's notation. */
  cgroupParent?: string;
  /** Groups volumes require (e.g. PV GID annotations). */
  extraSupplementalGroups?: readonly number[];
}

export function podSandboxConfig(pod: Pod, ctx: SandboxConfigContext): PodSandboxConfig {
  const { name = '', namespace = '', uid = '' } = pod.metadata;
  const sc = pod.spec.securityContext;
  const config: PodSandboxConfig = {
    metadata: { name, namespace, uid, attempt: ctx.attempt },
    logDirectory: podLogDirectory(pod, ctx.podLogsRoot),
    labels: podSandboxLabels(pod),
    annotations: podSandboxAnnotations(pod),
  };
  if (ctx.dnsConfig) config.dnsConfig = ctx.dnsConfig;
  // A host-network sandbox shares the node's UTS namespace: setting a hostname fails there.
  if (!pod.spec.hostNetwork) config.hostname = podHostname(pod, ctx.clusterDomain);

  const seen = new Set<string>();
  const portMappings = pod.spec.containers.flatMap((c) =>
    (c.ports ?? []).flatMap((p) => {
      const protocol = p.protocol ?? 'TCP';
      const family = !p.hostIP ? 'any' : p.hostIP.includes(':') ? 'v6' : 'v4';
      const key = `${c.name}/${p.name || `${family}-${protocol}-${p.hostIP ?? ''}:${p.containerPort}:${p.hostPort ?? 0}`}`;
      if (seen.has(key)) return []; // a port name used twice in one container counts once
      seen.add(key);
      return [{ protocol, containerPort: p.containerPort, hostPort: p.hostPort ?? 0, hostIp: p.hostIP ?? '' }];
    }),
  );
  if (portMappings.length > 0) config.portMappings = portMappings;

  const requests = podResourceRequests(pod, { excludeOverhead: true });
  const limits = podResourceLimits(pod, { excludeOverhead: true });
  const q = (v: Quantity | undefined): string | undefined => (v ? formatQuantity(v) : undefined);
  config.linux = {
    cgroupParent: ctx.cgroupParent ?? '',
    securityContext: {
      namespaceOptions: namespaceOptions(pod),
      privileged: hasPrivilegedContainer(pod),
      // Sandboxes run RuntimeDefault so pods may use least-privilege profiles (upstream #84623).
      seccomp: { profileType: 'RuntimeDefault' },
      supplementalGroups: supplementalGroups(pod, ctx.extraSupplementalGroups),
      ...(sc?.runAsUser !== undefined ? { runAsUser: { value: sc.runAsUser } } : {}),
      ...(sc?.runAsGroup !== undefined ? { runAsGroup: { value: sc.runAsGroup } } : {}),
      ...(sc?.seLinuxOptions ? { selinuxOptions: { ...sc.seLinuxOptions } } : {}),
    },
    sysctls: Object.fromEntries((sc?.sysctls ?? []).map((s) => [sysctlWithDots(s.name), s.value])),
    resources: linuxResources(q(requests.cpu), q(limits.cpu), q(limits.memory), ctx),
  };
  const overhead = pod.spec.overhead;
  if (overhead) config.linux.overhead = linuxResources(overhead.cpu, overhead.cpu, overhead.memory, ctx);
  return config;
}

/**
 * Upstream `verifyRunAsNonRoot`: the error message when `runAsNonRoot` cannot be honoured, or
 * null. `imageUser` is the image's USER (numeric uid, or a name that cannot be verified).
 */
export function verifyRunAsNonRoot(pod: Pod, container: Container, imageUser: { uid?: number; username?: string } = {}): string | null {
  const sc = effectiveSecurityContext(pod, container);
  if (!sc.runAsNonRoot) return null;
  const where = `(pod: "${podFullName(pod)}", container: ${container.name})`;
  if (sc.runAsUser !== undefined) return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${where}` : null;
  if (imageUser.uid === 0) return `container has runAsNonRoot and image will run as root ${where}`;
  if (imageUser.uid === undefined && imageUser.username) {
    return `container has runAsNonRoot and image has non-numeric user (${imageUser.username}), cannot verify user is non-root ${where}`;
  }
  return null;
}

export interface ContainerConfigContext extends EnvContext, CpuOptions, SecurityOptions {
  /** The new instance's restart count (`ContainerToStart.restartCount`). */
  restartCount: number;
  /** The image to run, as the image manager resolved it (digest or id). Default: `container.image`. */
  imageRef?: string;
  /** The image's USER, from the image status. */
  imageUser?: { uid?: number; username?: string };
  /** Mounts prepared by the volume manager (volumes, termination log, /etc/hosts). */
  mounts?: readonly CriMount[];
  /** The node's memory capacity in bytes, for the Burstable OOM score. */
  memoryCapacityBytes: number;
  extraSupplementalGroups?: readonly number[];
  /** Extra container annotations (e.g. from device plugins); the kubelet's own keys win. */
  annotations?: Record<string, string>;
}

export interface ContainerConfigResult {
  config: ContainerConfig;
  /** Event messages for skipped envFrom keys (`InvalidEnvironmentVariableNames`). */
  warnings: string[];
}

/** Runs one step of building a container's config, turning its failure into a ContainerConfigError. */
function configStep<T>(container: Container, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof ContainerConfigError) throw err;
    throw new ContainerConfigError(container.name, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

export function containerConfig(pod: Pod, container: Container, ctx: ContainerConfigContext): ContainerConfigResult {
  const nonRoot = verifyRunAsNonRoot(pod, container, ctx.imageUser);
  if (nonRoot) throw new ContainerConfigError(container.name, nonRoot);
  const { env, warnings } = makeEnvironmentVariables(pod, container, ctx);
  const { command, args } = expandCommandAndArgs(container.command, container.args, env);
  const securityContext = configStep(container, () => containerSecurityContext(pod, container, ctx.imageUser, ctx));
  const limits = container.resources?.limits;
  const resources = linuxResources(container.resources?.requests?.cpu, limits?.cpu, limits?.memory, ctx);
  resources.oomScoreAdj = containerOOMScoreAdjust(pod, container, ctx.memoryCapacityBytes);
  const image = container.image ?? '';
  const config: ContainerConfig = {
    metadata: { name: container.name, attempt: ctx.restartCount },
    image: { image: ctx.imageRef ?? image, userSpecifiedImage: image },
    command,
    args,
    workingDir: container.workingDir ?? '',
    envs: env.map((e) => ({ key: e.name, value: e.value })),
    mounts: [...(ctx.mounts ?? [])],
    labels: containerLabels(pod, container),
    annotations: containerAnnotations(pod, container, ctx.restartCount, ctx.annotations),
    logPath: containerLogPath(container.name, ctx.restartCount),
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    linux: { resources, securityContext },
  };
  return { config, warnings };
}
