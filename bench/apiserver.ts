/**
 * The API server against the raw storage backend under it, in the same run, on SQLite and on etcd:
 * creates/s and gets/s of ~1.5 KB pods (16 requests in flight), the time to list 10,000 pods (in
 * one response, and in pages of 500 with `continue`; best of 3), and watch delivery latency with 100
 * concurrent watchers (event received minus write acknowledged, p50/p99). "API" is the server
 * alone in its own process (bench/lib/apiserver-process.ts) reached over HTTP/1.1 keep-alive on
 * loopback; "raw" is the tskube `Backend` (create/get/list/watch) called directly in this process.
 * Targets: API creates/s >= 50% of raw; list 10,000 pods < 1 s. For scale, the same client against
 * a bare node:http server (reads the body, answers a pod-sized JSON) shows what HTTP alone costs.
 *
 *   npm run bench -- apiserver
 *   TSKUBE_BENCH_CPU_PROF=/var/tmp/prof npm run bench -- apiserver   # profiles the server process
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createEtcdBackend, openSqliteBackend, type Backend } from '../src/controlplane/storage/index.js';
import { startEtcd } from '../test/integration/helpers/etcd.js';
import { summarize } from './lib/stats.js';
import { benchPodSpec, pool } from './lib/workload.js';

const N = 10_000;
const CONCURRENCY = 16;
const WATCHERS = 100;
const WATCH_EVENTS = 200;
const PAGE = 500;
const LIST_ROUNDS = 3;

interface Figures {
  createsPerS: number;
  getsPerS: number;
  listMs: number;
  pagedListMs: number;
  watchP50: number;
  watchP99: number;
}

/** What each side does; `i` numbers the pods `web-00000`... */
interface Contender {
  create(i: number): Promise<void>;
  get(i: number): Promise<void>;
  /** Lists every pod of the bench namespace, in one go or in pages; returns how many came back. */
  list(pageSize?: number): Promise<number>;
  /** Latency samples (ms) of `events` creates seen by `watchers` watchers. */
  watchLatency(watchers: number, events: number): Promise<number[]>;
  close(): Promise<void>;
}

const podName = (i: number): string => `web-${String(i).padStart(5, '0')}`;

function podJson(name: string, namespace: string, i: number): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'web', 'pod-template-hash': '7d9c8b6f5' },
      annotations: { 'bench/pad': 'x'.repeat(600) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9c8b6f5', uid: '0a1b2c3d-0000-4000-8000-000000000001', controller: true }],
    },
    spec: benchPodSpec(i),
  };
  return JSON.stringify(pod);
}


async function measure(c: Contender): Promise<Figures> {
  const createMs = await pool(N, CONCURRENCY, (i) => c.create(i));
  const getMs = await pool(N, CONCURRENCY, (i) => c.get((i * 7919) % N));
  // Lists: best of LIST_ROUNDS (the machine is shared; one slow run says little).
  let listMs = Infinity;
  let pagedListMs = Infinity;
  for (let r = 0; r < LIST_ROUNDS; r++) {
    let started = performance.now();
    const listed = await c.list();
    listMs = Math.min(listMs, performance.now() - started);
    started = performance.now();
    const paged = await c.list(PAGE);
    pagedListMs = Math.min(pagedListMs, performance.now() - started);
    if (listed !== N || paged !== N) throw new Error(`list returned ${listed} (paged: ${paged}) pods, expected ${N}`);
  }
  const lat = summarize(await c.watchLatency(WATCHERS, WATCH_EVENTS));
  if (lat.n !== WATCHERS * WATCH_EVENTS) throw new Error(`watch: ${lat.n} deliveries, expected ${WATCHERS * WATCH_EVENTS}`);
  return { createsPerS: (N / createMs) * 1000, getsPerS: (N / getMs) * 1000, listMs, pagedListMs, watchP50: lat.p50, watchP99: lat.p99 };
}

/** Writes `events` keys one at a time while `watchers` watch them; latency = received - acknowledged. */
async function latencies(watchers: number, events: number, write: (e: number) => Promise<void>, received: Map<number, number>[]): Promise<number[]> {
  const acked: number[] = [];
  for (let e = 0; e < events; e++) {
    await write(e);
    acked[e] = performance.now();
    // A short pause: this measures delivery, not throughput.
    await new Promise((r) => setTimeout(r, 2));
  }
  const deadline = Date.now() + 60_000;
  while (received.some((m) => m.size < events)) {
    if (Date.now() > deadline) throw new Error(`watch: only ${received.reduce((s, m) => s + m.size, 0)} of ${watchers * events} deliveries after 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return received.flatMap((m) => [...m].map(([e, t]) => t - (acked[e] ?? NaN)));
}

// ---- raw: the Backend, directly -------------------------------------------------------------

function rawContender(backend: Backend): Contender {
  const prefix = '/registry/pods/bench/';
  return {
    async create(i) {
      await backend.create(prefix + podName(i), podJson(podName(i), 'bench', i));
    },
    async get(i) {
      const r = await backend.get(prefix + podName(i));
      if (!r.kv) throw new Error(`raw get ${podName(i)}: not found`);
    },
    async list(pageSize) {
      if (pageSize === undefined) return (await backend.list(prefix)).kvs.length;
      let count = 0;
      let startKey: string | undefined;
      let revision: number | undefined;
      for (;;) {
        const page = await backend.list(prefix, { limit: pageSize, ...(startKey ? { startKey } : {}), ...(revision ? { revision } : {}) });
        count += page.kvs.length;
        revision = page.revision;
        if (!page.more || !page.nextKey) return count;
        startKey = page.nextKey;
      }
    },
    async watchLatency(watchers, events) {
      const wprefix = '/registry/pods/bench-watch/';
      const from = await backend.currentRevision();
      const ac = new AbortController();
      setMaxListeners(watchers + 10, ac.signal);
      const received = Array.from({ length: watchers }, () => new Map<number, number>());
      const loops = received.map(async (got) => {
        try {
          for await (const ev of backend.watch(wprefix, { fromRevision: from, signal: ac.signal })) {
            if (ev.type === 'put') got.set(Number(ev.kv.key.slice(wprefix.length + 2)), performance.now());
            if (got.size >= events) return;
          }
        } catch (err) {
          if (!ac.signal.aborted) throw err;
        }
      });
      try {
        return await latencies(watchers, events, async (e) => {
          await backend.create(`${wprefix}w-${e}`, podJson(`w-${e}`, 'bench-watch', e));
        }, received);
      } finally {
        ac.abort();
        await Promise.all(loops);
      }
    },
    close: () => backend.close(),
  };
}

// ---- API: the server in its own process, over HTTP ------------------------------------------

interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

async function startServerProcess(args: string[]): Promise<ServerProcess> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'apiserver-process.ts');
  const prof = process.env.TSKUBE_BENCH_CPU_PROF;
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  const url = await new Promise<string>((resolveUrl, reject) => {
    lines.once('line', (line) => resolveUrl((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`API server process exited (${String(code)}) before serving`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface HttpAnswer {
  status: number;
  body: string;
}

function apiContender(server: ServerProcess): Contender {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const base = new URL(server.url);
  const call = (method: string, path: string, body?: string): Promise<HttpAnswer> =>
    new Promise((resolveAnswer, reject) => {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const req = request({ host: base.hostname, port: base.port, method, path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const expectStatus = (a: HttpAnswer, code: number, what: string): HttpAnswer => {
    if (a.status !== code) throw new Error(`${what}: HTTP ${a.status}: ${a.body.slice(0, 300)}`);
    return a;
  };
  const pods = (ns: string): string => `/api/v1/namespaces/${ns}/pods`;

  return {
    async create(i) {
      expectStatus(await call('POST', pods('bench'), podJson(podName(i), 'bench', i)), 201, `create ${podName(i)}`);
    },
    async get(i) {
      expectStatus(await call('GET', `${pods('bench')}/${podName(i)}`), 200, `get ${podName(i)}`);
    },
    async list(pageSize) {
      // Timed until the last byte arrives; counting the items (JSON.parse) is not part of it.
      const bodies: string[] = [];
      let cont = '';
      for (;;) {
        const q = pageSize === undefined ? '' : `?limit=${pageSize}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
        const a = expectStatus(await call('GET', pods('bench') + q), 200, 'list');
        bodies.push(a.body);
        if (pageSize === undefined) break;
        cont = /"continue":"([^"]*)"/.exec(a.body.slice(0, 1000))?.[1] ?? '';
        if (!cont) break;
      }
      return bodies.reduce((n, b) => n + (JSON.parse(b) as { items: unknown[] }).items.length, 0);
    },
    async watchLatency(watchers, events) {
      expectStatus(await call('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-watch' } })), 201, 'create namespace');
      const rv = (JSON.parse(expectStatus(await call('GET', pods('bench-watch')), 200, 'list').body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const received = Array.from({ length: watchers }, () => new Map<number, number>());
      const watchAgent = new Agent({ keepAlive: false, maxSockets: Infinity });
      const requests = await Promise.all(
        received.map(
          (got) =>
            new Promise<ReturnType<typeof request>>((ready, reject) => {
              const req = request({ host: base.hostname, port: base.port, path: `${pods('bench-watch')}?watch=true&resourceVersion=${rv}`, agent: watchAgent }, (res) => {
                if (res.statusCode !== 200) reject(new Error(`watch: HTTP ${String(res.statusCode)}`));
                let rest = '';
                res.setEncoding('utf8');
                res.on('data', (d: string) => {
                  const now = performance.now();
                  rest += d;
                  let nl: number;
                  while ((nl = rest.indexOf('\n')) >= 0) {
                    const line = rest.slice(0, nl);
                    rest = rest.slice(nl + 1);
                    const m = /"name":"w-(\d+)"/.exec(line);
                    if (m && line.startsWith('{"type":"ADDED"')) got.set(Number(m[1]), now);
                  }
                });
                res.on('error', () => undefined);
                ready(req);
              });
              req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
              req.end();
            }),
        ),
      );
      try {
        return await latencies(watchers, events, async (e) => {
          expectStatus(await call('POST', pods('bench-watch'), podJson(`w-${e}`, 'bench-watch', e)), 201, 'create');
        }, received);
      } finally {
        for (const r of requests) r.destroy();
        watchAgent.destroy();
      }
    },
    async close() {
      agent.destroy();
      await server.stop();
    },
  };
}

async function createNamespace(server: ServerProcess, name: string): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/namespaces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) });
  if (res.status !== 201) throw new Error(`create namespace ${name}: HTTP ${res.status}: ${await res.text()}`);
}

// ---- reference: what HTTP alone costs ------------------------------------------------------

/**
 * creates/s and gets/s against a bare node:http server in its own process that reads the body and
 * answers a stored-size pod, with the same client: the ceiling any Node API server has here.
 */
async function bareHttp(): Promise<{ createsPerS: number; getsPerS: number }> {
  const server = await startServerProcess(['bare']);
  const api = apiContender(server);
  try {
    const createMs = await pool(N, CONCURRENCY, (i) => api.create(i));
    const getMs = await pool(N, CONCURRENCY, (i) => api.get(i));
    return { createsPerS: (N / createMs) * 1000, getsPerS: (N / getMs) * 1000 };
  } finally {
    await api.close();
  }
}

// ---- report ---------------------------------------------------------------------------------

const col = (s: string): string => s.padStart(12);
const rate = (v: number): string => col(Math.round(v).toLocaleString('en-US'));
const msec = (v: number): string => col(`${v.toFixed(v < 10 ? 2 : 0)} ms`);

function report(title: string, api: Figures, raw: Figures, bare: { createsPerS: number; getsPerS: number }): void {
  console.log(title);
  console.log(`  ${'operation'.padEnd(34)}${col('API')}${col('raw')}   API/raw`);
  const row = (name: string, a: number, r: number, fmt: (v: number) => string): void => console.log(`  ${name.padEnd(34)}${fmt(a)}${fmt(r)}   ${(a / r).toFixed(2)}`);
  row(`creates/s (${CONCURRENCY} in flight)`, api.createsPerS, raw.createsPerS, rate);
  row(`gets/s (${CONCURRENCY} in flight)`, api.getsPerS, raw.getsPerS, rate);
  console.log(`  ${'  bare node:http (no API work)'.padEnd(34)}${rate(bare.createsPerS)} creates/s ${rate(bare.getsPerS)} gets/s`);
  row(`list ${N.toLocaleString('en-US')} pods`, api.listMs, raw.listMs, msec);
  row(`list ${N.toLocaleString('en-US')} pods, limit=${PAGE}`, api.pagedListMs, raw.pagedListMs, msec);
  row(`watch latency p50 (${WATCHERS} watchers)`, api.watchP50, raw.watchP50, msec);
  row(`watch latency p99 (${WATCHERS} watchers)`, api.watchP99, raw.watchP99, msec);
  const createRatio = api.createsPerS / raw.createsPerS;
  console.log(
    `  targets: API creates >= 50% of raw: ${(createRatio * 100).toFixed(0)}% ${createRatio >= 0.5 ? 'met' : 'MISSED'}; ` +
      `list ${N.toLocaleString('en-US')} pods < 1 s: ${api.listMs.toFixed(0)} ms ${api.listMs < 1000 ? 'met' : 'MISSED'}`,
  );
}

/** Runs both sides, raw first, and returns [API, raw]. */
async function side(api: () => Promise<Contender>, raw: () => Contender): Promise<[Figures, Figures]> {
  const r = raw();
  let rawFigures: Figures;
  try {
    rawFigures = await measure(r);
  } finally {
    await r.close();
  }
  const a = await api();
  try {
    return [await measure(a), rawFigures];
  } finally {
    await a.close();
  }
}

export async function run(): Promise<void> {
  console.log(
    `apiserver: ${N.toLocaleString('en-US')} pods of ~${(podJson(podName(0), 'bench', 0).length / 1024).toFixed(1)} KB; API = the server in its own process over HTTP on loopback, ` +
      `raw = the same Backend called directly; watch latency = event received - write acknowledged (${WATCH_EVENTS} sequential creates)`,
  );
  const bare = await bareHttp();
  const dir = mkdtempSync(join('/var/tmp', 'tskube-bench-apiserver-'));
  try {
    const noCompaction = { intervalMs: 0, retainRevisions: 1 };
    const [api, raw] = await side(
      async () => {
        const server = await startServerProcess(['sqlite', join(dir, 'api.db')]);
        await createNamespace(server, 'bench');
        return apiContender(server);
      },
      () => rawContender(openSqliteBackend({ path: join(dir, 'raw.db'), compaction: noCompaction })),
    );
    report('sqlite (WAL; one file per side)', api, raw, bare);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const etcd = await startEtcd({ members: 1 });
  try {
    const [api, raw] = await side(
      async () => {
        const server = await startServerProcess(['etcd', etcd.endpoints.join(','), '/api']);
        await createNamespace(server, 'bench');
        return apiContender(server);
      },
      () => rawContender(createEtcdBackend({ endpoints: etcd.endpoints, keyPrefix: '/raw', compaction: { intervalMs: 0, retainRevisions: 1 } })),
    );
    report('etcd 3.4 (one member on loopback; key prefixes per side)', api, raw, bare);
  } finally {
    await etcd.stop();
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
