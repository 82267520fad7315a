/**
 * The generic strategy every kind starts from: metadata validation on create and update as
 * upstream (`ValidateObjectMetaAccessor`, `ValidateObjectMetaAccessorUpdate`), status reset on
 * create and carried over on update for kinds with a status subresource, and the generic status
 * strategy (only `status` changes through `/status`).
 */
import type { ObjectMeta } from '../../../api/index.js';
import {
  fieldPath,
  forbidden,
  invalid,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
  validateOwnerReferences,
  type BadValue,
  type FieldError,
  type NameFn,
} from '../../../api/validation/index.js';
import { cloneJson, jsonEqual, type KObject } from '../object.js';
import type { StatusStrategy, Strategy } from '../registry/types.js';

export const FIELD_IMMUTABLE = 'field is immutable';

/** Upstream `ValidateImmutableField`. */
export function immutable(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  return jsonEqual(newValue, oldValue) ? [] : [invalid(path, newValue as BadValue, FIELD_IMMUTABLE)];
}

/** Go's `%#v` of a `[]string`. */
function goStringSlice(list: string[]): string {
  return `[]string{${list.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/** Upstream `ValidateObjectMetaAccessorUpdate`. */
export function validateMetaUpdate(m: ObjectMeta, old: ObjectMeta): FieldError[] {
  const p = fieldPath('metadata');
  const errs: FieldError[] = [];
  if (old.deletionTimestamp) {
    const added = (m.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
    if (added.length > 0) {
      errs.push(forbidden(p.child('finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice([...new Set(added)].sort())}`));
    }
  }
  if (!m.resourceVersion) errs.push(invalid(p.child('resourceVersion'), m.resourceVersion ?? '', 'must be specified for an update'));
  if ((m.generation ?? 0) < (old.generation ?? 0)) errs.push(invalid(p.child('generation'), m.generation ?? 0, 'must not be decremented'));
  errs.push(...immutable(m.name ?? '', old.name ?? '', 'metadata.name'));
  errs.push(...immutable(m.namespace ?? '', old.namespace ?? '', 'metadata.namespace'));
  errs.push(...immutable(m.uid ?? '', old.uid ?? '', 'metadata.uid'));
  errs.push(...immutable(m.creationTimestamp ?? null, old.creationTimestamp ?? null, 'metadata.creationTimestamp'));
  errs.push(...immutable(m.deletionTimestamp ?? null, old.deletionTimestamp ?? null, 'metadata.deletionTimestamp'));
  errs.push(...immutable(m.deletionGracePeriodSeconds ?? null, old.deletionGracePeriodSeconds ?? null, 'metadata.deletionGracePeriodSeconds'));
  errs.push(...validateLabels(m.labels, p.child('labels')));
  errs.push(...validateAnnotations(m.annotations, p.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, p.child('ownerReferences')));
  return errs;
}

export interface GenericStrategyOptions {
  namespaced: boolean;
  /** The kind's name rule (`nameIsDNSSubdomain` for most). */
  nameFn: NameFn;
  /** The kind has a status subresource: create drops `status`, updates keep the stored one. */
  hasStatus?: boolean;
  generation?: 'spec' | 'none';
  defaults?(obj: KObject): void;
  prepareForCreate?(obj: KObject): void;
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** Kind-specific checks on create, after the metadata ones. */
  validate?(obj: KObject): FieldError[];
  /** Replaces the whole create validation, metadata included (pods: upstream `ValidatePodCreate`). */
  validateCreate?(obj: KObject): FieldError[];
  /** Kind-specific checks on update, after the metadata ones (defaults to `validate(obj)`). */
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
  gracePeriod?(obj: KObject, requested: number | undefined): number;
  beforeDelete?(obj: KObject, now: number): 'mark' | 'keep' | 'proceed';
}

export function genericStrategy(o: GenericStrategyOptions): Strategy {
  const s: Strategy = {
    generation: o.generation ?? 'none',
    defaults: (obj) => o.defaults?.(obj),
    prepareForCreate(obj) {
      if (o.hasStatus) delete obj.status;
      o.prepareForCreate?.(obj);
    },
    prepareForUpdate(obj, old) {
      if (o.hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = cloneJson(old.status);
      }
      o.prepareForUpdate?.(obj, old);
    },
    validate(obj) {
      if (o.validateCreate) return o.validateCreate(obj);
      const errs = validateObjectMeta(obj.metadata, { namespaced: o.namespaced, nameFn: o.nameFn });
      return [...errs, ...(o.validate?.(obj) ?? [])];
    },
    validateUpdate(obj, old) {
      const errs = validateMetaUpdate(obj.metadata, old.metadata);
      const extra = o.validateUpdate ? o.validateUpdate(obj, old) : (o.validate?.(obj) ?? []);
      return [...errs, ...extra];
    },
  };
  if (o.gracePeriod) s.gracePeriod = o.gracePeriod;
  if (o.beforeDelete) s.beforeDelete = o.beforeDelete;
  return s;
}

/**
 * Upstream's status strategies: a `/status` write changes `status` only; everything else is the
 * stored object's (upstream `ResetObjectMetaForStatus` plus `spec = old.spec`).
 */
export function genericStatusStrategy(extra?: Partial<StatusStrategy>): StatusStrategy {
  return {
    prepareForUpdate(obj, old) {
      const status = obj.status;
      const rv = obj.metadata.resourceVersion;
      for (const k of Object.keys(obj)) delete obj[k];
      Object.assign(obj, cloneJson(old));
      if (status === undefined) delete obj.status;
      else obj.status = status;
      if (rv !== undefined) obj.metadata.resourceVersion = rv;
      else delete obj.metadata.resourceVersion;
      extra?.prepareForUpdate?.(obj, old);
    },
    validateUpdate(obj, old) {
      return [...validateMetaUpdate(obj.metadata, old.metadata), ...(extra?.validateUpdate?.(obj, old) ?? [])];
    },
  };
}
