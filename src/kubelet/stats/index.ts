/**
 * The kubelet's resource usage summary (`/stats/summary`, upstream stats/v1alpha1): a provider over
 * CRI container stats, procfs, cgroupfs and statfs, and the pure builders it assembles with.
 */
export { createSummaryProvider, type SummaryProvider, type SummaryProviderDeps } from './provider.js';
export { podProcessCounter, type PodCgroupLocator } from './host.js';
export { buildNodeStats, buildPodStats, rfc3339, type DirUsage, type FsInfo, type HostMemory, type NodeStatsInput, type PodStatsInput } from './summary.js';
export { CpuRateCache, usageNanoCores, type CpuSample } from './rates.js';
export type * from './types.js';
