/**
 * `continue` tokens as upstream's etcd3 store encodes them: base64url (no padding) of
 * `{"v":"meta.k8s.io/v1","rv":<list revision>,"start":"<next key, relative to the list prefix>"}`,
 * so a page is read at the revision of the first page. Decoding errors use upstream's messages.
 */
import { posix } from 'node:path';

const VERSION = 'meta.k8s.io/v1';

export class ContinueTokenError extends Error {
  override readonly name = 'ContinueTokenError';
}

/** Encodes the token for a list of `prefix` that continues at `nextKey` (inside `prefix`) at `revision`. */
export function encodeContinue(nextKey: string, prefix: string, revision: number): string {
  const start = nextKey.startsWith(prefix) ? nextKey.slice(prefix.length) : nextKey;
  return Buffer.from(JSON.stringify({ v: VERSION, rv: revision, start }), 'utf8').toString('base64url');
}

/**
 * The full start key and revision (0: latest) of a token for a list of `prefix`; throws
 * ContinueTokenError.
 */
export function decodeContinue(token: string, prefix: string): { startKey: string; revision: number } {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new ContinueTokenError('continue key is not valid: illegal base64 data');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (err) {
    throw new ContinueTokenError(`continue key is not valid: ${(err as Error).message}`);
  }
  const c = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (c.v !== VERSION) throw new ContinueTokenError(`continue key is not valid: server does not recognize this encoded version ${String(c.v ?? '')}`);
  const rv = c.rv;
  // -1 (from a 410's inconsistent-continue token) means: go on at the latest revision.
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv === 0 || rv < -1) {
    throw new ContinueTokenError('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  const start = typeof c.start === 'string' ? c.start : '';
  if (start === '') throw new ContinueTokenError('continue key is not valid: encoded start key empty (version meta.k8s.io/v1)');
  // Path traversal defence, as upstream: the key must already be clean.
  const key = start.startsWith('/') ? start : `/${start}`;
  const normalized = posix.normalize(key);
  const cleaned = normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
  if (cleaned !== key) {
    throw new ContinueTokenError(`continue key is not valid: ${start}`);
  }
  return { startKey: prefix + key.slice(1), revision: rv === -1 ? 0 : rv };
}

/** Upstream's 410 message when the revision of a continue token was compacted. */
export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';
