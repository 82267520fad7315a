/**
 * ObjectMeta validation on create, as upstream `ValidateObjectMetaAccessor` plus core's finalizer
 * check (v1.32). Expects name generation to have happened (the API server fills `name` from
 * `generateName` first). `managedFields` are not checked.
 */
import type { ObjectMeta, OwnerReference } from '../meta.js';
import { fieldPath, forbidden, invalid, required, tooLong, type ErrorList, type FieldPath } from './field.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, type NameFn } from './names.js';

/** Upstream `TotalAnnotationSizeLimitB`: keys plus values, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

const IS_NEGATIVE = 'must be greater than or equal to 0';
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export interface ObjectMetaOptions {
  /** Whether the kind lives in a namespace (then `namespace` is required), or is cluster-scoped. */
  namespaced: boolean;
  /** The name rule of the kind, e.g. `nameIsDNSSubdomain` for pods. */
  nameFn: NameFn;
  /** Default `metadata`. */
  path?: FieldPath;
}

/** Label keys and values; errors carry the map's path, not the key, as upstream. */
export function validateLabels(labels: Record<string, unknown> | undefined, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg));
    const value = typeof v === 'string' ? v : String(v);
    for (const msg of isValidLabelValue(value)) errs.push(invalid(path, value, msg));
  }
  return errs;
}

/** Annotation keys (qualified names, any case) and their total size. */
export function validateAnnotations(annotations: Record<string, unknown> | undefined, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

/** Upstream `schema.FromAPIVersionAndKind`: an apiVersion with more than one `/` yields no version. */
function groupVersion(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split('/');
  if (apiVersion === '') return { group: '', version: '' };
  if (parts.length === 1) return { group: '', version: parts[0] ?? '' };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  return { group: '', version: '' };
}

export function validateOwnerReferences(refs: OwnerReference[] | undefined, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const gv = groupVersion(ref.apiVersion ?? '');
    if (gv.version === '') errs.push(invalid(path.child('apiVersion'), ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(invalid(path.child('kind'), ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(invalid(path.child('name'), ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(invalid(path.child('uid'), ref.uid ?? '', 'must not be empty'));
    if (gv.group === '' && gv.version === 'v1' && ref.kind === 'Event') {
      errs.push(invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const name = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        const detail = `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`;
        errs.push(invalid(path, refs, detail));
      } else {
        firstController = name;
      }
    }
  }
  return errs;
}

/** Qualified names, not both orphan and foregroundDeletion, and core's "standard or qualified" rule. */
export function validateFinalizers(finalizers: string[] | undefined, path: FieldPath): ErrorList {
  const list = finalizers ?? [];
  const errs: ErrorList = [];
  for (const f of list) for (const msg of isQualifiedName(f)) errs.push(invalid(path, f, msg));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  list.forEach((f, i) => {
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(invalid(path.index(i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

/**
 * Name (`metadata.name: Required value: name or generateName is required`), generateName,
 * namespace, generation, labels, annotations, owner references and finalizers, in upstream order.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaOptions): ErrorList {
  const m = meta ?? {};
  const path = opts.path ?? fieldPath('metadata');
  const errs: ErrorList = [];
  if (m.generateName) {
    for (const msg of opts.nameFn(m.generateName, true)) errs.push(invalid(path.child('generateName'), m.generateName, msg));
  }
  if (!m.name) errs.push(required(path.child('name'), 'name or generateName is required'));
  else for (const msg of opts.nameFn(m.name, false)) errs.push(invalid(path.child('name'), m.name, msg));

  if (opts.namespaced) {
    if (!m.namespace) errs.push(required(path.child('namespace')));
    else for (const msg of nameIsDNSLabel(m.namespace, false)) errs.push(invalid(path.child('namespace'), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  if (m.generation !== undefined && m.generation < 0) errs.push(invalid(path.child('generation'), m.generation, IS_NEGATIVE));
  errs.push(...validateLabels(m.labels, path.child('labels')));
  errs.push(...validateAnnotations(m.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, path.child('finalizers')));
  return errs;
}
