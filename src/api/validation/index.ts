/**
 * Kubernetes-exact validation (v1.32): field errors rendered byte for byte like upstream's, the
 * name and format checks they are built from, ObjectMeta and Pod validation, and the Invalid
 * Status / kubectl message a list of errors becomes. Shared by the kubelet (static pods) and the
 * API server. Pure; imports only `src/api`.
 */
export {
  FieldError,
  FieldPath,
  OMIT_VALUE,
  RawValue,
  aggregateMessage,
  dedupe,
  duplicate,
  fieldPath,
  forbidden,
  goQuote,
  internalError,
  invalid,
  notFound,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
  type BadValue,
  type ErrorList,
  type ErrorType,
} from './field.js';
export { invalidMessage, invalidStatus, invalidStatusMessage, type GroupKind } from './status.js';
export {
  emptyError,
  inclusiveRangeError,
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isHTTPHeaderName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidGroupID,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  isValidUserID,
  maxLenError,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  regexError,
  type NameFn,
} from './names.js';
export {
  TOTAL_ANNOTATION_SIZE_LIMIT_B,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateObjectMeta,
  validateOwnerReferences,
  type ObjectMetaOptions,
} from './meta.js';
export { validateContainerResources } from './resources.js';
export { validateTolerations } from './scheduling.js';
export { validatePod, validatePodSpec, type PodValidationOptions } from './pod.js';
