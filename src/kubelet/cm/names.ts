/**
 * Cgroup names and CPU constants, as upstream `pkg/kubelet/cm` (helpers_linux.go,
 * qos_container_manager_linux.go): names are absolute cgroupfs paths (`/kubepods/burstable/pod<uid>`),
 * the form the cgroupfs driver hands to the runtime as `cgroup_parent`.
 */
import { posix } from 'node:path';
import type { PodQOSClass } from '../../api/index.js';

/** The kernel's smallest `cpu.shares`; upstream's value for BestEffort. */
export const MIN_SHARES = 2;
export const MAX_SHARES = 262_144;
/** The kernel's default `cpu.shares` (v1) and `cpu.weight` (v2) of a new cgroup. */
export const DEFAULT_SHARES = 1024;
export const DEFAULT_WEIGHT = 100;
/** CFS period in µs (100 ms), the kernel's default. */
export const DEFAULT_CPU_PERIOD_US = 100_000;
/** Bounds of `cpu.cfs_quota_us` / `cpu.cfs_period_us` the kernel accepts (1 ms .. 1 s for the period). */
export const MIN_CPU_QUOTA_US = 1000;
export const MIN_CPU_PERIOD_US = 1000;
export const MAX_CPU_PERIOD_US = 1_000_000;
/** Prefix of pod cgroup directories (upstream `podCgroupNamePrefix`). */
export const POD_CGROUP_PREFIX = 'pod';

/**
 * Upstream (libcontainer `ConvertCPUSharesToCgroupV2Value`): maps shares [2, 262144] linearly onto
 * cgroup v2 `cpu.weight` [1, 10000]; 0 stays 0 (unset).
 */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262_142);
}

/** Validates a name segment (the kubepods name, a pod UID): no slashes, dots or empties. */
export function checkSegment(what: string, value: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) throw new RangeError(`invalid ${what} ${JSON.stringify(value)}`);
}

/** Validates and normalizes the cgroup root (`/` or an absolute path without `..`). */
export function normalizeRoot(root: string): string {
  if (!root.startsWith('/') || root.split('/').includes('..')) throw new RangeError(`invalid cgroupRoot ${JSON.stringify(root)}`);
  return posix.normalize(root).replace(/\/+$/, '') || '/';
}

/** The cgroup names of the node's pod hierarchy under one root. */
export interface CgroupNames {
  /** `<root>/kubepods`. */
  readonly kubepods: string;
  qos(qosClass: PodQOSClass): string;
  pod(uid: string, qosClass: PodQOSClass): string;
}

export function cgroupNames(root: string, kubepodsName: string): CgroupNames {
  checkSegment('kubepodsName', kubepodsName);
  const kubepods = posix.join(normalizeRoot(root), kubepodsName);
  const qos = (qosClass: PodQOSClass): string => {
    switch (qosClass) {
      case 'Guaranteed':
        return kubepods;
      case 'Burstable':
        return posix.join(kubepods, 'burstable');
      case 'BestEffort':
        return posix.join(kubepods, 'besteffort');
      default: {
        const never: never = qosClass;
        throw new RangeError(`unknown QoS class ${String(never)}`);
      }
    }
  };
  return {
    kubepods,
    qos,
    pod(uid, qosClass) {
      checkSegment('pod UID', uid);
      return posix.join(qos(qosClass), `${POD_CGROUP_PREFIX}${uid}`);
    },
  };
}
