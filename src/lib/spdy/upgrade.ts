import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdySessionOptions } from './session.js';

/** TLS settings for https targets (same meaning as in `tls.connect`). */
export interface UpgradeTlsOptions {
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Default true. */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface HttpUpgradeOptions {
  url: string | URL;
  /** Default 'POST' (what kubectl and the API server use for SPDY). */
  method?: 'GET' | 'POST';
  /** The `Upgrade` header value. Default 'SPDY/3.1'. */
  upgrade?: string;
  /** Offered subprotocols, one `X-Stream-Protocol-Version` header each, most preferred first. */
  protocols: string[];
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string | string[]>;
  tls?: UpgradeTlsOptions;
  /** Aborts the handshake (not the upgraded connection). */
  signal?: AbortSignal;
  /** Handshake deadline in ms. Default 30 000. */
  timeoutMs?: number;
}

export interface HttpUpgradeResult {
  /** The raw upgraded connection; bytes that arrived with the 101 are already unshifted into it. */
  socket: Duplex;
  /** The negotiated `X-Stream-Protocol-Version` ('' if the server named none). */
  protocol: string;
  headers: http.IncomingHttpHeaders;
}

/** The server answered the upgrade with something other than 101. */
export class UpgradeError extends Error {
  readonly code = 'UpgradeFailed';
  constructor(
    readonly statusCode: number,
    readonly body: string,
    readonly headers: http.IncomingHttpHeaders,
  ) {
    super(`upgrade request failed: HTTP ${statusCode}${body ? `: ${body.trim().slice(0, 500)}` : ''}`);
  }
}

const MAX_ERROR_BODY = 64 * 1024;

/**
 * Performs an HTTP/1.1 upgrade (`Connection: Upgrade`) and hands back the raw socket. Resolves on
 * 101; rejects with UpgradeError (status and body) on any other answer, or with the network error.
 */
export function httpUpgrade(opts: HttpUpgradeOptions): Promise<HttpUpgradeResult> {
  const url = typeof opts.url === 'string' ? new URL(opts.url) : opts.url;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new RangeError(`url: unsupported scheme ${JSON.stringify(url.protocol)}, want http: or https:`));
  }
  if (opts.protocols.length === 0) return Promise.reject(new RangeError('protocols: at least one protocol is required'));
  const method = opts.method ?? 'POST';
  const headers: http.OutgoingHttpHeaders = {
    ...opts.headers,
    Connection: 'Upgrade',
    Upgrade: opts.upgrade ?? 'SPDY/3.1',
    'X-Stream-Protocol-Version': opts.protocols,
  };
  if (method === 'POST') headers['Content-Length'] = '0';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);

  return new Promise<HttpUpgradeResult>((resolve, reject) => {
    const reqOpts: https.RequestOptions = {
      method,
      headers,
      // A pooled keep-alive socket must never be hijacked by an upgrade.
      agent: false,
      ...(url.protocol === 'https:' ? opts.tls : {}),
    };
    const req = (url.protocol === 'https:' ? https : http).request(url, reqOpts);
    // The signal covers the handshake only, so it is detached as soon as an answer arrives.
    const onAbort = (): void => {
      req.destroy(signal.reason instanceof Error ? signal.reason : new Error(`upgrade to ${url.host} aborted`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal.removeEventListener('abort', onAbort);
    req.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      settle();
      if (head.length > 0) socket.unshift(head);
      const negotiated = res.headers['x-stream-protocol-version'];
      resolve({ socket, protocol: (Array.isArray(negotiated) ? negotiated[0] : negotiated) ?? '', headers: res.headers });
    });
    req.on('response', (res: http.IncomingMessage) => {
      settle();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => reject(new UpgradeError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers)));
      res.on('error', reject);
    });
    req.on('error', (err) => {
      settle();
      reject(err);
    });
    req.end();
  });
}

export interface SpdyUpgradeOptions extends Omit<HttpUpgradeOptions, 'upgrade'> {
  session?: SpdySessionOptions;
}

/**
 * `httpUpgrade` with `Upgrade: SPDY/3.1`, then a client SpdySession on the connection. Rejects if
 * the server picked none of `protocols` (Kubernetes servers answer 403 themselves in that case,
 * but an empty answer means the peer would not speak a protocol we know).
 */
export async function spdyUpgrade(opts: SpdyUpgradeOptions): Promise<{ session: SpdySession; protocol: string }> {
  const { socket, protocol } = await httpUpgrade({ ...opts, upgrade: 'SPDY/3.1' });
  if (protocol !== '' && !opts.protocols.includes(protocol)) {
    socket.destroy();
    throw new UpgradeError(101, `server chose unsupported X-Stream-Protocol-Version ${JSON.stringify(protocol)}`, {});
  }
  return { session: new SpdySession(socket, opts.session), protocol };
}
