/**
 * meta/v1: object metadata, references, lists and the Status object, with the JSON field names of
 * the Kubernetes API. Times are RFC 3339 strings at second precision (`metav1.Time`), e.g.
 * `2024-05-01T12:00:00Z`; see `formatTime`.
 */

/** RFC 3339 timestamp as the API serialises `metav1.Time`. */
export type Time = string;
/** RFC 3339 timestamp with microseconds (`metav1.MicroTime`). */
export type MicroTime = string;
/** A field that is an integer or a string (`intstr.IntOrString`), e.g. a port number or name. */
export type IntOrString = number | string;

export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: Time;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  /** Deprecated and always empty since 1.20; kept for wire compatibility. */
  selfLink?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: Time;
  deletionTimestamp?: Time;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

export interface ListMeta {
  selfLink?: string;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Any `XxxList` (`PodList`, `NodeList`, ...): `kind` is the item kind plus `List`. */
export interface List<T> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  /** E.g. `spec.containers{app}` for a container of a pod. */
  fieldPath?: string;
}

export interface LocalObjectReference {
  name?: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Machine-readable reasons of a failed `Status` (`metav1.StatusReason`). */
export type StatusReason =
  | ''
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'ServerTimeout'
  | 'StoreReadError'
  | 'Timeout'
  | 'TooManyRequests'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired'
  | 'ServiceUnavailable';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The API's error (and some success) body: `kind: Status`, `apiVersion: v1`. */
export interface Status extends TypeMeta {
  metadata?: ListMeta;
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code?: number;
}

/**
 * Formats epoch milliseconds as `metav1.Time` does on the wire: RFC 3339 in UTC, truncated to
 * whole seconds.
 */
export function formatTime(epochMs: number): Time {
  const secondsMs = Math.floor(epochMs / 1000) * 1000;
  return new Date(secondsMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
