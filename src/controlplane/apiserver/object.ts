/**
 * The API server handles objects as plain JSON: a typed `metadata` and everything else unknown
 * until a strategy looks at it. Helpers here never throw on odd shapes: bodies come from clients.
 */
import type { ObjectMeta } from '../../api/index.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = Record<string, unknown>;

/** Any API object as JSON. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of JSON data (objects from storage and bodies are plain JSON). */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}

/** Structural equality of JSON values; key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The `metadata` of a decoded body as a record (created when missing or not an object). */
export function metaOf(obj: KObject): ObjectMeta {
  if (!isRecord(obj.metadata)) obj.metadata = {};
  return obj.metadata;
}

/** A nested record by path (`status`, `spec`), or undefined when any step is not an object. */
export function recordAt(obj: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return isRecord(cur) ? cur : undefined;
}

/** A string at a path, or '' when absent or not a string. */
export function stringAt(obj: unknown, ...path: string[]): string {
  const parent = recordAt(obj, ...path.slice(0, -1));
  const last = path[path.length - 1];
  const v = parent && last !== undefined ? parent[last] : undefined;
  return typeof v === 'string' ? v : '';
}

/** An array at a path, or [] when absent or not an array. */
export function arrayAt(obj: unknown, ...path: string[]): unknown[] {
  const parent = recordAt(obj, ...path.slice(0, -1));
  const last = path[path.length - 1];
  const v = parent && last !== undefined ? parent[last] : undefined;
  return Array.isArray(v) ? v : [];
}
