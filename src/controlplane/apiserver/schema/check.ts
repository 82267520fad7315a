/**
 * Decoding a JSON body the way the Go API server's decoder sees it: fields are typed (a wrong type
 * is upstream's `json: cannot unmarshal ...` error), unknown fields are collected with their paths
 * (`spec.containers[0].foo`, reported or rejected per `fieldValidation`) and dropped, nulls are
 * dropped (Go decodes them to zero values that are then omitted), and quantities are put in their
 * canonical form. The object is changed in place.
 */
import { formatQuantity, tryParseQuantity } from '../../../api/index.js';
import { isRecord } from '../object.js';
import { goTypeName, messageSchema, type MessageSchema, type TypeRef } from './index.js';

/** A body that does not decode into the kind's Go types; `message` is Go's error text. */
export class SchemaTypeError extends Error {
  override readonly name = 'SchemaTypeError';
}

export interface DecodeResult {
  /** Paths of unknown fields, in document order (`spec.foo`). */
  unknownFields: string[];
}

/**
 * Where a value sits: a chain of steps from the root, turned into texts only when an unknown field
 * or an error needs them (most bodies need none, and building them per field was most of the cost).
 */
interface Ctx {
  readonly parent: Ctx | undefined;
  /** A struct field's JSON name (`field`), or a list index / map key (`item`, shown as `[x]`). */
  readonly step: { readonly kind: 'field' | 'item'; readonly name: string } | undefined;
  /** Go name of the struct holding the field being decoded. */
  readonly struct: string;
  readonly unknown: string[];
}

/** Path with indices, for unknown-field messages (`spec.containers[0].foo`). */
function pathOf(ctx: Ctx): string {
  if (ctx.parent === undefined || ctx.step === undefined) return '';
  const p = pathOf(ctx.parent);
  if (ctx.step.kind === 'item') return `${p}[${ctx.step.name}]`;
  return p === '' ? ctx.step.name : `${p}.${ctx.step.name}`;
}

/** JSON field names from the root, as Go's error context has them (no indices). */
function stackOf(ctx: Ctx): string[] {
  const out: string[] = [];
  for (let c: Ctx | undefined = ctx; c?.step !== undefined; c = c.parent) if (c.step.kind === 'field') out.push(c.step.name);
  return out.reverse();
}

const fieldCtx = (parent: Ctx, name: string, struct: string): Ctx => ({ parent, step: { kind: 'field', name }, struct, unknown: parent.unknown });
const itemCtx = (parent: Ctx, name: string): Ctx => ({ parent, step: { kind: 'item', name }, struct: parent.struct, unknown: parent.unknown });

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  sint32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  fixed32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function typeError(value: string, goType: string, ctx: Ctx): SchemaTypeError {
  const stack = stackOf(ctx);
  const where = stack.length > 0 || ctx.struct ? `Go struct field ${ctx.struct}.${stack.join('.')}` : 'Go value';
  return new SchemaTypeError(`json: cannot unmarshal ${value} into ${where} of type ${goType}`);
}

function zeroValue(t: TypeRef): unknown {
  if (t.kind === 'message' || t.kind === 'map') return {};
  if (t.kind === 'list') return [];
  if (t.kind === 'scalar') return t.scalar === 'string' || t.scalar === 'bytes' ? '' : t.scalar === 'bool' ? false : 0;
  return t.special === 'IntOrString' ? 0 : t.special === 'Quantity' ? '0' : null;
}

/** Checks `v` against `t`; returns the (possibly normalized) value. */
function walk(v: unknown, t: TypeRef, ctx: Ctx): unknown {
  switch (t.kind) {
    case 'message': {
      const schema = messageSchema(t.name);
      if (!isRecord(v)) throw typeError(jsonKind(v), goTypeName(t), ctx);
      if (schema) walkMessage(v, schema, ctx);
      return v;
    }
    case 'list': {
      if (!Array.isArray(v)) throw typeError(jsonKind(v), goTypeName(t), ctx);
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        v[i] = item === null ? zeroValue(t.elem) : walk(item, t.elem, itemCtx(ctx, String(i)));
      }
      return v;
    }
    case 'map': {
      if (!isRecord(v)) throw typeError(jsonKind(v), goTypeName(t), ctx);
      for (const [k, item] of Object.entries(v)) {
        v[k] = item === null ? zeroValue(t.value) : walk(item, t.value, itemCtx(ctx, k));
      }
      return v;
    }
    case 'scalar':
      return walkScalar(v, t.scalar, ctx);
    case 'special':
      return walkSpecial(v, t.special, ctx);
  }
}

function walkScalar(v: unknown, scalar: string, ctx: Ctx): unknown {
  // Only errors need the Go type's name.
  const goType = (): string => goTypeName({ kind: 'scalar', scalar: scalar as never });
  switch (scalar) {
    case 'string':
      if (typeof v !== 'string') throw typeError(jsonKind(v), goType(), ctx);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw typeError(jsonKind(v), goType(), ctx);
      return v;
    case 'bytes':
      if (typeof v !== 'string') throw typeError(jsonKind(v), goType(), ctx);
      if (!BASE64.test(v)) throw new SchemaTypeError(`illegal base64 data at input byte ${firstBadBase64(v)}`);
      return v;
    case 'double':
    case 'float':
      if (typeof v !== 'number') throw typeError(jsonKind(v), goType(), ctx);
      return v;
    default: {
      if (typeof v !== 'number') throw typeError(jsonKind(v), goType(), ctx);
      const [lo, hi] = INT_RANGES[scalar] ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      if (!Number.isInteger(v) || v < lo || v > hi) throw typeError(`number ${String(v)}`, goType(), ctx);
      return v;
    }
  }
}

function firstBadBase64(v: string): number {
  const bad = /[^A-Za-z0-9+/=]/.exec(v);
  if (bad) return bad.index;
  return v.length - (v.length % 4 === 0 ? 0 : v.length % 4);
}

function walkSpecial(v: unknown, special: string, ctx: Ctx): unknown {
  switch (special) {
    case 'Time':
    case 'MicroTime':
      if (typeof v !== 'string') throw typeError(jsonKind(v), 'string', ctx);
      if (!RFC3339.test(v)) throw new SchemaTypeError(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`);
      return v;
    case 'Quantity': {
      const q = typeof v === 'string' || typeof v === 'number' ? tryParseQuantity(typeof v === 'string' ? v.trim() : v) : undefined;
      if (!q) throw new SchemaTypeError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
      return formatQuantity(q);
    }
    case 'IntOrString':
      if (typeof v === 'string') return v;
      if (typeof v !== 'number') throw typeError(jsonKind(v), 'int32', ctx);
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw typeError(`number ${String(v)}`, 'int32', ctx);
      return v;
    case 'Duration':
      if (typeof v !== 'string') throw typeError(jsonKind(v), 'string', ctx);
      if (!DURATION.test(v)) throw new SchemaTypeError(`time: invalid duration ${JSON.stringify(v)}`);
      return v;
    default:
      // FieldsV1 and RawExtension hold arbitrary JSON.
      return v;
  }
}

function walkMessage(obj: Record<string, unknown>, schema: MessageSchema, ctx: Ctx, root = false): void {
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (root && (key === 'apiVersion' || key === 'kind')) {
      if (value !== null && typeof value !== 'string') throw typeError(jsonKind(value), 'string', fieldCtx(ctx, key, schema.goName));
      continue;
    }
    const field = schema.fields.get(key);
    if (!field) {
      ctx.unknown.push(pathOf(fieldCtx(ctx, key, schema.goName)));
      delete obj[key];
      continue;
    }
    if (value === null || value === undefined) {
      delete obj[key];
      continue;
    }
    obj[key] = walk(value, field.type, fieldCtx(ctx, key, schema.goName));
  }
}

/**
 * Decodes `obj` (a JSON object) as the message `root` (`core.v1.Pod`), in place. Throws
 * SchemaTypeError on a type mismatch; returns the unknown fields it removed.
 */
export function decodeWithSchema(obj: Record<string, unknown>, root: string): DecodeResult {
  const schema = messageSchema(root);
  const unknown: string[] = [];
  if (!schema) return { unknownFields: unknown };
  walkMessage(obj, schema, { parent: undefined, step: undefined, struct: schema.goName, unknown }, true);
  return { unknownFields: unknown };
}
