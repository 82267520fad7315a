/**
 * Field paths and field sets as structured-merge-diff has them: a path is a list of elements
 * (a struct or map field `f:name`, an associative-list element by its keys `k:{"name":"c"}`, a
 * set element by value `v:"x"`, an index `i:0`), and a set is a tree of members and children,
 * serialized as upstream's `FieldsV1` (`.` marks a path that is itself a member and has children).
 * Pure data; nothing here knows the API types.
 */
import { isRecord } from '../object.js';

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly (readonly [string, unknown])[] }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'index'; readonly index: number };

export type Path = readonly PathElement[];

export const field = (name: string): PathElement => ({ kind: 'field', name });

/** An associative-list element: key fields sorted by name, as upstream's `KeyByFields`. */
export function keyElement(fields: Record<string, unknown>): PathElement {
  return { kind: 'key', fields: Object.keys(fields).sort().map((k) => [k, fields[k]] as const) };
}

/** The `FieldsV1` key of an element: `f:spec`, `k:{"name":"c"}`, `v:"x"`, `i:0`. */
export function elementKey(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return `k:${JSON.stringify(Object.fromEntries(pe.fields))}`;
    case 'value':
      return `v:${JSON.stringify(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
  }
}

export class FieldPathError extends Error {
  override readonly name = 'FieldPathError';
}

/** Parses a `FieldsV1` key back into an element. */
export function parseElementKey(key: string): PathElement {
  const body = key.slice(2);
  try {
    switch (key.slice(0, 2)) {
      case 'f:':
        return field(body);
      case 'k:': {
        const v: unknown = JSON.parse(body);
        if (!isRecord(v)) break;
        return keyElement(v);
      }
      case 'v:':
        return { kind: 'value', value: JSON.parse(body) as unknown };
      case 'i:':
        if (/^\d+$/.test(body)) return { kind: 'index', index: Number(body) };
        break;
    }
  } catch {
    // reported below
  }
  throw new FieldPathError(`invalid path element: ${JSON.stringify(key)}`);
}

/** Go's `%q` of a string for the ASCII texts paths hold (JSON quoting is the same there). */
function goValueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goValueString).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).map((k) => `${k}=${goValueString(v[k])}`).join(',')}}`;
  return String(v);
}

/** Upstream's `Path.String()`: `.spec.template.spec.containers[name="c"].image`, `[=x]`, `[0]`. */
export function pathString(path: Path): string {
  return path
    .map((pe) => {
      switch (pe.kind) {
        case 'field':
          return `.${pe.name}`;
        case 'key':
          return `[${pe.fields.map(([k, v]) => `${k}=${goValueString(v)}`).join(',')}]`;
        case 'value':
          return `[=${goValueString(pe.value)}]`;
        case 'index':
          return `[${pe.index}]`;
      }
    })
    .join('');
}

/** Upstream's order of element kinds: fields, then keys, then values, then indices. */
export const KIND_RANK: Readonly<Record<PathElement['kind'], number>> = { field: 0, key: 1, value: 2, index: 3 };

/** Upstream's element order: fields by name, then keys, then values, then indices. */
function compareElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  if (a.kind === 'index' && b.kind === 'index') return a.index - b.index;
  const ka = a.kind === 'field' ? a.name : elementKey(a);
  const kb = b.kind === 'field' ? b.name : elementKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * compareElements over `[elementKey(pe), pe]` pairs: within a kind other than index, comparing the
 * keys orders as comparing names or encoded elements does (they share the `f:`/`k:`/`v:` prefix).
 */
function compareKeyed([ka, a]: readonly [string, PathElement, ...unknown[]], [kb, b]: readonly [string, PathElement, ...unknown[]]): number {
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  if (a.kind === 'index' && b.kind === 'index') return a.index - b.index;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A set of field paths, as a tree. Mutating methods change `this`; the others return new sets. */
export class FieldSet {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, { pe: PathElement; set: FieldSet }>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    const last = path[path.length - 1];
    if (!last) return;
    // Iterative: a recursive walk copying `rest` at each level made this quadratic in the depth.
    const first = path[0] as PathElement;
    let s = path.length === 1 ? undefined : this.descend(first);
    for (let i = 1; i < path.length - 1; i++) s = (s as FieldSet).descend(path[i] as PathElement);
    (s ?? this).addMember(last);
  }

  /** Makes `pe` (an element of this level) a member; `key` is its `elementKey` when known. */
  addMember(pe: PathElement, key: string = elementKey(pe)): void {
    this.members.set(key, pe);
  }

  /** The subset below `pe`, created when missing (possibly left empty: empty subsets count as absent). */
  descend(pe: PathElement, key: string = elementKey(pe)): FieldSet {
    let c = this.children.get(key);
    if (!c) {
      c = { pe, set: new FieldSet() };
      this.children.set(key, c);
    }
    return c.set;
  }

  /** Whether `path` is a member. */
  has(path: Path): boolean {
    const [first, ...rest] = path;
    if (!first) return false;
    const k = elementKey(first);
    if (rest.length === 0) return this.members.has(k);
    return this.children.get(k)?.set.has(rest) ?? false;
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(elementKey(pe));
  }

  /** The subset below `pe` (empty when none). */
  child(pe: PathElement): FieldSet {
    return this.children.get(elementKey(pe))?.set ?? EMPTY;
  }

  hasChildren(pe: PathElement): boolean {
    const c = this.children.get(elementKey(pe));
    return c !== undefined && !c.set.empty();
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.empty()) return false;
    return true;
  }

  clone(): FieldSet {
    return this.union(EMPTY);
  }

  union(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const src of [this, o]) {
      for (const [k, pe] of src.members) out.members.set(k, pe);
      for (const [k, c] of src.children) {
        const have = out.children.get(k);
        out.children.set(k, { pe: c.pe, set: have ? have.set.union(c.set) : c.set.union(EMPTY) });
      }
    }
    return out;
  }

  /** Members of `this` not in `o`, level by level (children of removed members stay). */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const other = o.children.get(k);
      const d = other ? c.set.difference(other.set) : c.set.clone();
      if (!d.empty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  /** Like difference, but a member of `o` also removes everything below it. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue;
      const other = o.children.get(k);
      const d = other ? c.set.recursiveDifference(other.set) : c.set.clone();
      if (!d.empty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const other = o.children.get(k);
      if (!other) continue;
      const i = c.set.intersection(other.set);
      if (!i.empty()) out.children.set(k, { pe: c.pe, set: i });
    }
    return out;
  }

  /** Every member path: this level's members first, then the children's, in upstream's order. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const pe of [...this.members.values()].sort(compareElements)) out.push([...prefix, pe]);
    for (const c of [...this.children.values()].sort((a, b) => compareElements(a.pe, b.pe))) out.push(...c.set.paths([...prefix, c.pe]));
    return out;
  }

  /** The `FieldsV1` JSON of this set. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.fillFieldsV1(out);
    return out;
  }

  /**
   * Adds this set's `FieldsV1` entries to `out`, in upstream's element order; false when there
   * are none (the set is empty). Keys are encoded once and sorted as compareElements orders the
   * elements (keys parsed from FieldsV1 are re-encoded canonically); entries are filled in place
   * rather than spread into new objects, and emptiness is learnt from filling, not a separate walk.
   */
  private fillFieldsV1(out: Record<string, unknown>): boolean {
    const keyed: [string, PathElement, string][] = [];
    for (const [k, pe] of this.members) keyed.push([pe.kind === 'field' ? k : elementKey(pe), pe, k]);
    for (const [k, c] of this.children) if (!this.members.has(k)) keyed.push([c.pe.kind === 'field' ? k : elementKey(c.pe), c.pe, k]);
    keyed.sort(compareKeyed);
    let filled = false;
    for (const [k, , stored] of keyed) {
      if (stored !== k) {
        // Parsed from a non-canonical key: written as before this was optimized (an element present
        // under its stored key, its content looked up under the canonical one).
        const c = this.children.get(stored);
        if (!this.members.has(stored) && (c === undefined || c.set.empty())) continue;
        const canonical = this.children.get(k);
        out[k] = canonical && !canonical.set.empty() ? { ...(this.members.has(k) ? { '.': {} } : {}), ...canonical.set.toFieldsV1() } : {};
        filled = true;
        continue;
      }
      const member = this.members.has(k);
      const c = this.children.get(k);
      if (c !== undefined) {
        const inner: Record<string, unknown> = member ? { '.': {} } : {};
        if (c.set.fillFieldsV1(inner)) {
          out[k] = inner;
          filled = true;
          continue;
        }
      }
      // A member without (non-empty) children; an element that is only an empty subset is left out.
      if (member) {
        out[k] = {};
        filled = true;
      }
    }
    return filled;
  }

  /** Parses `FieldsV1` JSON; throws FieldPathError on malformed input. */
  static fromFieldsV1(v: unknown): FieldSet {
    const out = new FieldSet();
    if (!isRecord(v)) throw new FieldPathError('FieldsV1 must be an object');
    for (const [k, inner] of Object.entries(v)) {
      if (k === '.') continue;
      const pe = parseElementKey(k);
      if (!isRecord(inner)) throw new FieldPathError(`FieldsV1 value of ${k} must be an object`);
      const keys = Object.keys(inner);
      if (keys.length === 0 || '.' in inner) out.members.set(k, pe);
      if (keys.some((x) => x !== '.')) out.children.set(k, { pe, set: FieldSet.fromFieldsV1(inner) });
    }
    return out;
  }
}

const EMPTY = new FieldSet();
