/**
 * The pod lifecycle event generator: a relisting PLEG that keeps the pod cache the pod workers read
 * and tells the kubelet which pods changed in the runtime. Upstream pkg/kubelet/pleg and
 * pkg/kubelet/container/cache.go.
 */
export { createPleg, type Pleg, type PlegOptions, type PodLifecycleEventHandler } from './generic.js';
export { createPodCache, type PodCache, type PodCacheEntry } from './cache.js';
export {
  computeEvents,
  computePodEvents,
  containerPlegState,
  generateEvents,
  groupPods,
  sandboxPlegState,
} from './events.js';
export type {
  PlegContainerState,
  PlegHealth,
  PodLifecycleEvent,
  PodLifecycleEventType,
  PodRuntimeStatus,
  PodSnapshot,
  RelistInfo,
  RuntimePod,
} from './types.js';
