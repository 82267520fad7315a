/**
 * Storage backends against the raw libraries under them, in the same run: creates/s, gets/s and
 * the time to list 10,000 pod-like JSON values of ~1.5 KB, for memory (raw: a Map), SQLite (raw:
 * better-sqlite3 inserting into a plain table, WAL + synchronous=NORMAL) and etcd (raw: etcd3
 * puts/gets/paged ranges on a throwaway single-member etcd on loopback).
 *
 *   npx tsx bench/storage.ts
 */
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createEtcdBackend,
  createMemoryBackend,
  openSqliteBackend,
  type Backend,
} from '../src/controlplane/storage/index.js';
import { startEtcd } from '../test/integration/helpers/etcd.js';
import { benchPodSpec, pool } from './lib/workload.js';

const N = 10_000;
const PREFIX = '/registry/pods/bench/';

/** What each contender does; `list` returns how many values it read. */
interface Ops {
  create(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  list(prefix: string): Promise<number>;
  close(): Promise<void>;
}

interface Figures {
  createsPerS: number;
  getsPerS: number;
  listMs: number;
}

function podJson(i: number): string {
  const name = `web-${i}`;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'bench',
      uid: `6f1c2a4e-${String(i).padStart(4, '0')}-4b9e-9d3a-1f2e3d4c5b6a`,
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: { app: 'web', 'pod-template-hash': '7d9c8b6f5' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9c8b6f5', uid: 'a1b2c3d4', controller: true }],
    },
    spec: benchPodSpec(i),
    status: {
      phase: 'Running',
      podIP: `10.244.${(i >> 8) & 255}.${i & 255}`,
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: '2025-01-01T00:00:01Z',
      })),
      containerStatuses: [{ name: 'web', ready: true, restartCount: 0, image: 'busybox', imageID: 'sha256:' + 'ab'.repeat(32) }],
    },
  };
  const json = JSON.stringify(pod);
  return JSON.stringify({ ...pod, metadata: { ...pod.metadata, annotations: { pad: 'x'.repeat(Math.max(0, 1500 - json.length - 30)) } } });
}


/** One round: `n` creates under a fresh prefix, `n` gets of them, one list of them. */
async function round(ops: Ops, r: number, n: number, concurrency: number, values: string[]): Promise<Figures> {
  const prefix = `${PREFIX}r${r}/`;
  const key = (i: number): string => `${prefix}web-${String(i).padStart(5, '0')}`;
  const createMs = await pool(n, concurrency, (i) => ops.create(key(i), values[i % values.length] as string));
  const getMs = await pool(n, concurrency, (i) => ops.get(key((i * 7919) % n)));
  const started = performance.now();
  const count = await ops.list(prefix);
  const listMs = performance.now() - started;
  if (count !== n) throw new Error(`list returned ${count} values, expected ${n}`);
  return { createsPerS: (n / createMs) * 1000, getsPerS: (n / getMs) * 1000, listMs };
}

/**
 * Rounds of tskube and raw, alternating which goes first (the machine is shared: this spreads
 * drift over both); each figure is the best of its rounds.
 */
async function compare(ours: Ops, raw: Ops, rounds: number, n: number, concurrency: number, values: string[]): Promise<[Figures, Figures]> {
  const results: [Figures[], Figures[]] = [[], []];
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const);
      for (const who of order) results[who].push(await round(who === 0 ? ours : raw, r, n, concurrency, values));
    }
  } finally {
    await Promise.all([ours.close(), raw.close()]);
  }
  const best = (fs: Figures[]): Figures => ({
    createsPerS: Math.max(...fs.map((f) => f.createsPerS)),
    getsPerS: Math.max(...fs.map((f) => f.getsPerS)),
    listMs: Math.min(...fs.map((f) => f.listMs)),
  });
  return [best(results[0]), best(results[1])];
}

function tskube(b: Backend): Ops {
  return {
    create: (key, value) => b.create(key, value),
    get: (key) => b.get(key),
    list: async (prefix) => (await b.list(prefix)).kvs.length,
    close: () => b.close(),
  };
}

function rawMemory(): Ops {
  const map = new Map<string, string>();
  return {
    create: async (key, value) => map.set(key, value),
    get: async (key) => map.get(key),
    list: async (prefix) => [...map.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).length,
    close: async () => map.clear(),
  };
}

function rawSqlite(path: string): Ops {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE kv (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const insert = db.prepare<[string, string]>('INSERT INTO kv (name, value) VALUES (?, ?)');
  const get = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE name = ?');
  const list = db.prepare<[string, string], { name: string; value: string }>('SELECT name, value FROM kv WHERE name >= ? AND name < ? ORDER BY name');
  return {
    create: async (key, value) => insert.run(key, value),
    get: async (key) => get.get(key),
    list: async (prefix) => list.all(prefix, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)).length,
    close: async () => {
      db.close();
    },
  };
}

/** The etcd3 client as its README shows it, with 500-key pages for the list (4 MiB limit). */
function rawEtcd(endpoints: string[], ns: string): Ops {
  const client = new Etcd3({ hosts: endpoints });
  return {
    create: (key, value) => client.put(ns + key).value(value).exec(),
    get: (key) => client.get(ns + key).string(),
    list: async (prefix) => {
      const start = Buffer.from(ns + prefix);
      const end = Buffer.from(ns + prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1));
      let key = start;
      let revision = 0;
      let count = 0;
      for (;;) {
        const res = await client.kv.range({ key, range_end: end, limit: 500, revision });
        revision ||= Number(res.header.revision);
        count += res.kvs.map((kv) => kv.value.toString()).length;
        const last = res.kvs[res.kvs.length - 1];
        if (!res.more || last === undefined) return count;
        key = Buffer.concat([last.key, Buffer.from([0])]);
      }
    },
    close: async () => client.close(),
  };
}

const rate = (v: number): string => Math.round(v).toLocaleString('en-US').padStart(10);
const time = (v: number): string => `${v.toFixed(0)} ms`.padStart(10);

function report(backend: string, setup: string, [ours, raw]: [Figures, Figures], n: number, withList = true): void {
  console.log(`${backend} (${setup})`);
  console.log(`  ${'operation'.padEnd(26)}${'tskube'.padStart(10)}${'raw'.padStart(10)}   tskube/raw`);
  console.log(`  ${'creates/s'.padEnd(26)}${rate(ours.createsPerS)}${rate(raw.createsPerS)}   ${(ours.createsPerS / raw.createsPerS).toFixed(2)}`);
  console.log(`  ${'gets/s'.padEnd(26)}${rate(ours.getsPerS)}${rate(raw.getsPerS)}   ${(ours.getsPerS / raw.getsPerS).toFixed(2)}`);
  if (withList) console.log(`  ${`list ${n.toLocaleString('en-US')}`.padEnd(26)}${time(ours.listMs)}${time(raw.listMs)}   ${(ours.listMs / raw.listMs).toFixed(2)}`);
}

/** Prints the figures; ratios are tskube/raw (throughput: higher is better; list time: lower). */
export async function run(): Promise<void> {
  const values = Array.from({ length: N }, (_, i) => podJson(i));
  const avg = values.reduce((s, v) => s + v.length, 0) / N;
  console.log(`storage: ${N.toLocaleString('en-US')} pod-like JSON values of ~${(avg / 1024).toFixed(2)} KB; raw = the bare library doing the same; best of 3 alternating rounds (2 for etcd)`);

  report('memory', 'sequential; raw: a Map', await compare(tskube(createMemoryBackend()), rawMemory(), 3, N, 1, values), N);

  const dir = mkdtempSync(join('/var/tmp', 'tskube-bench-storage-'));
  try {
    const ours = tskube(openSqliteBackend({ path: join(dir, 'tskube.db') }));
    report('sqlite', 'sequential, WAL, synchronous=NORMAL; raw: INSERT into a plain table', await compare(ours, rawSqlite(join(dir, 'raw.db')), 3, N, 1, values), N);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const etcd = await startEtcd({ members: 1 });
  try {
    const backend = (ns: string): Ops =>
      tskube(createEtcdBackend({ endpoints: etcd.endpoints, keyPrefix: ns, compaction: { intervalMs: 0, retainRevisions: 1 } }));
    const seq = await compare(backend('/seq-tskube'), rawEtcd(etcd.endpoints, '/seq-raw'), 2, 1000, 1, values);
    report('etcd 3.4', 'one member on loopback, 1 request in flight, 1,000 keys', seq, 1000, false);
    const par = await compare(backend('/tskube'), rawEtcd(etcd.endpoints, '/raw'), 2, N, 64, values);
    report('etcd 3.4', 'one member on loopback, 64 requests in flight; lists in 500-key pages', par, N);
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
