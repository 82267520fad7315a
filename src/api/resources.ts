/**
 * Pod resource totals as upstream's component-helpers `PodRequests`/`PodLimits` (1.32, without the
 * alpha pod-level resources): the sum over app containers and sidecars, raised to what any one init
 * container needs while it runs next to the sidecars started before it, plus the pod overhead.
 * Quantities that do not parse throw `QuantityError`: the pod should have been validated.
 */
import type { Container, ResourceList } from './container.js';
import type { Pod } from './pod.js';
import { isRestartableInitContainer } from './pod-util.js';
import { addQuantity, cmpQuantity, parseQuantity, type Quantity } from './quantity.js';

/** Resource name to exact quantity. */
export type ResourceQuantities = Record<string, Quantity>;

export interface PodResourcesOptions {
  /** Leave out `spec.overhead`. Default false (overhead included, as upstream). */
  excludeOverhead?: boolean;
}

/** Parses every entry of a ResourceList. */
export function parseResourceList(list: ResourceList | undefined): ResourceQuantities {
  const out: ResourceQuantities = {};
  for (const [name, value] of Object.entries(list ?? {})) out[name] = parseQuantity(value);
  return out;
}

function add(into: ResourceQuantities, list: ResourceQuantities): void {
  for (const [name, q] of Object.entries(list)) {
    const have = into[name];
    into[name] = have ? addQuantity(have, q) : q;
  }
}

/** Upstream `maxResourceList`: for each resource, the larger of the two. */
function max(into: ResourceQuantities, list: ResourceQuantities): void {
  for (const [name, q] of Object.entries(list)) {
    const have = into[name];
    if (!have || cmpQuantity(q, have) > 0) into[name] = q;
  }
}

type Pick = (c: Container) => ResourceList | undefined;

function aggregate(pod: Pod, pick: Pick): ResourceQuantities {
  const total: ResourceQuantities = {};
  for (const c of pod.spec.containers) add(total, parseResourceList(pick(c)));

  // While init container i runs, the sidecars declared before it are running too.
  const sidecars: ResourceQuantities = {};
  const initPeak: ResourceQuantities = {};
  for (const c of pod.spec.initContainers ?? []) {
    const own = parseResourceList(pick(c));
    if (isRestartableInitContainer(c)) {
      add(total, own);
      add(sidecars, own);
      max(initPeak, sidecars);
    } else {
      const during: ResourceQuantities = {};
      add(during, own);
      add(during, sidecars);
      max(initPeak, during);
    }
  }
  max(total, initPeak);
  return total;
}

/** Effective pod requests (upstream `resourcehelper.PodRequests`). */
export function podResourceRequests(pod: Pod, opts: PodResourcesOptions = {}): ResourceQuantities {
  const total = aggregate(pod, (c) => c.resources?.requests);
  if (!opts.excludeOverhead && pod.spec.overhead) add(total, parseResourceList(pod.spec.overhead));
  return total;
}

/**
 * Effective pod limits (upstream `resourcehelper.PodLimits`). Overhead is added only to resources
 * that already have a limit: an unlimited resource stays unlimited.
 */
export function podResourceLimits(pod: Pod, opts: PodResourcesOptions = {}): ResourceQuantities {
  const total = aggregate(pod, (c) => c.resources?.limits);
  if (!opts.excludeOverhead && pod.spec.overhead) {
    for (const [name, q] of Object.entries(parseResourceList(pod.spec.overhead))) {
      const have = total[name];
      if (have) total[name] = addQuantity(have, q);
    }
  }
  return total;
}
