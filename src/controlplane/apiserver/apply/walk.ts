/**
 * The typed operations of structured-merge-diff over plain JSON values: the field set of a value
 * (`toFieldSet`), the comparison of two values (`compare`: added / modified / removed paths),
 * merging an applied configuration into a live object (`merge`) and removing what an applier no
 * longer applies (`prune`). Pure; values are never changed in place (results are new values that
 * may share unchanged parts with the inputs).
 */
import { isRecord, jsonEqual } from '../object.js';
import { FieldSet, KIND_RANK, elementKey, field, keyElement, pathString, type Path, type PathElement } from './fieldpath.js';
import { childType, isLeaf, type ApplyType, type ListShape } from './types.js';

/** A configuration that does not fit the type (upstream's typed-conversion errors). */
export class ApplyTypeError extends Error {
  override readonly name = 'ApplyTypeError';
}

const DEDUCED: ApplyType = { kind: 'deduced' };

function typeError(path: Path, message: string): ApplyTypeError {
  return new ApplyTypeError(`${pathString(path)}: ${message}`);
}

function jsonKindOf(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (isRecord(v)) return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'numeric';
}

/**
 * The path elements of a list's items. Strict (configurations): a missing key field, a non-scalar
 * set item or a duplicate is an error. Lenient (live objects): such items are addressed by index.
 */
function listElements(list: readonly unknown[], shape: ListShape, path: Path, strict: boolean): PathElement[] {
  const seen = new Set<string>();
  return list.map((item, i) => {
    const byIndex: PathElement = { kind: 'index', index: i };
    let pe: PathElement;
    if (shape.type === 'set') {
      if (isRecord(item) || Array.isArray(item)) {
        if (strict) throw typeError(path, `element ${i}: expected scalar, got ${jsonKindOf(item)}`);
        return byIndex;
      }
      pe = { kind: 'value', value: item };
    } else if (shape.type === 'map') {
      if (!isRecord(item)) {
        if (strict) throw typeError(path, `element ${i}: expected map, got ${jsonKindOf(item)}`);
        return byIndex;
      }
      const fields: Record<string, unknown> = {};
      for (const k of shape.keys) {
        const v = item[k] ?? shape.defaults?.[k];
        if (v === undefined || v === null) {
          if (strict) throw typeError(path, `element ${i}: associative list with keys has an element that omits key field ${JSON.stringify(k)}`);
          return byIndex;
        }
        fields[k] = v;
      }
      pe = keyElement(fields);
    } else {
      return byIndex;
    }
    const id = JSON.stringify(pe);
    if (seen.has(id)) {
      if (strict) throw typeError(path, `duplicate entries for key ${pathString([pe])}`);
      return byIndex;
    }
    seen.add(id);
    return pe;
  });
}

function isEmptyish(v: unknown): boolean {
  return v === undefined || v === null || (isRecord(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);
}

// ---- field sets -------------------------------------------------------------------------------

/** The set of fields a configuration sets (upstream `ToFieldSet`); throws ApplyTypeError. */
export function toFieldSet(value: Record<string, unknown>, type: ApplyType): FieldSet {
  const set = new FieldSet();
  walkSet(value, type, [], set);
  return set;
}

function walkSet(v: unknown, t: ApplyType, path: Path, set: FieldSet): void {
  if (v === undefined || v === null) return;
  if (isLeaf(t, v)) {
    if (t.kind === 'struct' && !isRecord(v)) throw typeError(path, `expected map, got ${jsonKindOf(v)}`);
    if (t.kind === 'list' && !Array.isArray(v)) throw typeError(path, `expected list, got ${jsonKindOf(v)}`);
    set.insert(path);
    return;
  }
  if (t.kind === 'list') {
    if (!Array.isArray(v)) throw typeError(path, `expected list, got ${jsonKindOf(v)}`);
    const pes = listElements(v, t.list, path, true);
    v.forEach((item, i) => {
      const p = [...path, pes[i] as PathElement];
      if (t.list.type === 'map') walkSet(item, t.elem, p, set);
      set.insert(p);
    });
    return;
  }
  if (!isRecord(v)) throw typeError(path, `expected map, got ${jsonKindOf(v)}`);
  for (const [k, val] of Object.entries(v)) {
    const ct = childType(t, k);
    const p = [...path, field(k)];
    if (!ct) throw typeError(p, 'field not declared in schema');
    walkSet(val, ct, p, set);
    // Map keys are always members; struct fields only when null or an empty object.
    if (t.kind !== 'struct' || val === null || (isRecord(val) && Object.keys(val).length === 0)) set.insert(p);
  }
}

// ---- comparison -------------------------------------------------------------------------------

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * What changed from `lhs` to `rhs` (upstream `TypedValue.Compare`). Structs are not members
 * themselves (Go's non-pointer structs are always there); maps and list items are.
 */
export function compare(lhs: Record<string, unknown>, rhs: Record<string, unknown>, type: ApplyType): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, type, [], c);
  return c;
}

function leafCompare(l: unknown, r: unknown, path: Path, c: Comparison): void {
  if (path.length === 0) return;
  if (l === undefined && r === undefined) return;
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
  else if (!jsonEqual(l, r)) c.modified.insert(path);
}

function walkCompare(l0: unknown, r0: unknown, t: ApplyType, path: Path, c: Comparison): void {
  const l = l0 === null ? undefined : l0;
  const r = r0 === null ? undefined : r0;
  if (l === undefined && r === undefined) return;
  const sample = r ?? l;
  if (isLeaf(t, sample) || (isEmptyish(l) && isEmptyish(r))) return leafCompare(l, r, path, c);
  if (t.kind === 'list') {
    const la = Array.isArray(l) ? l : undefined;
    const ra = Array.isArray(r) ? r : undefined;
    if ((l !== undefined && !la) || (r !== undefined && !ra)) return leafCompare(l, r, path, c);
    const lp = la ? listElements(la, t.list, path, false) : [];
    const rp = ra ? listElements(ra, t.list, path, false) : [];
    const left = new Map(lp.map((pe, i) => [JSON.stringify(pe), { pe, v: la?.[i] }]));
    const right = new Map(rp.map((pe, i) => [JSON.stringify(pe), { pe, v: ra?.[i] }]));
    for (const [id, x] of left) {
      const y = right.get(id);
      const p = [...path, x.pe];
      if (!y) c.removed.insert(p);
      if (t.list.type === 'map' || x.pe.kind === 'index') walkCompare(x.v, y?.v, t.list.type === 'map' ? t.elem : DEDUCED, p, c);
    }
    for (const [id, y] of right) {
      if (left.has(id)) continue;
      const p = [...path, y.pe];
      c.added.insert(p);
      if (t.list.type === 'map' || y.pe.kind === 'index') walkCompare(undefined, y.v, t.list.type === 'map' ? t.elem : DEDUCED, p, c);
    }
    return;
  }
  const lr = isRecord(l) ? l : undefined;
  const rr = isRecord(r) ? r : undefined;
  if ((l !== undefined && !lr) || (r !== undefined && !rr)) return leafCompare(l, r, path, c);
  if (t.kind !== 'struct' && path.length > 0) {
    if (!lr) c.added.insert(path);
    else if (!rr) c.removed.insert(path);
  }
  const keys = new Set([...Object.keys(lr ?? {}), ...Object.keys(rr ?? {})]);
  for (const k of keys) walkCompare(lr?.[k], rr?.[k], childType(t, k) ?? DEDUCED, [...path, field(k)], c);
}

/**
 * `compare({}, value, type).added.toFieldsV1()`, or undefined when that set is empty: the fields
 * of a value that is entirely new (a create), written straight as FieldsV1 (no paths, no sets),
 * in upstream's order. Values are not changed.
 */
export function addedFieldsV1(value: Record<string, unknown>, type: ApplyType): Record<string, unknown> | undefined {
  // The root itself is never a member (walkCompare skips the empty path); a record is no list.
  if (type.kind === 'list' || isLeaf(type, value) || isEmptyish(value) || !isRecord(value)) return undefined;
  return recordV1(value, Object.keys(value), type, false);
}

/**
 * The FieldsV1 value of an element holding `v` (what walkCompare(undefined, v) adds at and below
 * its path), or undefined when it adds nothing. `member`: the element is a member already (list items).
 */
function elementV1(v: unknown, t: ApplyType, member: boolean): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return member ? {} : undefined;
  // Leaves, empty values and values of the wrong shape are members without children.
  if (isLeaf(t, v)) return {};
  if (t.kind === 'list') return Array.isArray(v) && v.length > 0 ? listV1(v, t, member) : {};
  if (!isRecord(v)) return {};
  const keys = Object.keys(v);
  if (keys.length === 0) return {};
  // A map (not a struct) is a member itself too.
  const self = member || t.kind !== 'struct';
  return recordV1(v, keys, t, self) ?? (self ? {} : undefined);
}

/** One entry of a list's FieldsV1: its key, the element's kind rank and index (for ordering), its value. */
type V1Entry = [key: string, rank: number, index: number, value: Record<string, unknown>];

/** Upstream's element order over encoded keys (as FieldSet.toFieldsV1 sorts). */
function compareEntries(a: V1Entry, b: V1Entry): number {
  if (a[1] !== b[1]) return a[1] - b[1];
  if (a[1] === KIND_RANK.index) return a[2] - b[2];
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** The FieldsV1 object of a non-empty list's items (every item is a member), `.` first when `dot`. */
function listV1(list: readonly unknown[], t: Extract<ApplyType, { kind: 'list' }>, dot: boolean): Record<string, unknown> {
  const byKey = t.list.type === 'map';
  const elemType = byKey ? t.elem : DEDUCED;
  const pes = listElements(list, t.list, [], false);
  const entries: V1Entry[] = [];
  for (let i = 0; i < list.length; i++) {
    const pe = pes[i] as PathElement;
    const value = byKey || pe.kind === 'index' ? (elementV1(list[i], elemType, true) as Record<string, unknown>) : {};
    entries.push([elementKey(pe), KIND_RANK[pe.kind], pe.kind === 'index' ? pe.index : 0, value]);
  }
  entries.sort(compareEntries);
  const out: Record<string, unknown> = dot ? { '.': {} } : {};
  for (const e of entries) out[e[0]] = e[3];
  return out;
}

/**
 * The FieldsV1 object of a record's fields (`keys`), `.` first when `dot`; undefined when none
 * adds anything. Field names sort as their `f:` keys do.
 */
function recordV1(rec: Record<string, unknown>, keys: string[], t: ApplyType, dot: boolean): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = dot ? { '.': {} } : {};
  let any = false;
  for (const k of keys.sort()) {
    const value = elementV1(rec[k], childType(t, k) ?? DEDUCED, false);
    if (value === undefined) continue;
    out[`f:${k}`] = value;
    any = true;
  }
  return any ? out : undefined;
}

// ---- merge ------------------------------------------------------------------------------------

/** `live` with `config` merged in (upstream `TypedValue.Merge`); `null` in config removes. */
export function merge(live: unknown, config: unknown, t: ApplyType): unknown {
  if (config === undefined) return live;
  if (config === null) return undefined;
  if (isLeaf(t, config)) return structuredClone(config);
  if (t.kind === 'list') {
    if (!Array.isArray(config)) return structuredClone(config);
    return mergeList(Array.isArray(live) ? live : [], config, t);
  }
  if (!isRecord(config)) return structuredClone(config);
  const out: Record<string, unknown> = isRecord(live) ? { ...live } : {};
  for (const [k, v] of Object.entries(config)) {
    const m = merge(out[k], v, childType(t, k) ?? DEDUCED);
    if (m === undefined) delete out[k];
    else out[k] = m;
  }
  return out;
}

/**
 * Merges list items by identity. Order follows upstream: items only in the live list keep their
 * place, items of the configuration come in its order.
 */
function mergeList(lhs: readonly unknown[], rhs: readonly unknown[], t: Extract<ApplyType, { kind: 'list' }>): unknown[] {
  const lp = listElements(lhs, t.list, [], false).map((pe) => JSON.stringify(pe));
  const rp = listElements(rhs, t.list, [], true).map((pe) => JSON.stringify(pe));
  const lIdx = new Map(lp.map((id, i) => [id, i]));
  const rIdx = new Map(rp.map((id, i) => [id, i]));
  const mergeItem = (id: string): unknown => {
    const li = lIdx.get(id);
    const ri = rIdx.get(id) as number;
    return t.list.type === 'map' ? merge(li === undefined ? undefined : lhs[li], rhs[ri], t.elem) : structuredClone(rhs[ri]);
  };
  const shared = rp.filter((id) => lIdx.has(id));
  let next = 0;
  const out: unknown[] = [];
  const merged = new Set<string>();
  let li = 0;
  let ri = 0;
  while (li < lp.length || ri < rp.length) {
    const l = lp[li];
    const r = rp[ri];
    if (l !== undefined && r !== undefined) {
      if (l === r) {
        merged.add(l);
        out.push(mergeItem(l));
        li++;
        ri++;
        if (shared[next] === l) next++;
        continue;
      }
      if (rIdx.has(l) && next < shared.length && shared[next] !== l) {
        li++;
        continue;
      }
    }
    if (l !== undefined) {
      if (!rIdx.has(l)) {
        out.push(lhs[li]);
        li++;
        continue;
      }
      if (merged.has(l)) {
        li++;
        continue;
      }
    }
    if (r !== undefined) {
      merged.add(r);
      out.push(mergeItem(r));
      ri++;
      if (shared[next] === r) next++;
      continue;
    }
    li++;
  }
  return out;
}

// ---- prune ------------------------------------------------------------------------------------

/**
 * Removes from `merged` what the applier applied last time (`last`) and no manager owns now
 * (`owned`, the applier's new set included). A struct field counts as applied or owned when
 * something below it is (upstream's `EnsureNamedFieldsAreMembers`).
 */
export function prune(merged: unknown, t: ApplyType, last: FieldSet, owned: FieldSet): unknown {
  if (merged === undefined || merged === null || isLeaf(t, merged)) return merged;
  if (t.kind === 'list') {
    if (!Array.isArray(merged)) return merged;
    const pes = listElements(merged, t.list, [], false);
    const out: unknown[] = [];
    merged.forEach((item, i) => {
      const pe = pes[i] as PathElement;
      if (last.hasMember(pe) && !owned.hasMember(pe)) return;
      out.push(last.hasChildren(pe) && t.list.type === 'map' ? prune(item, t.elem, last.child(pe), owned.child(pe)) : item);
    });
    return out;
  }
  if (!isRecord(merged)) return merged;
  const out: Record<string, unknown> = { ...merged };
  const named = t.kind === 'struct';
  for (const k of Object.keys(out)) {
    const pe = field(k);
    const inLast = last.hasMember(pe) || (named && last.hasChildren(pe));
    const inOwned = owned.hasMember(pe) || (named && owned.hasChildren(pe));
    if (inLast && !inOwned) delete out[k];
    else if (last.hasChildren(pe)) out[k] = prune(out[k], childType(t, k) ?? DEDUCED, last.child(pe), owned.child(pe));
  }
  return out;
}
