import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../lib/logger.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kubelet } from './kubelet.js';
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
    if (!res.headersSent) res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`);
    else res.end();
  }
}

export interface KubeletServer {
  /** `host:port` it listens on. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * The local kubelet API (plain HTTP, loopback by default, until the node-agent issue brings the
 * authenticated :10250): `/healthz` (with `?verbose` the per-check lines upstream prints),
 * `/pods` (a v1 PodList of the pods this kubelet runs, with their status), and `/events` (a
 * tskube addition for standalone nodes: the recent pod events, since there is no API server).
 */
export async function startKubeletServer(kubelet: Pick<Kubelet, 'pods' | 'healthz' | 'events' | 'containerLogPath'>, opts: { host?: string; port: number; logger: Logger }): Promise<KubeletServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
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
        res.writeHead(h.ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(body);
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
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  opts.logger.info({ address: `${addr.address}:${addr.port}` }, 'kubelet API listening');
  return {
    address: `${addr.address}:${addr.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
