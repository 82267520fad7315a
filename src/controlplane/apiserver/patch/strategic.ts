/**
 * Strategic merge patch, as `kubectl apply` (client-side) and `kubectl patch` send it: maps merge
 * key by key (null deletes), lists with a patch merge key merge element by element (by `name`,
 * `containerPort`, `mountPath`, ...), lists of primitives with a merge strategy are unions, other
 * lists are replaced. Directives: `$patch: replace|delete|merge` on maps and list elements,
 * `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`. Pure; the schema
 * says which message a field holds, ./strategic-meta.ts which lists merge.
 */
import { isRecord, jsonEqual } from '../object.js';
import { messageSchema, type TypeRef } from '../schema/index.js';
import { listPatchMeta, type ListPatchMeta } from './strategic-meta.js';

export class StrategicPatchError extends Error {
  override readonly name = 'StrategicPatchError';
}

const DELETE = Symbol('delete');
type Rec = Record<string, unknown>;

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** The message a field of `message` holds (through lists), if it is one. */
function childMessage(message: string | undefined, field: string): string | undefined {
  if (message === undefined) return undefined;
  let t: TypeRef | undefined = messageSchema(message)?.fields.get(field)?.type;
  while (t && t.kind === 'list') t = t.elem;
  return t?.kind === 'message' ? t.name : undefined;
}

function isMapField(message: string | undefined, field: string): boolean {
  return message !== undefined && messageSchema(message)?.fields.get(field)?.type.kind === 'map';
}

/** Removes directives from a value that goes in as is (new list elements, replaced maps). */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isRecord(e) && e.$patch !== undefined && Object.keys(e).length === 1)).map(strip);
  if (!isRecord(v)) return v;
  const out: Rec = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x !== null) out[k] = strip(x);
  }
  return out;
}

function mergeMap(original: Rec, patch: Rec, message: string | undefined): Rec | typeof DELETE {
  const directive = patch.$patch;
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return strip(patch) as Rec;
  if (directive !== undefined && directive !== 'merge') throw new StrategicPatchError(`Unknown patch type: ${String(directive)}`);
  const out: Rec = { ...original };
  const orders: [string, unknown][] = [];
  const deletions: [string, unknown][] = [];
  for (const [k, pv] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(SET_ORDER)) {
      orders.push([k.slice(SET_ORDER.length), pv]);
      continue;
    }
    if (k.startsWith(DELETE_PRIMITIVE)) {
      deletions.push([k.slice(DELETE_PRIMITIVE.length), pv]);
      continue;
    }
    if (pv === null) {
      delete out[k];
      continue;
    }
    const ov = out[k];
    if (isRecord(pv)) {
      const merged = mergeMap(isRecord(ov) ? ov : {}, pv, isMapField(message, k) ? undefined : childMessage(message, k));
      if (merged === DELETE) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(pv)) {
      const meta = listPatchMeta(message, k);
      out[k] = meta ? mergeList(Array.isArray(ov) ? ov : [], pv, meta, childMessage(message, k)) : strip(pv);
    } else {
      out[k] = pv;
    }
  }
  for (const [field, values] of deletions) {
    if (Array.isArray(out[field]) && Array.isArray(values)) out[field] = (out[field] as unknown[]).filter((x) => !values.some((v) => jsonEqual(v, x)));
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field]) && Array.isArray(order)) out[field] = applyOrder(out[field] as unknown[], order, listPatchMeta(message, field)?.key);
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k) && !(k in patch)) delete out[k];
  }
  return out;
}

function keyOf(v: unknown, key: string | undefined): unknown {
  return key === undefined ? v : isRecord(v) ? v[key] : undefined;
}

function mergeList(original: unknown[], patch: unknown[], meta: ListPatchMeta, message: string | undefined): unknown[] {
  if (patch.some((e) => isRecord(e) && e.$patch === 'replace')) return strip(patch.filter((e) => !(isRecord(e) && e.$patch === 'replace'))) as unknown[];
  const out = [...original];
  if (meta.key === undefined) {
    for (const p of patch) if (!out.some((o) => jsonEqual(o, p))) out.push(p);
    return out;
  }
  const key = meta.key;
  for (const p of patch) {
    if (!isRecord(p)) throw new StrategicPatchError(`found non-map element in a list merged by "${key}"`);
    const id = p[key];
    const idx = out.findIndex((o) => jsonEqual(keyOf(o, key), id));
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(isRecord(out[idx]) ? (out[idx] as Rec) : {}, p, message);
      if (merged === DELETE) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(strip(p));
    }
  }
  return out;
}

/**
 * `$setElementOrder`: elements named in `order` come in that order; the others (only on the
 * server) keep their place after the element that preceded them.
 */
function applyOrder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const ids = order.map((o) => keyOf(o, key));
  const rank = (v: unknown): number => ids.findIndex((id) => jsonEqual(id, keyOf(v, key)));
  const ordered = list.filter((v) => rank(v) >= 0).sort((a, b) => rank(a) - rank(b));
  const out: unknown[] = [];
  let prev: unknown = undefined;
  const after = new Map<unknown, unknown[]>();
  const head: unknown[] = [];
  for (const v of list) {
    if (rank(v) >= 0) prev = v;
    else if (prev === undefined) head.push(v);
    else after.set(prev, [...(after.get(prev) ?? []), v]);
  }
  out.push(...head);
  for (const v of ordered) out.push(v, ...(after.get(v) ?? []));
  return out;
}

/** Applies a strategic merge patch to `original` (a message `root` such as `core.v1.Pod`). */
export function applyStrategicPatch(original: unknown, patch: unknown, root: string | undefined): unknown {
  if (!isRecord(patch)) throw new StrategicPatchError('strategic merge patch must be a JSON object');
  const out = mergeMap(isRecord(original) ? structuredClone(original) : {}, patch, root);
  if (out === DELETE) return {};
  return out;
}
