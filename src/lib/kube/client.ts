/**
 * A small Kubernetes REST client: JSON over HTTPS with client certificates or a bearer token,
 * Status errors as typed errors, paginated lists and line-delimited watches. It knows paths, not
 * types; callers give the path (`/api/v1/namespaces/default/pods`) and the shape they expect.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface KubeClientOptions {
  /** `https://host:port` (or `http://127.0.0.1:port` for tests). */
  server: string;
  /** PEM; the cluster CA that signed the serving certificate. */
  ca?: string;
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
  token?: string;
  /** Deadline of non-watch requests; default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
}

/** A Kubernetes `Status` failure, with the HTTP code and the `reason` clients branch on. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const isNotFoundError = (err: unknown): boolean => err instanceof KubeApiError && err.code === 404;
export const isConflictError = (err: unknown): boolean => err instanceof KubeApiError && err.code === 409 && err.reason === 'Conflict';
export const isGoneError = (err: unknown): boolean => err instanceof KubeApiError && err.code === 410;

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeClient {
  readonly server: string;
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
  /** Every page of a list (limit 500 each), at one resourceVersion. */
  list<T>(path: string, query?: Query, signal?: AbortSignal): Promise<{ items: T[]; metadata: ListMeta }>;
  create<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  update<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  patch<T>(path: string, body: unknown, type?: 'merge' | 'json' | 'strategic', signal?: AbortSignal): Promise<T>;
  delete<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
  /**
   * Watch events until the server ends the stream or `signal` aborts. An in-stream ERROR (e.g. 410
   * Expired) is thrown as a KubeApiError; the caller re-lists.
   */
  watch<T>(path: string, query: Query, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

const PATCH_TYPES = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' } as const;

function toSearch(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function statusError(code: number, text: string): KubeApiError {
  try {
    const status = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (status.kind === 'Status') return new KubeApiError(code, status.reason ?? '', status.message ?? text, status as Record<string, unknown>);
  } catch {
    // not a Status body
  }
  return new KubeApiError(code, '', text || `HTTP ${code}`);
}

export function createKubeClient(opts: KubeClientOptions): KubeClient {
  const base = new URL(opts.server);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new RangeError(`server must be an http(s) URL, got ${opts.server}`);
  const timeoutMs = opts.timeoutMs ?? 30_000;

  function send(method: string, path: string, query: Query | undefined, body: unknown, contentType: string | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    const url = new URL(path + toSearch(query), base);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': opts.userAgent ?? 'tskube' };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = requestFn(url, { method, headers, ca: opts.ca, cert: opts.cert, key: opts.key, signal }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function readAll(res: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function call<T>(method: string, path: string, query: Query | undefined, body: unknown, contentType: string | undefined, signal: AbortSignal | undefined): Promise<T> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const res = await send(method, path, query, body, contentType, signal ? AbortSignal.any([signal, deadline]) : deadline);
    const text = await readAll(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw statusError(code, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  return {
    server: opts.server,
    get: (path, query, signal) => call('GET', path, query, undefined, undefined, signal),
    async list<T>(path: string, query: Query = {}, signal?: AbortSignal) {
      const items: T[] = [];
      let cont: string | undefined;
      let metadata: ListMeta = {};
      do {
        const page = await call<{ items?: T[]; metadata?: ListMeta }>('GET', path, { ...query, limit: 500, continue: cont }, undefined, undefined, signal);
        items.push(...(page.items ?? []));
        metadata = page.metadata ?? {};
        cont = metadata.continue || undefined;
      } while (cont);
      return { items, metadata: { resourceVersion: metadata.resourceVersion } };
    },
    create: (path, body, signal) => call('POST', path, undefined, body, undefined, signal),
    update: (path, body, signal) => call('PUT', path, undefined, body, undefined, signal),
    patch: (path, body, type = 'merge', signal) => call('PATCH', path, undefined, body, PATCH_TYPES[type], signal),
    delete: (path, body, signal) => call('DELETE', path, undefined, body, undefined, signal),
    async *watch<T>(path: string, query: Query, signal: AbortSignal): AsyncGenerator<WatchEvent<T>> {
      const res = await send('GET', path, { ...query, watch: true }, undefined, undefined, signal);
      const code = res.statusCode ?? 0;
      if (code < 200 || code > 299) throw statusError(code, await readAll(res));
      let buffered = '';
      try {
        for await (const chunk of res) {
          buffered += (chunk as Buffer).toString('utf8');
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (!line) continue;
            const ev = JSON.parse(line) as { type: string; object: Record<string, unknown> };
            if (ev.type === 'ERROR') {
              const st = ev.object as { code?: number; reason?: string; message?: string };
              throw new KubeApiError(st.code ?? 500, st.reason ?? '', st.message ?? 'watch error', ev.object);
            }
            yield ev as WatchEvent<T>;
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      } finally {
        res.destroy();
      }
    },
  };
}
