/**
 * Decoding `application/vnd.kubernetes.protobuf` request bodies (what kubectl's generator
 * commands send): the `k8s\0` magic, a `runtime.Unknown` envelope {typeMeta, raw}, and the raw
 * object decoded field by field with the schema (../schema) into the same JSON a JSON client would
 * have sent. Zero-valued scalars are dropped as Go's `omitempty` would; an empty Time is absent.
 */
import { formatTime } from '../../../api/index.js';
import { badRequest, unsupportedMediaType } from '../errors.js';
import { messageSchema, type MessageSchema, type TypeRef } from '../schema/index.js';
import { readFields, readPackedVarints, WireError, type WireField } from './wire.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Schema name of a kind: `v1` + `Namespace` -> `core.v1.Namespace`. */
function schemaNameOf(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return `core.${apiVersion}.${kind}`;
  const group = apiVersion.slice(0, slash).split('.')[0] ?? '';
  return `${group}.${apiVersion.slice(slash + 1)}.${kind}`;
}

function int(v: bigint | undefined, bits: 32 | 64, signed: boolean): number {
  const x = v ?? 0n;
  return Number(signed ? BigInt.asIntN(bits, x) : BigInt.asUintN(bits, x));
}

function messageFields(f: WireField): WireField[] {
  if (f.wireType !== 2 || !f.bytes) throw new WireError(`field ${f.number}: expected a message`);
  return readFields(f.bytes);
}

/** Go's `time.Duration.String()` of nanoseconds. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let d = Math.abs(ns);
  if (d < 1e9) {
    const [unit, div] = d < 1e3 ? ['ns', 1] : d < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${neg ? '-' : ''}${String(d / (div as number))}${unit as string}`;
  }
  let out = '';
  const h = Math.floor(d / 3.6e12);
  d -= h * 3.6e12;
  const m = Math.floor(d / 6e10);
  d -= m * 6e10;
  const s = d / 1e9;
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${String(Number(s.toFixed(9)))}s`;
  return (neg ? '-' : '') + out;
}

function decodeSpecial(special: string, f: WireField): unknown {
  const fields = messageFields(f);
  const get = (n: number): WireField | undefined => fields.find((x) => x.number === n);
  switch (special) {
    case 'Time':
    case 'MicroTime': {
      if (fields.length === 0) return undefined;
      const secs = int(get(1)?.varint, 64, true);
      const nanos = int(get(2)?.varint, 32, true);
      if (special === 'Time') return formatTime(secs * 1000);
      const iso = new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, '');
      return `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
    }
    case 'Quantity':
      return get(1)?.bytes?.toString('utf8') ?? '0';
    case 'IntOrString':
      return int(get(1)?.varint, 64, true) === 1 ? (get(3)?.bytes?.toString('utf8') ?? '') : int(get(2)?.varint, 32, true);
    case 'Duration':
      return goDuration(int(get(1)?.varint, 64, true));
    default: {
      // FieldsV1 and RawExtension carry JSON bytes.
      const raw = get(1)?.bytes;
      if (!raw || raw.length === 0) return undefined;
      try {
        return JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        return raw.toString('base64');
      }
    }
  }
}

function decodeScalar(scalar: string, f: WireField): unknown {
  switch (scalar) {
    case 'string':
      return f.bytes?.toString('utf8') ?? '';
    case 'bytes':
      return f.bytes?.toString('base64') ?? '';
    case 'bool':
      return (f.varint ?? 0n) !== 0n;
    case 'double':
      return f.bytes?.readDoubleLE(0) ?? 0;
    case 'float':
      return f.bytes?.readFloatLE(0) ?? 0;
    case 'int32':
      return int(f.varint, 32, true);
    case 'uint32':
      return int(f.varint, 32, false);
    case 'uint64':
      return int(f.varint, 64, false);
    default:
      return int(f.varint, 64, true);
  }
}

function decodeValue(t: TypeRef, f: WireField): unknown {
  switch (t.kind) {
    case 'scalar':
      return decodeScalar(t.scalar, f);
    case 'special':
      return decodeSpecial(t.special, f);
    case 'message': {
      const schema = messageSchema(t.name);
      if (!schema) throw new WireError(`no schema for ${t.name}`);
      return decodeMessage(schema, messageFields(f));
    }
    default:
      throw new WireError('nested collections are not supported');
  }
}

const isZero = (v: unknown): boolean => v === undefined || v === '' || v === 0 || v === false;

function decodeMessage(schema: MessageSchema, fields: WireField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const fs = schema.byNumber.get(f.number);
    if (!fs) continue; // unknown fields are skipped, as Go's generated code does
    const t = fs.type;
    if (fs.inline && t.kind === 'message') {
      Object.assign(out, decodeValue(t, f));
    } else if (t.kind === 'list') {
      const list = (out[fs.name] as unknown[] | undefined) ?? [];
      if (t.elem.kind === 'scalar' && f.wireType === 2 && t.elem.scalar !== 'string' && t.elem.scalar !== 'bytes') {
        for (const v of readPackedVarints(f.bytes ?? Buffer.alloc(0))) list.push(decodeScalar(t.elem.scalar, { number: f.number, wireType: 0, varint: v }));
      } else {
        list.push(decodeValue(t.elem, f));
      }
      out[fs.name] = list;
    } else if (t.kind === 'map') {
      const entry = messageFields(f);
      const key = entry.find((x) => x.number === 1)?.bytes?.toString('utf8') ?? '';
      const valueField = entry.find((x) => x.number === 2);
      const map = (out[fs.name] as Record<string, unknown> | undefined) ?? {};
      map[key] = valueField ? decodeValue(t.value, valueField) : t.value.kind === 'scalar' && t.value.scalar === 'bytes' ? '' : t.value.kind === 'message' ? {} : '';
      out[fs.name] = map;
    } else {
      const v = decodeValue(t, f);
      if (isZero(v)) delete out[fs.name];
      else out[fs.name] = v;
    }
  }
  return out;
}

/**
 * The JSON object of a protobuf body (with apiVersion and kind from its envelope). A body without
 * the magic is a 400; a kind tskube has no protobuf schema for is a 415 (clients then use JSON).
 */
export function decodeProtobufObject(body: Buffer, expectKind: string): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${expectKind}): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]`);
  }
  try {
    const envelope = readFields(body.subarray(4));
    const typeMeta = envelope.find((f) => f.number === 1);
    const raw = envelope.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0);
    const tm = typeMeta ? messageFields(typeMeta) : [];
    const apiVersion = tm.find((f) => f.number === 1)?.bytes?.toString('utf8') ?? '';
    const kind = tm.find((f) => f.number === 2)?.bytes?.toString('utf8') ?? '';
    const schema = messageSchema(schemaNameOf(apiVersion, kind));
    if (!schema) throw unsupportedMediaType(['application/json', 'application/yaml']);
    return { apiVersion, kind, ...decodeMessage(schema, readFields(raw)) };
  } catch (err) {
    if (err instanceof WireError) throw badRequest(`the object provided is unrecognized (must be of type ${expectKind}): ${err.message}`);
    throw err;
  }
}
