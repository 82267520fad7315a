/**
 * The kubelet's container manager for cgroups (upstream pkg/kubelet/cm, cgroupfs driver): detects
 * cgroup v1/v2, owns the QoS cgroups under `kubepods` and one cgroup per pod with pod-level limits.
 * Computing those limits from a pod's containers is the kubelet's job; this folder takes numbers.
 */
export { createCgroupManager, type CgroupManager, type CgroupManagerOptions, type PodCgroup, type PodCgroupSpec } from './manager.js';
export { detectCgroups, parseCgroupMounts, DEFAULT_CGROUP_MOUNT, type CgroupVersion, type DetectedCgroups } from './detect.js';
export type { CgroupLimits } from './control.js';
export { CgroupError, type CgroupErrorCode } from './errors.js';
export type { CgroupFs, KillProcess } from './fs.js';
export {
  cpuSharesToWeight,
  DEFAULT_CPU_PERIOD_US,
  MAX_SHARES,
  MIN_CPU_QUOTA_US,
  MIN_SHARES,
} from './names.js';
export { createFakeCgroupManager, type FakeCgroupManager, type FakeCgroupMethod } from './fake.js';
