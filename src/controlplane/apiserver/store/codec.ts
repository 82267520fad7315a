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

/** The stored form of an object (its resourceVersion left out). */
export function encodeObject(obj: KObject): string {
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
