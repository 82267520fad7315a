/**
 * The storage contract against a real etcd 3.4 (one member, and three members with one killed),
 * plus what only a real cluster shows: lists beyond gRPC's 4 MiB default, leader failover during
 * writes and watches, and Unavailable when no quorum answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWatch } from '../../src/controlplane/storage/contract-helpers.js';
import { runBackendContract } from '../../src/controlplane/storage/contract.js';
import { createEtcdBackend, isUnavailable, type Backend, type EtcdBackendOptions, type WatchEvent } from '../../src/controlplane/storage/index.js';
import { startEtcd, type EtcdCluster } from './helpers/etcd.js';

let namespaces = 0;
/** A backend in a fresh key namespace of the cluster, without periodic compaction. */
function backendOn(etcd: EtcdCluster, opts: Partial<EtcdBackendOptions> = {}): Backend {
  return createEtcdBackend({
    endpoints: etcd.endpoints,
    keyPrefix: `/tskube-test-${process.pid}-${++namespaces}`,
    compaction: { intervalMs: 0, retainRevisions: 1 },
    ...opts,
  });
}

async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

describe('etcd storage, one member', () => {
  let etcd: EtcdCluster | undefined;
  const cluster = (): EtcdCluster => {
    if (etcd === undefined) throw new Error('etcd did not start');
    return etcd;
  };
  beforeAll(async () => {
    etcd = await startEtcd({ members: 1 });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  runBackendContract('etcd (1 member)', () => backendOn(cluster()));

  it('lists 12,000 pod-sized objects through the 4 MiB default gRPC receive limit by paging', async () => {
    const b = backendOn(cluster(), { maxReceiveMessageBytes: 4 * 1024 * 1024 });
    try {
      const value = JSON.stringify({ kind: 'Pod', metadata: { name: 'p' }, spec: { pad: 'x'.repeat(1500) } });
      await inParallel(12_000, 64, (i) => b.create(`/registry/pods/ns/p${String(i).padStart(5, '0')}`, value));
      const all = await b.list('/registry/pods/');
      expect(all.kvs).toHaveLength(12_000);
      expect(all.kvs[11_999]?.key).toBe('/registry/pods/ns/p11999');
      const page = await b.list('/registry/pods/', { limit: 5000, revision: all.revision });
      expect(page).toMatchObject({ more: true, nextKey: '/registry/pods/ns/p04999\u0000' });
    } finally {
      await b.close();
    }
  });
});

describe('etcd storage, three members', () => {
  let etcd: EtcdCluster | undefined;
  const cluster = (): EtcdCluster => {
    if (etcd === undefined) throw new Error('etcd did not start');
    return etcd;
  };
  let killed = -1;
  beforeAll(async () => {
    etcd = await startEtcd({ members: 3 });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it('writes, reads and watches continue when the leader is killed mid-test', async () => {
    const keyPrefix = `/tskube-test-${process.pid}-ha`;
    const b = backendOn(cluster(), { keyPrefix, retryTimeoutMs: 30_000 });
    killed = await cluster().leaderIndex();
    // A second client that knows only the leader: its watch must survive the leader's death and
    // resume, without a gap, once the member is back.
    const pinned = backendOn(cluster(), { keyPrefix, endpoints: [cluster().endpoints[killed] as string], retryTimeoutMs: 60_000 });
    const from = await b.currentRevision();
    const w = openWatch(b, '/registry/pods/', from);
    const wp = openWatch(pinned, '/registry/pods/', from);
    const seen = (events: WatchEvent[]): string[] => events.map((e) => (e.type === 'put' ? `put ${e.kv.key}=${e.kv.value}` : `delete ${e.key}`));
    try {
      const expected: string[] = [];
      const write = async (i: number): Promise<void> => {
        const key = `/registry/pods/ns/p${String(i).padStart(3, '0')}`;
        const { revision } = await b.create(key, `v${i}`);
        expected.push(`put ${key}=v${i}`);
        if (i % 5 === 0) {
          await b.update(key, `u${i}`, { expectedModRevision: revision });
          expected.push(`put ${key}=u${i}`);
        }
      };
      for (let i = 0; i < 100; i++) await write(i);
      expect(seen(await w.take(expected.length))).toEqual(expected);
      expect(seen(await wp.take(expected.length))).toEqual(expected);

      await cluster().killMember(killed);
      const before = expected.length;
      for (let i = 100; i < 200; i++) await write(i);
      const events = await w.take(expected.length - before, 60_000);
      expect(seen(events)).toEqual(expected.slice(before));
      expect(new Set(events.map((e) => e.revision)).size).toBe(events.length);
      expect(await cluster().leaderIndex()).not.toBe(killed);

      const keys: string[] = [];
      let page = await b.list('/registry/pods/', { limit: 64 });
      keys.push(...page.kvs.map((kv) => kv.key));
      while (page.more) {
        page = await b.list('/registry/pods/', { limit: 64, startKey: page.nextKey as string, revision: page.revision });
        keys.push(...page.kvs.map((kv) => kv.key));
      }
      expect(keys).toHaveLength(200);
      expect((await b.get('/registry/pods/ns/p150')).kv?.value).toBe('u150');

      await cluster().restartMember(killed);
      expect(seen(await wp.take(expected.length - before, 60_000))).toEqual(expected.slice(before));
    } finally {
      await Promise.all([w.stop(), wp.stop()]);
      await Promise.all([b.close(), pinned.close()]);
    }
  });

  // The whole contract again, on a cluster that has lost a member: every new client keeps the
  // dead member's endpoint in its list, so calls meet it and must move on to the live ones.
  describe('with one member down', () => {
    beforeAll(async () => {
      expect(killed).toBeGreaterThanOrEqual(0);
      await cluster().killMember(killed);
    });
    runBackendContract('etcd (3 members, one killed)', () => backendOn(cluster()));
  });

  it('a killed member rejoins and catches up; losing quorum makes calls Unavailable', async () => {
    const b = backendOn(cluster(), { retryTimeoutMs: 3000, callTimeoutMs: 1000 });
    try {
      expect(killed).toBeGreaterThanOrEqual(0);
      // Written while the member is down; after its restart it serves it (a linearizable read on
      // that member alone waits until it has applied everything the leader committed before).
      await b.create('/registry/pods/ns/quorum', 'v');
      await cluster().restartMember(killed);
      const rejoined = createEtcdBackend({ endpoints: [cluster().endpoints[killed] as string], keyPrefix: '', compaction: { intervalMs: 0, retainRevisions: 1 } });
      try {
        const all = await rejoined.list('/tskube-test-');
        expect(all.kvs.some((kv) => kv.key.endsWith('/registry/pods/ns/quorum'))).toBe(true);
      } finally {
        await rejoined.close();
      }
      // Take down two members: one is left, without quorum.
      const survivor = (killed + 1) % 3;
      for (const i of [0, 1, 2].filter((i) => i !== survivor)) await cluster().killMember(i);
      const err = await b.get('/registry/pods/ns/quorum').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUnavailable(err)).toBe(true);
    } finally {
      await b.close();
    }
  });
});
