/**
 * Kubernetes v1.32 API types as JSON (field names exactly as the API), and the helpers every part of
 * tskube needs to read them: quantities, QoS, pod resource totals, defaulting. A leaf: imports
 * nothing else of tskube.
 */
export type * from './meta.js';
export type * from './container.js';
export type * from './probe.js';
export type * from './security.js';
export type * from './volume.js';
export type * from './scheduling.js';
export type * from './pod.js';
export type * from './objects.js';

export { formatTime } from './meta.js';
export {
  QuantityError,
  addQuantity,
  cmpQuantity,
  formatQuantity,
  isZeroQuantity,
  parseQuantity,
  quantityFromMilli,
  quantityFromValue,
  toBytes,
  toMilli,
  toNumber,
  tryParseQuantity,
  type Quantity,
  type QuantityErrorCode,
  type QuantityFormat,
} from './quantity.js';
export { computePodQOS, podQOSClass } from './qos.js';
export {
  parseResourceList,
  podResourceLimits,
  podResourceRequests,
  type PodResourcesOptions,
  type ResourceQuantities,
} from './resources.js';
export {
  API_SERVER_SOURCE,
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  SYSTEM_CLUSTER_CRITICAL,
  SYSTEM_CRITICAL_PRIORITY,
  SYSTEM_NODE_CRITICAL,
  allContainers,
  isCriticalPod,
  isMirrorPod,
  isNodeCriticalPod,
  isRestartableInitContainer,
  isStaticPod,
  podFullName,
  podRestartPolicy,
} from './pod-util.js';
export {
  DEFAULT_SCHEDULER_NAME,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  DEFAULT_TERMINATION_MESSAGE_PATH,
  DEFAULT_VOLUME_FILE_MODE,
  imageTag,
  setPodDefaults,
} from './defaults.js';
