/**
 * Pod QoS class as upstream `GetPodQOS`/`ComputePodQOS` (pkg/apis/core/v1/helper/qos, 1.32 without
 * pod-level resources). Only cpu and memory count. Requests and limits are summed over app and init
 * containers alike; the pod is Guaranteed when every container has non-zero cpu and memory limits
 * and the summed requests equal the summed limits for every resource requested. Like upstream it
 * reads requests as given: run API defaulting (requests default to limits) first.
 */
import type { ResourceList } from './container.js';
import type { Pod, PodQOSClass } from './pod.js';
import { addQuantity, cmpQuantity, parseQuantity, type Quantity } from './quantity.js';

const QOS_RESOURCES: ReadonlySet<string> = new Set(['cpu', 'memory']);

/** Adds the positive cpu/memory quantities of `list` into `into`; returns the names added. */
function sumPositive(into: Map<string, Quantity>, list: ResourceList | undefined): Set<string> {
  const found = new Set<string>();
  for (const [name, raw] of Object.entries(list ?? {})) {
    if (!QOS_RESOURCES.has(name)) continue;
    const q = parseQuantity(raw);
    if (q.unscaled <= 0n) continue;
    found.add(name);
    const have = into.get(name);
    into.set(name, have ? addQuantity(have, q) : q);
  }
  return found;
}

/** Computes the class from the spec, ignoring `status.qosClass`. */
export function computePodQOS(pod: Pod): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let isGuaranteed = true;
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    sumPositive(requests, c.resources?.requests);
    const limited = sumPositive(limits, c.resources?.limits);
    if (!limited.has('cpu') || !limited.has('memory')) isGuaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || cmpQuantity(lim, req) !== 0) {
        isGuaranteed = false;
        break;
      }
    }
  }
  return isGuaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** `status.qosClass` when already set (it is immutable once set), else `computePodQOS`. */
export function podQOSClass(pod: Pod): PodQOSClass {
  // `||`, not `??`: an empty string from the wire means unset, as upstream's `!= ""`.
  return pod.status?.qosClass || computePodQOS(pod);
}
