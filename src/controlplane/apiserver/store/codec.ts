/**
 * How objects live in storage: JSON without `metadata.resourceVersion` (the key's modRevision is
 * the resourceVersion, set on every read), and how storage errors reach clients.
 */
import { isClosed, isCompacted, isFutureRevision, isTooLarge, isUnavailable, type KeyValue } from '../../storage/index.js';
import { ApiError, internalError, requestEntityTooLarge, resourceExpired, serviceUnavailable, tooLargeResourceVersion } from '../errors.js';
import { isRecord, type KObject } from '../object.js';

/** The object stored under `kv`, with `resourceVersion` set to its modRevision. */
export function decodeKv(kv: KeyValue, resourceVersion: number = kv.modRevision): KObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(kv.value);
  } catch (err) {
    throw internalError(new Error(`stored object ${kv.key} is not valid JSON: ${(err as Error).message}`));
  }
  if (!isRecord(parsed) || !isRecord(parsed.metadata)) throw internalError(new Error(`stored object ${kv.key} has no metadata`));
  const obj = parsed as KObject;
  obj.metadata.resourceVersion = String(resourceVersion);
  return obj;
}

/** A stored object whose text starts with apiVersion, kind and metadata, as `encodeObject` writes it. */
const LIST_ITEM_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * The JSON text of `kv` as a list item (no apiVersion and kind; `metadata.resourceVersion` = its
 * modRevision), spliced from the stored text without parsing it: lists of thousands of objects
 * are mostly decode and encode otherwise. Undefined when the stored text does not have the
 * expected shape (then decode and encode it); the caller checks the value is JSON it wrote.
 */
export function listItemText(kv: KeyValue): string | undefined {
  const head = LIST_ITEM_HEAD.exec(kv.value);
  if (!head || kv.value.includes('"resourceVersion":')) return undefined;
  const rest = kv.value.slice(head[0].length);
  return `{"metadata":{"resourceVersion":"${kv.modRevision}"${rest.startsWith('}') ? '' : ','}${rest}`;
}

/**
 * Index of the `}` closing the JSON object whose `{` is at `open` in `text` (JSON as
 * JSON.stringify writes it), or -1. Strings are skipped whole, so braces inside them do not count.
 */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      // To the closing quote: the next `"` not escaped by an odd run of backslashes.
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q < 0) return -1;
        let backslashes = 0;
        while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
        i = q;
        if (backslashes % 2 === 0) break;
      }
    } else if (ch === 0x7b || ch === 0x5b) {
      depth++;
    } else if (ch === 0x7d || ch === 0x5d) {
      if (--depth === 0) return i;
    }
  }
  return -1;
}

/**
 * `JSON.stringify(decodeKv(kv))` without the parse and the encode: the stored text (`value`, as
 * `encodeObject` wrote it: apiVersion, kind and metadata first, no resourceVersion) with
 * `"resourceVersion":"<revision>"` added as the last field of metadata, where decoding puts it.
 * Undefined when the text does not have that shape (then decode and encode it).
 */
export function objectText(value: string, revision: number): string | undefined {
  const head = LIST_ITEM_HEAD.exec(value);
  if (!head || value.includes('"resourceVersion":')) return undefined;
  const open = head[0].length - 1;
  const close = closingBrace(value, open);
  if (close < 0) return undefined;
  return `${value.slice(0, close)}${close === open + 1 ? '' : ','}"resourceVersion":"${revision}"${value.slice(close)}`;
}

/** The stored form of an object (its resourceVersion left out). */
export function encodeObject(obj: KObject): string {
  // Creates carry none: no copy of the object is needed to leave it out.
  if (!Object.hasOwn(obj.metadata, 'resourceVersion')) return JSON.stringify(obj);
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

/** Maps backend failures to API errors; ApiErrors and unknown errors pass through unchanged. */
export function storageToApiError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  if (isCompacted(err)) return resourceExpired(`too old resource version: ${err.requestedRevision} (${err.compactRevision})`);
  if (isFutureRevision(err)) return tooLargeResourceVersion(err.requestedRevision, err.currentRevision);
  if (isUnavailable(err) || isClosed(err)) return serviceUnavailable(`storage is unavailable: ${err.message}`);
  if (isTooLarge(err)) return requestEntityTooLarge(1536 * 1024);
  return err;
}

/** Parses a resourceVersion parameter: '' and '0' are 0; anything but digits is a 400. */
export function parseResourceVersion(rv: string | undefined): number {
  if (rv === undefined || rv === '') return 0;
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(Number(rv))) {
    throw new ApiError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": invalid syntax`,
      reason: 'BadRequest',
      code: 400,
    });
  }
  return Number(rv);
}
