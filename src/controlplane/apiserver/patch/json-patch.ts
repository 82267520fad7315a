/**
 * JSON patch (RFC 6902): add, remove, replace, move, copy, test, with JSON pointers (RFC 6901).
 * Decoding errors are the API's 400s; failing operations are its (detail-less) 422s, so their
 * messages only need to help a reader of logs.
 */
import { isRecord, jsonEqual } from '../object.js';

export class JsonPatchDecodeError extends Error {
  override readonly name = 'JsonPatchDecodeError';
}
export class JsonPatchApplyError extends Error {
  override readonly name = 'JsonPatchApplyError';
}

export interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
  hasValue: boolean;
}

/** Upstream's cap on operations per patch (10,000). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/** Parses the patch document; throws JsonPatchDecodeError with Go's wording for wrong shapes. */
export function decodeJsonPatch(text: string): Operation[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new JsonPatchDecodeError((err as Error).message);
  }
  if (!Array.isArray(v)) {
    const what = isRecord(v) ? 'object' : typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'null';
    if (v === null) return [];
    throw new JsonPatchDecodeError(`json: cannot unmarshal ${what} into Go value of type jsonpatch.Patch`);
  }
  return v.map((o) => {
    if (!isRecord(o)) throw new JsonPatchDecodeError('json: cannot unmarshal array into Go value of type jsonpatch.Operation');
    return {
      op: typeof o.op === 'string' ? o.op : '',
      path: typeof o.path === 'string' ? o.path : '',
      ...(typeof o.from === 'string' ? { from: o.from } : {}),
      value: o.value,
      hasValue: 'value' in o,
    };
  });
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new JsonPatchApplyError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function arrayIndex(token: string, length: number, allowEnd: boolean, path: string): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new JsonPatchApplyError(`invalid array index "${token}" in "${path}"`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new JsonPatchApplyError(`index out of range in "${path}"`);
  return i;
}

/** The container holding the pointer's last token, and that token. */
function locate(doc: unknown, path: string): { parent: Container; key: string } {
  const tokens = parsePointer(path);
  const key = tokens.pop();
  if (key === undefined) throw new JsonPatchApplyError('cannot address the document root here');
  let cur: unknown = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, path)];
    else if (isRecord(cur) && t in cur) cur = cur[t];
    else throw new JsonPatchApplyError(`doc is missing path: "${path}"`);
  }
  if (!Array.isArray(cur) && !isRecord(cur)) throw new JsonPatchApplyError(`doc is missing path: "${path}"`);
  return { parent: cur, key };
}

function get(doc: unknown, path: string): unknown {
  if (path === '') return doc;
  const { parent, key } = locate(doc, path);
  if (Array.isArray(parent)) return parent[arrayIndex(key, parent.length, false, path)];
  if (!(key in parent)) throw new JsonPatchApplyError(`doc is missing key: "${path}"`);
  return parent[key];
}

function add(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return value;
  const { parent, key } = locate(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true, path), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const { parent, key } = locate(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, false, path), 1);
  else {
    if (!(key in parent)) throw new JsonPatchApplyError(`remove operation does not apply: doc is missing path: "${path}"`);
    delete parent[key];
  }
  return doc;
}

/** Applies the operations to a copy of `doc`; throws JsonPatchApplyError when one does not apply. */
export function applyJsonPatch(doc: unknown, ops: readonly Operation[]): unknown {
  let out: unknown = structuredClone(doc);
  for (const o of ops) {
    const need = (): unknown => {
      if (!o.hasValue) throw new JsonPatchApplyError(`${o.op} operation: missing value`);
      return structuredClone(o.value);
    };
    switch (o.op) {
      case 'add':
        out = add(out, o.path, need());
        break;
      case 'remove':
        out = remove(out, o.path);
        break;
      case 'replace':
        get(out, o.path);
        out = o.path === '' ? need() : add(remove(out, o.path), o.path, need());
        break;
      case 'move': {
        const v = get(out, o.from ?? '');
        out = add(remove(out, o.from ?? ''), o.path, v);
        break;
      }
      case 'copy':
        out = add(out, o.path, structuredClone(get(out, o.from ?? '')));
        break;
      case 'test':
        if (!jsonEqual(get(out, o.path), o.value ?? null)) throw new JsonPatchApplyError(`testing value ${o.path} failed: test failed`);
        break;
      default:
        throw new JsonPatchApplyError(`Unexpected kind: ${o.op}`);
    }
  }
  return out;
}
