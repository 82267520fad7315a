/**
 * Request bodies: reading them under upstream's 3 MiB limit (413), choosing the decoder by
 * Content-Type (415 otherwise), and decoding an object for a kind with upstream's 400 messages
 * (`couldn't get version/kind; json parse error: ...`, `Pod in version "v1" cannot be handled as a
 * Pod: strict decoding error: unknown field "spec.foo"`). Nothing here writes anything.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { invalid as fieldInvalid } from '../../../api/validation/index.js';
import { badRequest, invalid, requestEntityTooLarge, unsupportedMediaType, type ApiError } from '../errors.js';
import { isRecord, type KObject } from '../object.js';
import { apiVersionOf, type ResourceDef } from '../registry/index.js';
import { SchemaTypeError, decodeWithSchema } from '../schema/check.js';
import { goJsonSyntaxError } from './go-json.js';

/** Upstream `MaxRequestBodyBytes`. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** Reads the whole body; a 413 as soon as it exceeds `limit` (the rest is not read). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw requestEntityTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw requestEntityTooLarge(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** The bare media type of a Content-Type header, lower-cased (`application/json`). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export type ObjectFormat = 'json' | 'yaml' | 'protobuf';

/** The decoder for a create/update body; a missing Content-Type is read as JSON. */
export function objectFormat(contentType: string | undefined): ObjectFormat {
  const mt = mediaTypeOf(contentType);
  if (mt === '' || mt === 'application/json') return 'json';
  if (mt === 'application/yaml') return 'yaml';
  if (mt === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  throw unsupportedMediaType(OBJECT_MEDIA_TYPES);
}

/** Upstream `summarizeData`: the body's start as text when it looks like JSON, else as hex. */
function summarize(body: Buffer): string {
  if (body.length === 0) return '<empty>';
  const head = body.subarray(0, 30);
  const more = body.length > 30 ? ' ...' : '';
  return body[0] === 0x7b ? `${head.toString('utf8')}${more}` : `${head.toString('hex')}${more}`;
}

/** go-yaml's texts for the yaml library's error codes where they differ (scanner errors). */
const GO_YAML_PROBLEMS: Readonly<Record<string, string>> = {
  BLOCK_AS_IMPLICIT_KEY: 'mapping values are not allowed in this context',
  TAB_AS_INDENT: 'found character that cannot start any token',
};

/**
 * A YAML syntax error as go-yaml words it: `yaml: line 5: mapping values are not allowed in this
 * context`. go-yaml reports scanner errors at the offending character: for a nested mapping that
 * is the `:` (the yaml library points at the start of the would-be key, maybe a line earlier).
 */
function goYamlError(err: unknown, source: string): string {
  const e = err as { code?: unknown; pos?: number[]; linePos?: { line: number }[]; message?: unknown };
  const text = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '') : String(err);
  const code = typeof e.code === 'string' ? e.code : '';
  const problem = GO_YAML_PROBLEMS[code] ?? text;
  let line = e.linePos?.[0]?.line;
  const start = e.pos?.[0];
  if (code === 'BLOCK_AS_IMPLICIT_KEY' && start !== undefined) {
    const colon = /:(?=[ \t\r\n]|$)/g;
    colon.lastIndex = start;
    const at = colon.exec(source)?.index;
    if (at !== undefined) line = source.slice(0, at).split('\n').length;
  }
  return `yaml: ${line === undefined ? '' : `line ${line}: `}${problem}`;
}

const TYPE_META_STRUCT = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/**
 * Parses JSON or YAML text into a value, with upstream's wording on failure
 * (`the object provided is unrecognized (must be of type Pod): ...`).
 */
export function parseObjectText(body: Buffer, format: 'json' | 'yaml', kind: string): Record<string, unknown> {
  const unrecognized = (why: string): ApiError => badRequest(`the object provided is unrecognized (must be of type ${kind}): ${why} (${summarize(body)})`);
  let value: unknown;
  if (format === 'yaml') {
    const source = body.toString('utf8');
    try {
      value = parseYaml(source);
    } catch (err) {
      throw unrecognized(`error converting YAML to JSON: ${goYamlError(err, source)}`);
    }
  } else {
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw unrecognized(`couldn't get version/kind; json parse error: ${goJsonSyntaxError(body) ?? 'unexpected end of JSON input'}`);
    }
  }
  if (!isRecord(value)) {
    const what = Array.isArray(value) ? 'array' : typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'bool' : 'object';
    if (value === null) throw unrecognized("Object 'Kind' is missing in 'null'");
    throw unrecognized(`couldn't get version/kind; json parse error: json: cannot unmarshal ${what} into Go value of type ${TYPE_META_STRUCT}`);
  }
  for (const key of ['apiVersion', 'kind']) {
    const v = value[key];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw unrecognized(`couldn't get version/kind; json parse error: json: cannot unmarshal ${typeof v === 'number' ? 'number' : 'object'} into Go struct field .${key} of type string`);
    }
  }
  return value;
}

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** The `fieldValidation` query parameter; the server default is Warn. */
export function fieldValidationOf(value: string | null): FieldValidation {
  return value === 'Ignore' || value === 'Strict' ? value : 'Warn';
}

/** Upstream's internal package of a group, for conversion errors (`core.Pod`). */
function internalPackage(group: string): string {
  return group === '' ? 'core' : (group.split('.')[0] ?? group);
}

export interface DecodedObject {
  obj: KObject;
  /** `Warning` header texts (unknown fields under fieldValidation=Warn). */
  warnings: string[];
}

/**
 * Checks a parsed body against the kind it is sent to (`expect`: the endpoint's kind, e.g. a
 * Binding for pods/binding): apiVersion/kind (defaulted when absent), Go types, unknown fields.
 * The body is changed in place (unknown fields and nulls dropped, quantities canonical).
 */
export function checkObject(
  value: Record<string, unknown>,
  expect: Pick<ResourceDef, 'group' | 'version' | 'kind' | 'schema'>,
  validation: FieldValidation,
  mode: 'body' | 'patch' = 'body',
): DecodedObject {
  const gv = apiVersionOf(expect);
  const kind = typeof value.kind === 'string' && value.kind !== '' ? value.kind : expect.kind;
  const apiVersion = typeof value.apiVersion === 'string' && value.apiVersion !== '' ? value.apiVersion : gv;
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  // A patched object that does not decode is upstream's 422 on the field `patch`.
  const patchedText = mode === 'patch' ? JSON.stringify(value) : '';
  const cannot = (why: string): ApiError =>
    mode === 'patch'
      ? invalid('', '', '', [fieldInvalid('patch', patchedText, why)])
      : badRequest(`${kind} in version "${version}" cannot be handled as a ${expect.kind}: ${why}`);
  if (kind !== expect.kind) {
    throw cannot(`converting (${version}.${kind}) to (${internalPackage(expect.group)}.${expect.kind}): unknown conversion`);
  }
  if (apiVersion !== gv) {
    throw cannot(`no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`);
  }
  if (!isRecord(value.metadata)) {
    if (value.metadata !== undefined && value.metadata !== null) {
      throw cannot(`json: cannot unmarshal ${Array.isArray(value.metadata) ? 'array' : typeof value.metadata === 'string' ? 'string' : 'number'} into Go struct field ${expect.kind}.metadata of type v1.ObjectMeta`);
    }
    value.metadata = {};
  }
  value.apiVersion = gv;
  value.kind = expect.kind;
  const warnings: string[] = [];
  if (expect.schema) {
    let unknown: string[];
    try {
      unknown = decodeWithSchema(value, expect.schema).unknownFields;
    } catch (err) {
      if (err instanceof SchemaTypeError) throw cannot(err.message);
      throw err;
    }
    if (unknown.length > 0 && validation === 'Strict') {
      const strict = `strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`;
      throw mode === 'patch' ? badRequest(strict) : cannot(strict);
    }
    if (validation === 'Warn') warnings.push(...unknown.map((f) => `unknown field "${f}"`));
  }
  return { obj: value as KObject, warnings };
}
