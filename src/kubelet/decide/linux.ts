/**
 * Linux parts of the CRI configs, as upstream kuberuntime_container_linux.go,
 * kuberuntime_sandbox_linux.go, security_context.go and pkg/kubelet/qos/policy.go: cgroup CPU and
 * memory settings from requests and limits, the OOM score adjustment per QoS class, and the
 * effective security contexts.
 */
import type { Container, Pod, SeccompProfile, SecurityContext } from '../../api/index.js';
import { isNodeCriticalPod, isRestartableInitContainer, parseQuantity, podQOSClass, toBytes, toMilli } from '../../api/index.js';
import { posix } from 'node:path';
import type { ContainerConfig, LinuxContainerResources, NamespaceMode } from '../../cri/index.js';
import { ipcNamespaceForPod, networkNamespaceForPod, pidNamespaceForPod } from './sandbox.js';

type LinuxContainerSecurityContext = NonNullable<NonNullable<ContainerConfig['linux']>['securityContext']>;
type SecurityProfile = NonNullable<LinuxContainerSecurityContext['seccomp']>;

export const MIN_SHARES = 2;
export const MAX_SHARES = 262_144;
export const SHARES_PER_CPU = 1024;
/** CFS period in µs (100 ms). */
export const QUOTA_PERIOD_US = 100_000;
/** Smallest CFS quota in µs (1 ms). */
export const MIN_QUOTA_PERIOD_US = 1000;
export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BESTEFFORT_OOM_SCORE_ADJ = 1000;
export const DEFAULT_SECCOMP_PROFILE_ROOT = '/var/lib/kubelet/seccomp';

/** Paths masked and made read-only in /proc unless `procMount: Unmasked` (kept in sync with moby). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Upstream `milliCPUToShares`: 1024 shares per CPU, at least 2 (the kernel's value for zero), at most 262144. */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.floor((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(Math.max(shares, MIN_SHARES), MAX_SHARES);
}

/** Upstream `milliCPUToQuota`: the CPU time per period, at least 1 ms; 0 (no quota) without a limit. */
export function milliCPUToQuota(milliCPU: number, periodUs: number): number {
  if (milliCPU === 0) return 0;
  return Math.max(Math.floor((milliCPU * periodUs) / 1000), MIN_QUOTA_PERIOD_US);
}

export interface CpuOptions {
  /** Enforce CPU limits with CFS quota (kubelet `--cpu-cfs-quota`). Default true. */
  cpuCFSQuota?: boolean;
  /** CFS period in µs (kubelet `--cpu-cfs-quota-period`). Default 100000. */
  cpuCFSQuotaPeriodUs?: number;
}

const quantity = (raw: string | undefined): { milli: number; value: number } => {
  if (raw === undefined) return { milli: 0, value: 0 };
  const q = parseQuantity(raw);
  return { milli: Number(toMilli(q)), value: Number(toBytes(q)) };
};

/**
 * Upstream `calculateLinuxResources`: cpu shares from the request (the limit when only that is
 * set), CFS quota and period from the limit, the memory limit. Unset values are left out.
 */
export function linuxResources(
  cpuRequest: string | undefined,
  cpuLimit: string | undefined,
  memoryLimit: string | undefined,
  opts: CpuOptions = {},
): LinuxContainerResources {
  const req = quantity(cpuRequest).milli;
  const lim = quantity(cpuLimit).milli;
  const mem = quantity(memoryLimit).value;
  const out: LinuxContainerResources = { cpuShares: milliCPUToShares(req === 0 && lim !== 0 ? lim : req) };
  if (mem !== 0) out.memoryLimitInBytes = mem;
  if (opts.cpuCFSQuota ?? true) {
    const period = opts.cpuCFSQuotaPeriodUs ?? QUOTA_PERIOD_US;
    const quota = milliCPUToQuota(lim, period);
    if (quota !== 0) out.cpuQuota = quota;
    out.cpuPeriod = period;
  }
  return out;
}

/**
 * Upstream `GetContainerOOMScoreAdjust`: -997 for node-critical and Guaranteed pods, 1000 for
 * BestEffort; for Burstable `1000 - 1000 × request / capacity` kept within [3, 999], and a sidecar
 * no more killable than the smallest app container.
 */
export function containerOOMScoreAdjust(pod: Pod, container: Container, memoryCapacityBytes: number): number {
  if (isNodeCriticalPod(pod)) return GUARANTEED_OOM_SCORE_ADJ;
  const qos = podQOSClass(pod);
  switch (qos) {
    case 'Guaranteed':
      return GUARANTEED_OOM_SCORE_ADJ;
    case 'BestEffort':
      return BESTEFFORT_OOM_SCORE_ADJ;
    case 'Burstable':
      break;
    default: {
      const never: never = qos;
      throw new Error(`unknown QoS class ${String(never)}`);
    }
  }
  const adjust = (request: number): number => 1000 - Math.floor((1000 * request) / memoryCapacityBytes);
  let score = adjust(quantity(container.resources?.requests?.memory).value);
  const isSidecar = (pod.spec.initContainers ?? []).some((c) => c.name === container.name && isRestartableInitContainer(c));
  if (isSidecar) {
    const requests = pod.spec.containers.map((c) => quantity(c.resources?.requests?.memory).value).filter((v) => v !== 0);
    if (requests.length > 0) score = Math.min(score, adjust(Math.min(...requests)));
  }
  if (score < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (score === BESTEFFORT_OOM_SCORE_ADJ) return score - 1;
  return score;
}

/** Upstream `DetermineEffectiveSecurityContext`: the pod's user/group/SELinux settings under the container's. */
export function effectiveSecurityContext(pod: Pod, container: Container): SecurityContext {
  const p = pod.spec.securityContext;
  const out: SecurityContext = {};
  if (p?.seLinuxOptions) out.seLinuxOptions = p.seLinuxOptions;
  if (p?.windowsOptions) out.windowsOptions = p.windowsOptions;
  if (p?.runAsUser !== undefined) out.runAsUser = p.runAsUser;
  if (p?.runAsGroup !== undefined) out.runAsGroup = p.runAsGroup;
  if (p?.runAsNonRoot !== undefined) out.runAsNonRoot = p.runAsNonRoot;
  for (const [key, value] of Object.entries(container.securityContext ?? {})) {
    if (value !== undefined) Object.assign(out, { [key]: value });
  }
  return out;
}

export interface SecurityOptions {
  /** Use RuntimeDefault instead of Unconfined when no profile is set (kubelet `--seccomp-default`). Default false. */
  seccompDefault?: boolean;
  /** Root of Localhost seccomp profiles. Default `/var/lib/kubelet/seccomp`. */
  seccompProfileRoot?: string;
}

/** Upstream `fieldSeccompProfile` / `getSeccompProfile`: the container's profile, else the pod's, else the default. */
export function seccompProfile(pod: Pod, container: Container, opts: SecurityOptions = {}): SecurityProfile {
  const p: SeccompProfile | undefined = container.securityContext?.seccompProfile ?? pod.spec.securityContext?.seccompProfile;
  if (!p) return { profileType: opts.seccompDefault ? 'RuntimeDefault' : 'Unconfined' };
  switch (p.type) {
    case 'RuntimeDefault':
      return { profileType: 'RuntimeDefault' };
    case 'Localhost':
      if (!p.localhostProfile) throw new Error('localhostProfile must be set if seccompProfile type is Localhost.');
      return { profileType: 'Localhost', localhostRef: posix.join(opts.seccompProfileRoot ?? DEFAULT_SECCOMP_PROFILE_ROOT, p.localhostProfile) };
    case 'Unconfined':
      return { profileType: 'Unconfined' };
    default: {
      const never: never = p.type;
      throw new Error(`unknown seccomp profile type ${String(never)}`);
    }
  }
}

/** Upstream `NamespacesForPod` (without user namespaces). */
export function namespaceOptions(pod: Pod): { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode } {
  return { network: networkNamespaceForPod(pod), pid: pidNamespaceForPod(pod), ipc: ipcNamespaceForPod(pod) };
}

/** fsGroup, then groups volumes add, then the pod's supplemental groups (upstream's order). */
export function supplementalGroups(pod: Pod, extraGroups: readonly number[] = []): number[] {
  const sc = pod.spec.securityContext;
  return [...(sc?.fsGroup !== undefined ? [sc.fsGroup] : []), ...extraGroups, ...(sc?.supplementalGroups ?? [])];
}

/**
 * Upstream `determineEffectiveSecurityContext`: the CRI security context of a container. `imageUser`
 * is the image's USER, used when no runAsUser is set.
 */
export function containerSecurityContext(
  pod: Pod,
  container: Container,
  imageUser: { uid?: number; username?: string } = {},
  opts: SecurityOptions & { extraSupplementalGroups?: readonly number[] } = {},
): LinuxContainerSecurityContext {
  const sc = effectiveSecurityContext(pod, container);
  const out: LinuxContainerSecurityContext = {
    privileged: sc.privileged === true,
    readonlyRootfs: sc.readOnlyRootFilesystem === true,
    namespaceOptions: namespaceOptions(pod),
    supplementalGroups: supplementalGroups(pod, opts.extraSupplementalGroups),
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    maskedPaths: sc.procMount === 'Unmasked' ? [] : [...DEFAULT_MASKED_PATHS],
    readonlyPaths: sc.procMount === 'Unmasked' ? [] : [...DEFAULT_READONLY_PATHS],
    seccomp: seccompProfile(pod, container, opts),
  };
  if (sc.capabilities) {
    out.capabilities = { addCapabilities: [...(sc.capabilities.add ?? [])], dropCapabilities: [...(sc.capabilities.drop ?? [])] };
  }
  if (sc.seLinuxOptions) out.selinuxOptions = { ...sc.seLinuxOptions };
  if (sc.runAsUser !== undefined) out.runAsUser = { value: sc.runAsUser };
  else {
    if (imageUser.uid !== undefined) out.runAsUser = { value: imageUser.uid };
    if (imageUser.username) out.runAsUsername = imageUser.username;
  }
  if (sc.runAsGroup !== undefined) out.runAsGroup = { value: sc.runAsGroup };
  return out;
}

/** Upstream `HasPrivilegedContainer`: any init, app or ephemeral container is privileged. */
export function hasPrivilegedContainer(pod: Pod): boolean {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])].some(
    (c) => c.securityContext?.privileged === true,
  );
}
