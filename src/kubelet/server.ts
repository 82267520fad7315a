import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../lib/logger.js';
import { proxyUpgrade } from '../lib/remotecommand/index.js';
import type { Kubelet, StreamRequest } from './kubelet.js';
import { streamContainerLog } from './logs.js';

/** `/containerLogs/NS/POD/CONTAINER?follow&tailLines&timestamps&previous&sinceSeconds&limitBytes`, as upstream. */
async function serveLogs(
  kubelet: Pick<Kubelet, 'containerLogPath'>,
  [ns, pod, container]: [string, string, string],
  q: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const flag = (k: string): boolean => q.get(k) === 'true' || q.get(k) === '1';
  const int = (k: string): number | undefined => (q.has(k) ? Number(q.get(k)) : undefined);
  const ac = new AbortController();
  req.on('close', () => ac.abort());
  try {
    const path = await kubelet.containerLogPath(ns, pod, container, flag('previous'));
    const since = int('sinceSeconds');
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.flushHeaders();
    await streamContainerLog(
      path,
      { follow: flag('follow'), timestamps: flag('timestamps'), tailLines: int('tailLines'), limitBytes: int('limitBytes'), sinceMs: since === undefined ? undefined : Date.now() - since * 1000 },
      (chunk) => res.write(chunk),
      ac.signal,
    );
    res.end();
  } catch (err) {
    // Upstream: 404 for a pod it does not run, 400 for a container without (previous) logs.
    const message = (err as Error).message;
    if (!res.headersSent) res.writeHead(/^pod "[^"]*" not found$/.test(message) ? 404 : 400, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
    else res.end();
  }
}

export interface KubeletServer {
  /** `host:port` it listens on. */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface KubeletServerOptions {
  host?: string;
  port: number;
  logger: Logger;
  /**
   * Serve HTTPS with this certificate (the authenticated kubelet API, upstream's :10250). Clients
   * must present a certificate signed by `clientCaPem` whose groups include `system:masters` (the
   * API server's kubelet client certificate) for everything but `/healthz`; webhook authn/authz comes
   * with the security issue. Without `tls` the server is the plain-HTTP read-only API (loopback).
   */
  tls?: { certPem: string; keyPem: string; clientCaPem: string };
  /** `/stats/summary` (the stats/v1alpha1 Summary) and `/metrics` (Prometheus text); 404 without. */
  stats?: { summary(signal: AbortSignal): Promise<object>; metrics(signal: AbortSignal): Promise<string> };
}

type ServedKubelet = Pick<Kubelet, 'pods' | 'healthz' | 'events' | 'containerLogPath' | 'streamingUrl'>;

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };

/** Who the client certificate says the caller is: 'anonymous' without one, 'invalid' when it does not verify. */
function clientIdentity(req: IncomingMessage): { name: string; groups: string[] } | 'anonymous' | 'invalid' {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return 'anonymous';
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return 'anonymous';
  if (!socket.authorized) return 'invalid';
  const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return { name: list(subject.CN)[0] ?? '', groups: list(subject.O) };
}

/** 401/403 text for a request the secure port must refuse, or null when it may go on. */
function refusal(req: IncomingMessage, path: string): { code: number; text: string } | null {
  if (path === '/healthz') return null;
  const who = clientIdentity(req);
  if (who === 'anonymous' || who === 'invalid') return { code: 401, text: 'Unauthorized' };
  if (!who.groups.includes('system:masters')) {
    return { code: 403, text: `Forbidden (user=${who.name}, verb=${req.method === 'GET' ? 'get' : 'create'}, resource=nodes, subresource=proxy)` };
  }
  return null;
}

const bool = (q: URLSearchParams, ...keys: string[]): boolean => keys.some((k) => q.get(k) === 'true' || q.get(k) === '1');

/**
 * `/exec/NS/POD/CONTAINER?command=..&stdin=1...`, `/attach/NS/POD/CONTAINER`, `/portForward/NS/POD`.
 * The stream flags come under the kubelet's names (`stdin`...) or the API server's (`input`,
 * `output`, `error`), as upstream accepts both.
 */
export function parseStreamRequest(path: string, q: URLSearchParams): StreamRequest | undefined {
  const m = /^\/(exec|attach|portForward)\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (!m) return undefined;
  const [, kind, ns = '', pod = '', container] = m.map((v) => (v === undefined ? v : decodeURIComponent(v)));
  if (kind === 'portForward') {
    if (container !== undefined) return undefined;
    return { kind, namespace: ns, pod, ports: q.getAll('port').map(Number).filter((p) => Number.isInteger(p) && p > 0 && p < 65536) };
  }
  if (container === undefined) return undefined;
  const tty = bool(q, 'tty');
  // A TTY merges stderr into stdout: upstream drops stderr rather than wait for a stream that never comes.
  const streams = { stdin: bool(q, 'stdin', 'input'), stdout: bool(q, 'stdout', 'output'), stderr: bool(q, 'stderr', 'error') && !tty, tty };
  if (kind === 'exec') return { kind, namespace: ns, pod, container, cmd: q.getAll('command'), ...streams };
  return { kind: 'attach', namespace: ns, pod, container, ...streams };
}

/** Writes a plain HTTP answer on a socket whose upgrade is refused. */
function refuseUpgrade(socket: Duplex, code: number, text: string): void {
  const body = `${text}\n`;
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * The kubelet API. Over HTTPS (`tls`) it is upstream's authenticated :10250: `/healthz`, `/pods`,
 * `/containerLogs`, and the upgrades `/exec`, `/attach`, `/portForward`, which it hands to the
 * container runtime's streaming server byte for byte (as upstream's kubelet proxies CRI streams).
 * Without `tls` it is the read-only API on loopback (`/healthz`, `/pods`, `/containerLogs`, and
 * `/events`, a tskube addition for standalone nodes: the recent pod events, since there is no API
 * server to keep them).
 */
export async function startKubeletServer(kubelet: ServedKubelet, opts: KubeletServerOptions): Promise<KubeletServer> {
  const secure = opts.tls !== undefined;
  const log = opts.logger;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refused = secure ? refusal(req, url.pathname) : null;
    if (refused) {
      res.writeHead(refused.code, TEXT).end(`${refused.text}\n`);
      return;
    }
    if (parseStreamRequest(url.pathname, url.searchParams)) {
      res.writeHead(400, TEXT).end('Upgrade request required\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const logs = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (logs) {
      void serveLogs(kubelet, logs.slice(1).map(decodeURIComponent) as [string, string, string], url.searchParams, req, res);
      return;
    }
    switch (url.pathname) {
      case '/healthz': {
        const h = kubelet.healthz();
        const lines = Object.entries(h.checks).map(([name, v]) => (v === 'ok' ? `[+]${name} ok` : `[-]${name} failed: ${v}`));
        const body = url.searchParams.has('verbose') ? `${lines.join('\n')}\nhealthz check ${h.ok ? 'passed' : 'failed'}\n` : h.ok ? 'ok' : `${lines.filter((l) => l.startsWith('[-]')).join('\n')}\nhealthz check failed\n`;
        res.writeHead(h.ok ? 200 : 500, TEXT).end(body);
        return;
      }
      case '/pods': {
        const items = kubelet.pods().map(({ pod, status }) => ({ ...pod, apiVersion: 'v1', kind: 'Pod', status: status ?? pod.status ?? {} }));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items }));
        return;
      }
      case '/events': {
        const items = kubelet.events().map((e) => ({ involvedObject: { kind: 'Pod', uid: e.podUid, fieldPath: e.container ? `spec.containers{${e.container}}` : undefined }, type: e.type, reason: e.reason, message: e.message }));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'EventList', apiVersion: 'v1', metadata: {}, items }));
        return;
      }
      case '/stats/summary':
      case '/metrics': {
        const { stats } = opts;
        if (!stats) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
        const ac = new AbortController();
        res.on('close', () => ac.abort());
        const json = url.pathname === '/stats/summary';
        (json ? stats.summary(ac.signal).then((s) => JSON.stringify(s)) : stats.metrics(ac.signal)).then(
          (body) => res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'text/plain; version=0.0.4; charset=utf-8' }).end(body),
          (err: unknown) => res.writeHead(500, TEXT).end(`${(err as Error).message}\n`),
        );
        return;
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
    }
  };

  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, ca: opts.tls.clientCaPem, requestCert: true, rejectUnauthorized: false }, handler)
    : createServer(handler);
  // Logs with follow and streams are long requests.
  server.requestTimeout = 0;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const stream = secure ? parseStreamRequest(url.pathname, url.searchParams) : undefined;
    if (!stream) return refuseUpgrade(socket, 404, '404 page not found');
    const refused = refusal(req, url.pathname);
    if (refused) return refuseUpgrade(socket, refused.code, refused.text);
    socket.on('error', () => socket.destroy());
    kubelet
      .streamingUrl(stream)
      .then((target) => proxyUpgrade(req, socket, head, target, { logger: log }))
      .catch((err: unknown) => {
        log.info({ path: url.pathname, err: (err as Error).message }, 'stream refused');
        if (!socket.destroyed) refuseUpgrade(socket, 500, (err as Error).message);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  log.info({ address: `${addr.address}:${addr.port}`, secure }, 'kubelet API listening');
  return {
    address: `${host}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
