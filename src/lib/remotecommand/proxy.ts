import http from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { silentLogger, type Logger } from '../logger.js';
import type { UpgradeTlsOptions } from '../spdy/index.js';
import { failureStatus, writeStatusToSocket } from './status.js';

export interface ProxyUpgradeOptions {
  tls?: UpgradeTlsOptions;
  /** Headers to add or override on the upstream request (e.g. the proxy's own Authorization). */
  headers?: Record<string, string | string[]>;
  logger?: Logger;
  /** Deadline for the upstream's answer, in ms. Default 30 000. */
  timeoutMs?: number;
}

/**
 * Request headers that describe the client's hop or its credentials and must not reach the
 * upstream: the target gets its own Host, and callers pass their own credentials in `headers`.
 */
const DROPPED_HEADERS = new Set(['host', 'authorization', 'proxy-authorization', 'proxy-connection', 'keep-alive']);
/** Answer headers we recompute when relaying a buffered non-101 body. */
const DROPPED_ANSWER_HEADERS = new Set(['connection', 'transfer-encoding', 'content-length', 'keep-alive']);
const MAX_RELAYED_BODY = 1024 * 1024;

/**
 * Raw HTTP upgrade proxy: replays the client's upgrade request (method and headers, repeated
 * headers kept as separate lines, since Kubernetes negotiates `X-Stream-Protocol-Version` from them)
 * to `target` (its path and query replace the client's), and then:
 * - on 101, writes the 101 answer to the client and pipes bytes both ways until either side ends;
 * - on any other answer, relays status, headers and body, and closes;
 * - if the target is unreachable, answers 502 with a Status "error dialing backend: ...".
 * Resolves when the exchange is over; never rejects.
 */
export function proxyUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, target: string | URL, opts: ProxyUpgradeOptions = {}): Promise<void> {
  const log = (opts.logger ?? silentLogger()).child({ target: String(target) });
  const url = typeof target === 'string' ? new URL(target) : target;
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const value = req.rawHeaders[i + 1] ?? '';
    if (DROPPED_HEADERS.has(name)) continue;
    const prev = headers[name];
    headers[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value;
  socket.on('error', () => undefined);

  return new Promise<void>((resolve) => {
    const upstreamReq = (url.protocol === 'https:' ? https : http).request(url, {
      method: req.method,
      headers,
      agent: false,
      timeout: opts.timeoutMs ?? 30_000,
      ...(url.protocol === 'https:' ? opts.tls : {}),
    });
    const clientClosed = (): void => void upstreamReq.destroy();
    socket.once('close', clientClosed);

    upstreamReq.on('timeout', () => upstreamReq.destroy(new Error(`timed out waiting for ${url.host} to answer the upgrade`)));
    upstreamReq.on('error', (err) => {
      socket.off('close', clientClosed);
      log.debug({ err }, 'upgrade proxy: upstream request failed');
      writeStatusToSocket(socket, failureStatus(502, 'InternalError', `error dialing backend: ${err.message}`));
      resolve();
    });
    upstreamReq.on('upgrade', (res: http.IncomingMessage, upSocket: Duplex, upHead: Buffer) => {
      socket.off('close', clientClosed);
      upstreamReq.setTimeout(0);
      // The handshake deadline must not apply to the long-lived tunnel.
      if (upSocket instanceof Socket) upSocket.setTimeout(0);
      let answer = `HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}\r\n`;
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answer += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
      socket.write(`${answer}\r\n`);
      if (upHead.length > 0) socket.write(upHead);
      if (head.length > 0) upSocket.write(head);
      upSocket.on('error', (err) => log.debug({ err }, 'upgrade proxy: upstream connection error'));
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        socket.destroy();
        upSocket.destroy();
        resolve();
      };
      socket.pipe(upSocket);
      upSocket.pipe(socket);
      // Half-closes travel through pipe(); a full close or an error on either side ends both.
      socket.once('close', finish);
      upSocket.once('close', finish);
    });
    upstreamReq.on('response', (res: http.IncomingMessage) => {
      socket.off('close', clientClosed);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_RELAYED_BODY) chunks.push(c);
      });
      res.on('error', () => undefined);
      res.on('close', () => {
        const body = Buffer.concat(chunks);
        let answer = `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n`;
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          if (!DROPPED_ANSWER_HEADERS.has((res.rawHeaders[i] ?? '').toLowerCase())) answer += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
        }
        answer += `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
        if (!socket.destroyed) socket.end(Buffer.concat([Buffer.from(answer, 'latin1'), body]));
        resolve();
      });
    });
    upstreamReq.end();
  });
}
