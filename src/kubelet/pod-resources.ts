import { podQOSClass, podResourceLimits, podResourceRequests, toBytes, toMilli, type Pod, type PodQOSClass } from '../api/index.js';
import type { PodCgroupSpec } from './cm/index.js';
import { milliCPUToQuota, milliCPUToShares, QUOTA_PERIOD_US } from './decide/index.js';

/** The QoS class names, as `status.qosClass` spells them. */
export type QOSClass = PodQOSClass;

/**
 * The pod-level cgroup settings, as upstream `ResourceConfigForPod`: cpu shares from the requests
 * (2 for BestEffort); cpu quota and memory limit only when every container has that limit.
 */
export function podCgroupSpec(pod: Pod): PodCgroupSpec {
  const uid = pod.metadata.uid ?? '';
  const qosClass = podQOSClass(pod);
  if (qosClass === 'BestEffort') return { uid, qosClass, cpuShares: 2 };
  const requests = podResourceRequests(pod);
  const limits = podResourceLimits(pod);
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const everyHas = (r: string): boolean => all.every((c) => c.resources?.limits?.[r] !== undefined);
  const cpuReq = requests.cpu ? Number(toMilli(requests.cpu)) : 0;
  const spec: PodCgroupSpec = { uid, qosClass, cpuShares: milliCPUToShares(cpuReq) };
  if (everyHas('cpu') && limits.cpu) {
    spec.cpuPeriod = QUOTA_PERIOD_US;
    spec.cpuQuota = milliCPUToQuota(Number(toMilli(limits.cpu)), QUOTA_PERIOD_US);
  }
  if (everyHas('memory') && limits.memory) spec.memoryLimitBytes = Number(toBytes(limits.memory));
  return spec;
}
