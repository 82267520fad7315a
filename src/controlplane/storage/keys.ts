/**
 * Keys, key ranges and argument checks shared by the backends. Keys order by Unicode code point,
 * which is the UTF-8 byte order etcd and SQLite (BINARY collation) use, so every backend lists in
 * the same order.
 */
import { CompactedError, FutureRevisionError } from './errors.js';

/** Largest value the backends accept by default: etcd's default request limit (--max-request-bytes). */
export const DEFAULT_MAX_VALUE_BYTES = 1536 * 1024;

/** Half-open key range [start, end); `end === ''` means no upper bound. */
export interface KeyRange {
  readonly start: string;
  readonly end: string;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Rejects keys that are not non-empty, well-formed strings (they would not survive UTF-8). */
export function checkKey(key: unknown, what = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new RangeError(`${what} must be a non-empty string`);
  if (LONE_SURROGATE.test(key)) throw new RangeError(`${what} ${JSON.stringify(key)} contains a lone surrogate`);
}

/** Rejects revisions that are not positive safe integers. */
export function checkRevision(rev: unknown, what: string): asserts rev is number {
  if (typeof rev !== 'number' || !Number.isSafeInteger(rev) || rev < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${String(rev)}`);
  }
}

export function checkValue(value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new RangeError('value must be a string');
}

export function checkTtl(ttlSeconds: unknown): void {
  if (ttlSeconds === undefined) return;
  if (typeof ttlSeconds !== 'number' || !Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${String(ttlSeconds)}`);
  }
}

export function checkLimit(limit: unknown): void {
  if (limit === undefined) return;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0) {
    throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
  }
}

/** UTF-8 size of a value, counted only when it could exceed `limit` (most values are far below). */
export function utf8Size(value: string, limit: number): number {
  return value.length * 3 <= limit ? value.length : Buffer.byteLength(value, 'utf8');
}

/**
 * The smallest string greater than every string starting with `prefix` (code point order), or ''
 * when there is none (the prefix is all U+10FFFF).
 */
export function prefixEnd(prefix: string): string {
  const cps = Array.from(prefix, (ch) => ch.codePointAt(0) ?? 0);
  while (cps.length > 0) {
    const last = cps.pop() ?? 0;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...cps, next);
    }
  }
  return '';
}

export function prefixRange(prefix: string): KeyRange {
  return { start: prefix, end: prefixEnd(prefix) };
}

/** The range a list reads: the prefix, starting at `startKey` when given (which must be inside it). */
export function listRange(prefix: string, startKey: string | undefined): KeyRange {
  checkKey(prefix, 'prefix');
  const range = prefixRange(prefix);
  if (startKey === undefined) return range;
  checkKey(startKey, 'startKey');
  if (!startKey.startsWith(prefix)) {
    throw new RangeError(`startKey ${JSON.stringify(startKey)} is outside prefix ${JSON.stringify(prefix)}`);
  }
  return { start: startKey, end: range.end };
}

/** Continue key of a page that ended at `lastKey`: the next possible key (etcd's `key + "\x00"`). */
export function keyAfter(lastKey: string): string {
  return `${lastKey}\u0000`;
}

// Maps a UTF-16 code unit so that numeric order equals code point order: surrogates (which encode
// code points above U+FFFF) move above U+E000..U+FFFF.
function unitRank(u: number): number {
  if (u < 0xd800) return u;
  return u < 0xe000 ? u + 0x2000 : u - 0x800;
}

/** Compares keys by code point (UTF-8 byte order), unlike `<` on JS strings (UTF-16 units). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return unitRank(x) - unitRank(y);
  }
  return a.length - b.length;
}

export function inRange(key: string, range: KeyRange): boolean {
  return compareKeys(key, range.start) >= 0 && (range.end === '' || compareKeys(key, range.end) < 0);
}

/**
 * The revision a read is served at: `requested` (0 or undefined: `current`), checked against the
 * compaction point and the current revision.
 */
export function readRevision(requested: number | undefined, current: number, compacted: number): number {
  if (requested === undefined || requested === 0) return current;
  checkRevision(requested, 'revision');
  if (requested < compacted) throw new CompactedError(requested, compacted);
  if (requested > current) throw new FutureRevisionError(requested, current);
  return requested;
}
