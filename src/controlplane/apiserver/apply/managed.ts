/**
 * `metadata.managedFields` and the two operations that maintain it, as upstream's field manager
 * does (structured-merge-diff's `Updater` plus the apiserver's wrappers):
 * - `updateManaged`: a create/update/patch made the object `next` from `current`; the fields it
 *   changed become the manager's (operation Update), taken from whoever owned them before.
 * - `applyConfig`: merges an applied configuration into the live object, prunes what the applier
 *   stopped applying, and fails with conflicts when it changes fields other managers own (unless
 *   forced, which takes them over). Conflicts with `kubectl-client-side-apply` over fields whose
 *   live values still match the last-applied annotation are allowed for the `kubectl` manager, and
 *   that annotation is kept in sync, as upstream does for the client-side to server-side upgrade.
 * Pure: time comes in as a formatted timestamp.
 */
import type { ManagedFieldsEntry } from '../../../api/index.js';
import { isRecord, jsonEqual, type KObject } from '../object.js';
import { FieldPathError, FieldSet, field, type Path } from './fieldpath.js';
import type { ApplyType } from './types.js';
import { addedFieldsV1, compare, merge, prune, toFieldSet, type Comparison } from './walk.js';

export type Operation = 'Apply' | 'Update';

/** One manager's entry: who, how, at which version, and the fields it owns. */
export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** The identity of a manager (upstream `BuildManagerIdentifier`: appliers have no version). */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Update' ? m.apiVersion : '', m.subresource ?? '']);
}

export class ManagedFieldsError extends Error {
  override readonly name = 'ManagedFieldsError';
}

/** Decodes `metadata.managedFields`; throws ManagedFieldsError on malformed entries. */
export function decodeManaged(entries: unknown): Map<string, Manager> {
  const out = new Map<string, Manager>();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  for (const e of entries) {
    if (!isRecord(e)) throw new ManagedFieldsError('managedFields entries must be objects');
    const operation = e.operation;
    if (operation !== 'Apply' && operation !== 'Update') throw new ManagedFieldsError(`operation must be Apply or Update, got ${JSON.stringify(operation)}`);
    if (e.fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`fieldsType must be FieldsV1, got ${JSON.stringify(e.fieldsType)}`);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      if (err instanceof FieldPathError) throw new ManagedFieldsError(err.message, { cause: err });
      throw err;
    }
    const m: Manager = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation,
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      ...(typeof e.subresource === 'string' && e.subresource !== '' ? { subresource: e.subresource } : {}),
      ...(typeof e.time === 'string' ? { time: e.time } : {}),
      set,
    };
    const id = managerId(m);
    const have = out.get(id);
    out.set(id, have ? { ...m, set: have.set.union(m.set) } : m);
  }
  return out;
}

const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);

/** Upstream `DefaultMaxUpdateManagers`. */
export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT = 'ancient-changes';

/**
 * Upstream's `capManagersManager`: beyond MAX_UPDATE_MANAGERS Update entries, the oldest are merged
 * into one `ancient-changes` entry per API version, so managedFields cannot grow without bound.
 */
export function capUpdateManagers(managers: Map<string, Manager>): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || (ia < ib ? -1 : ia > ib ? 1 : 0));
  const updateCount = (): number => [...managers.values()].filter((x) => x.operation === 'Update').length;
  for (const [id, m] of updaters) {
    if (updateCount() <= MAX_UPDATE_MANAGERS) break;
    if (m.manager === ANCIENT) continue;
    const bucket = { manager: ANCIENT, operation: 'Update' as const, apiVersion: m.apiVersion };
    const bucketId = managerId(bucket);
    const previous = managers.get(bucketId);
    managers.delete(id);
    const time = previous?.time && (!m.time || seconds(previous.time) >= seconds(m.time)) ? previous.time : m.time;
    managers.set(bucketId, { ...bucket, ...(time ? { time } : {}), set: previous ? previous.set.union(m.set) : m.set });
  }
}

/** Encodes managers as upstream sorts them: Apply before Update, then by time, manager, version. */
export function encodeManaged(managers: ReadonlyMap<string, Manager>): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.empty());
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const d = seconds(p.time) - seconds(q.time);
    if (d !== 0) return d;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0;
  });
  return list.map((m) => managedEntry(m, m.set.toFieldsV1()));
}

/** A manager's managedFields entry; empty strings are omitted, as Go's `omitempty` does. */
function managedEntry(m: Omit<Manager, 'set'>, fieldsV1: Record<string, unknown>): ManagedFieldsEntry {
  return {
    ...(m.manager ? { manager: m.manager } : {}),
    operation: m.operation,
    ...(m.apiVersion ? { apiVersion: m.apiVersion } : {}),
    ...(m.time ? { time: m.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1,
    ...(m.subresource ? { subresource: m.subresource } : {}),
  };
}

/** Fields the server owns (upstream's strip set): never part of anyone's set. */
const STRIPPED_META = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion'];

/** The server-owned fields as a set: pruning never removes them. */
const SERVER_OWNED = FieldSet.of([field('apiVersion')], [field('kind')], ...STRIPPED_META.map((k) => [field('metadata'), field(k)]));

/** `obj` without the server-owned fields and the top-level fields in `ignored`. */
export function stripped(obj: Record<string, unknown>, ignored: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || ignored.includes(k)) continue;
    if (k === 'metadata' && isRecord(v)) {
      const meta: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v)) if (!STRIPPED_META.includes(mk)) meta[mk] = mv;
      if (Object.keys(meta).length > 0) out.metadata = meta;
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** One field another manager owns that a write changes. */
export interface Conflict {
  manager: Manager;
  path: Path;
}

export class ApplyConflictError extends Error {
  override readonly name = 'ApplyConflictError';
  constructor(readonly conflicts: readonly Conflict[]) {
    super(`${conflicts.length} conflicts`);
  }
}

/**
 * Upstream `Updater.update`: every manager but `self` loses the fields `cmp` removes, and the
 * fields it changes are conflicts (returned when not forced, else taken away).
 */
function takeChanged(managers: Map<string, Manager>, self: string, cmp: Comparison, force: boolean): Conflict[] {
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  const others = [...managers.entries()].filter(([id]) => id !== self).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, m] of others) for (const path of m.set.intersection(changed).paths()) conflicts.push({ manager: m, path });
  if (conflicts.length > 0 && !force) return conflicts;
  for (const [id, m] of others) {
    const set = m.set.difference(changed).difference(cmp.removed);
    if (set.empty()) managers.delete(id);
    else managers.set(id, { ...m, set });
  }
  return [];
}

export interface UpdateInput {
  /** The object as it will be stored (after defaulting and the strategy's preparation). */
  next: KObject;
  /** The stored object; null on create. */
  current: KObject | null;
  /** The managedFields the request carried (undefined when it had none). */
  requested: unknown;
  manager: string;
  apiVersion: string;
  subresource?: string;
  type: ApplyType;
  /** Top-level fields this endpoint does not change (`status` of the main resource, ...). */
  ignored: readonly string[];
  now: string;
}

function isReset(requested: unknown): boolean {
  if (!Array.isArray(requested)) return false;
  return requested.length === 0 || (requested.length === 1 && isRecord(requested[0]) && Object.keys(requested[0]).length === 0);
}

/**
 * The managedFields after a non-apply write (upstream `FieldManager.Update`), or undefined when the
 * object is not tracked (an update of an object without managedFields, or a reset to `[{}]`).
 */
export function updateManaged(input: UpdateInput): ManagedFieldsEntry[] | undefined {
  const { current, requested } = input;
  let managers: Map<string, Manager>;
  const fromLive = (): Map<string, Manager> => {
    try {
      return decodeManaged(current?.metadata.managedFields);
    } catch {
      return new Map();
    }
  };
  if (input.subresource) managers = fromLive();
  else if (isReset(requested)) managers = new Map();
  else {
    try {
      managers = decodeManaged(requested);
    } catch {
      managers = new Map();
    }
    if (managers.size === 0) managers = fromLive();
  }
  // Upstream tracks every create, but not updates of objects that have no managedFields.
  if (managers.size === 0 && current !== null) return undefined;
  const self = { manager: input.manager, operation: 'Update' as const, apiVersion: input.apiVersion, ...(input.subresource ? { subresource: input.subresource } : {}) };
  const id = managerId(self);
  if (current === null && managers.size === 0) {
    // A plain create (the common case): every field is new and this manager's alone; the same
    // result as the general path below, without comparing against an empty object.
    const fieldsV1 = addedFieldsV1(stripped(input.next, input.ignored), input.type);
    return fieldsV1 === undefined ? [] : [managedEntry({ ...self, time: input.now }, fieldsV1)];
  }
  const cmp = compare(stripped(current ?? {}, input.ignored), stripped(input.next, input.ignored), input.type);
  takeChanged(managers, '', cmp, true);
  const changed = cmp.modified.union(cmp.added);
  if (!changed.empty()) {
    const previous = managers.get(id);
    managers.set(id, { ...self, time: input.now, set: previous ? changed.union(previous.set) : changed });
  }
  capUpdateManagers(managers);
  return encodeManaged(managers);
}

export interface ApplyInput {
  /** The stored object; null when the apply creates it. */
  live: KObject | null;
  /** The applied configuration (apiVersion, kind and name checked by the caller). */
  config: Record<string, unknown>;
  manager: string;
  force: boolean;
  apiVersion: string;
  subresource?: string;
  type: ApplyType;
  ignored: readonly string[];
  now: string;
}

export interface ApplyResult {
  /** The merged object, with its new managedFields (before defaulting and validation). */
  obj: KObject;
  /** Whether anything but managedFields changed. */
  changed: boolean;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function lastApplied(obj: KObject | null): string | undefined {
  const v = obj?.metadata.annotations?.[LAST_APPLIED];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Fields the last-applied annotation sets with the values the live object still has: the
 * client-side applier's fields that `kubectl apply --server-side` may take over without conflict.
 */
function allowedFromLastApplied(live: KObject, input: ApplyInput): FieldSet | undefined {
  const text = lastApplied(live);
  if (!text) return undefined;
  try {
    const last: unknown = JSON.parse(text);
    if (!isRecord(last) || last.apiVersion !== input.apiVersion) return undefined;
    const lastBody = stripped(last, input.ignored);
    const set = toFieldSet(lastBody, input.type);
    const cmp = compare(lastBody, stripped(live, input.ignored), input.type);
    return set.difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
  } catch {
    return undefined;
  }
}

/**
 * Server-side apply (upstream `FieldManager.Apply`). Throws ApplyConflictError, ApplyTypeError
 * (a configuration that does not fit the type) or ManagedFieldsError (stored managedFields that do
 * not decode).
 */
export function applyConfig(input: ApplyInput): ApplyResult {
  const live: KObject = input.live ?? { metadata: {} };
  let managers = decodeManaged(live.metadata.managedFields);
  const config: Record<string, unknown> = { ...input.config };
  for (const k of input.ignored) delete config[k];
  const configSet = toFieldSet(stripped(config, input.ignored), input.type);
  // Fields of an object that was never tracked belong to "before-first-apply".
  if (managers.size === 0 && input.live !== null) {
    const all = compare({}, stripped(live, input.ignored), input.type);
    const set = all.added.union(all.modified);
    if (!set.empty()) managers.set(managerId({ manager: 'before-first-apply', operation: 'Update', apiVersion: input.apiVersion }), { manager: 'before-first-apply', operation: 'Update', apiVersion: input.apiVersion, set });
  }
  const liveBody: Record<string, unknown> = { ...live, metadata: { ...live.metadata } };
  delete (liveBody.metadata as Record<string, unknown>).managedFields;
  let merged = merge(liveBody, config, input.type) as Record<string, unknown>;

  const self: Manager = { manager: input.manager, operation: 'Apply', apiVersion: input.apiVersion, ...(input.subresource ? { subresource: input.subresource } : {}), set: configSet };
  const id = managerId(self);
  const previous = managers.get(id);
  if (previous?.time) self.time = previous.time;
  const attempt = (force: boolean): { managers: Map<string, Manager>; merged: Record<string, unknown>; conflicts: Conflict[] } => {
    const ms = new Map(managers);
    ms.set(id, self);
    let out = merged;
    if (previous && !previous.set.empty()) {
      let owned = SERVER_OWNED;
      for (const m of ms.values()) owned = owned.union(m.set);
      out = prune(merged, input.type, previous.set, owned) as Record<string, unknown>;
    }
    const cmp = compare(stripped(liveBody, input.ignored), stripped(out, input.ignored), input.type);
    const conflicts = takeChanged(ms, id, cmp, force);
    return { managers: ms, merged: out, conflicts };
  };
  let result = attempt(input.force);
  if (result.conflicts.length > 0 && input.manager === 'kubectl') {
    const allowed = allowedFromLastApplied(live, input);
    if (allowed) {
      const remaining = result.conflicts.filter((c) => !allowed.has(c.path));
      if (remaining.length > 0) throw new ApplyConflictError(remaining);
      result = attempt(true);
    }
  }
  if (result.conflicts.length > 0) throw new ApplyConflictError(result.conflicts);
  managers = result.managers;
  merged = result.merged;
  if (managers.get(id)?.set.empty()) managers.delete(id);
  const changed = !jsonEqual(merged, liveBody);
  const mine = managers.get(id);
  if (changed && mine) managers.set(id, { ...mine, time: input.now });
  // Keep client-side apply's annotation in step with what kubectl applies server-side.
  if (input.manager === 'kubectl' && lastApplied(input.live)) {
    const annotated = { ...input.config, metadata: { ...(isRecord(input.config.metadata) ? input.config.metadata : {}) } } as KObject;
    const annotations = { ...(annotated.metadata.annotations ?? {}) };
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length > 0) annotated.metadata.annotations = annotations;
    else delete annotated.metadata.annotations;
    const meta = { ...(merged.metadata as Record<string, unknown>) };
    meta.annotations = { ...(isRecord(meta.annotations) ? meta.annotations : {}), [LAST_APPLIED]: `${sortedJson(annotated)}\n` };
    merged = { ...merged, metadata: meta };
  }
  const obj = merged as KObject;
  capUpdateManagers(managers);
  const entries = encodeManaged(managers);
  if (entries.length > 0) obj.metadata = { ...obj.metadata, managedFields: entries };
  return { obj, changed };
}

/** Upstream `printManager`: `"kubectl"`, `"kubectl" with subresource "scale" using apps/v1`. */
export function printManager(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}
