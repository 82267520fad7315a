/**
 * The API server alone in its own process, as bench/apiserver.ts measures it: plain HTTP on
 * loopback (a free port) over SQLite or etcd, periodic compaction off. Prints one JSON line
 * `{"url":...}` on stdout once it serves; SIGTERM closes the server, then the backend, and exits.
 *
 *   tsx bench/lib/apiserver-process.ts sqlite /var/tmp/x/state.db
 *   tsx bench/lib/apiserver-process.ts etcd http://127.0.0.1:2379 /api-bench
 *   tsx bench/lib/apiserver-process.ts bare      # HTTP alone, for reference
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApiServer } from '../../src/controlplane/apiserver/index.js';
import { createEtcdBackend, openSqliteBackend, type Backend } from '../../src/controlplane/storage/index.js';

/** `bare`: no API server, a node:http server that reads each body and answers 201/200 with a pod-sized JSON. */
async function bare(): Promise<void> {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', annotations: { pad: 'x'.repeat(2200) } } });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = req.method === 'POST' ? 201 : 200;
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

async function main(): Promise<void> {
  const [kind, where, keyPrefix] = process.argv.slice(2);
  if (kind === 'bare') return bare();
  const noCompaction = { intervalMs: 0, retainRevisions: 1 };
  let backend: Backend;
  if (kind === 'sqlite' && where) backend = openSqliteBackend({ path: where, compaction: noCompaction });
  else if (kind === 'etcd' && where) backend = createEtcdBackend({ endpoints: where.split(','), keyPrefix: keyPrefix ?? '', compaction: noCompaction });
  else throw new RangeError('usage: apiserver-process.ts sqlite PATH | etcd ENDPOINTS [KEY_PREFIX]');
  const server = await startApiServer({ backend, insecureLoopback: true, port: 0 });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await server.close();
  await backend.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
