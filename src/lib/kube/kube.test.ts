import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../controlplane/apiserver/index.js';
import { createMemoryBackend, type Backend } from '../../controlplane/storage/index.js';
import { silentLogger } from '../logger.js';
import { createInformer, createKubeClient, isConflictError, isNotFoundError, KubeApiError, type InformerEvent, type KubeClient } from './index.js';

// The client against tskube's own API server (memory storage, loopback HTTP): the wire format
// both sides agree on is the point of the test.
interface ConfigMap {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const CM = '/api/v1/namespaces/default/configmaps';

async function until(what: string, fn: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('kube client and informer against the API server', () => {
  let backend: Backend;
  let server: ApiServer;
  let client: KubeClient;

  beforeEach(async () => {
    backend = createMemoryBackend();
    server = await startApiServer({ backend, insecureLoopback: true, port: 0, logger: silentLogger() });
    client = createKubeClient({ server: server.url });
  });
  afterEach(async () => {
    await server.close();
    await backend.close();
  });

  it('creates, gets, patches, lists (paginated) and deletes, with Status errors as KubeApiError', async () => {
    for (let i = 0; i < 3; i++) await client.create(CM, { metadata: { name: `cm${i}` }, data: { i: String(i) } });
    const got = await client.get<ConfigMap>(`${CM}/cm1`);
    expect(got.data).toEqual({ i: '1' });
    const patched = await client.patch<ConfigMap>(`${CM}/cm1`, { data: { j: 'x' } });
    expect(patched.data).toEqual({ i: '1', j: 'x' });
    const { items, metadata } = await client.list<ConfigMap>(CM);
    expect(items.map((c) => c.metadata.name)).toEqual(['cm0', 'cm1', 'cm2']);
    expect(Number(metadata.resourceVersion)).toBeGreaterThan(0);

    const missing = await client.get(`${CM}/nope`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(KubeApiError);
    expect(isNotFoundError(missing)).toBe(true);
    expect((missing as KubeApiError).message).toBe('configmaps "nope" not found');
    const stale = await client.update(`${CM}/cm1`, { ...got }).catch((e: unknown) => e);
    expect(isConflictError(stale)).toBe(true);
    await client.delete(`${CM}/cm0`);
    expect((await client.list<ConfigMap>(CM)).items).toHaveLength(2);
  });

  it('watches from a resourceVersion and sees every later change in order', async () => {
    const { metadata } = await client.list<ConfigMap>(CM);
    const ac = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const ev of client.watch<ConfigMap>(CM, { resourceVersion: metadata.resourceVersion }, ac.signal)) {
        seen.push(`${ev.type} ${ev.object.metadata.name}`);
        if (seen.length === 3) ac.abort();
      }
    })();
    await client.create(CM, { metadata: { name: 'a' } });
    await client.patch(`${CM}/a`, { data: { k: 'v' } });
    await client.delete(`${CM}/a`);
    await watching;
    expect(seen).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  });

  it('an informer syncs, follows changes, and re-lists after its watch expired (410), seeing what it missed', async () => {
    await client.create(CM, { metadata: { name: 'before' } });
    const informer = createInformer<ConfigMap>(client, CM, { logger: silentLogger() });
    const events: string[] = [];
    informer.onEvent((ev: InformerEvent<ConfigMap>) => events.push(`${ev.type} ${ev.object.metadata.name}`));
    let ac = new AbortController();
    let running = informer.run(ac.signal);
    await until('synced', () => informer.hasSynced());
    expect(informer.list().map((c) => c.metadata.name)).toEqual(['before']);
    await client.create(CM, { metadata: { name: 'after' } });
    await until('after seen', () => informer.get('default/after') !== undefined);

    // Stopped while changes happen and the history is compacted: its resourceVersion is gone.
    ac.abort();
    await running;
    for (let i = 0; i < 3; i++) await client.patch(`${CM}/before`, { data: { n: String(i) } });
    await client.delete(`${CM}/after`);
    await client.create(CM, { metadata: { name: 'late' } });
    await backend.compact(await backend.currentRevision());
    events.length = 0;

    ac = new AbortController();
    running = informer.run(ac.signal);
    await until('caught up', () => informer.get('default/late') !== undefined && informer.get('default/after') === undefined, 10_000);
    expect(informer.get('default/before')?.data).toEqual({ n: '2' });
    expect(events.sort()).toEqual(['ADDED late', 'DELETED after', 'MODIFIED before']);
    ac.abort();
    await running;
  });

  it('an informer rides out an API server restart', async () => {
    const informer = createInformer<ConfigMap>(client, CM, { logger: silentLogger() });
    const ac = new AbortController();
    const running = informer.run(ac.signal);
    await until('synced', () => informer.hasSynced());
    const port = server.port;
    await server.close();
    await client.create(CM, { metadata: { name: 'x' } }).catch(() => undefined); // refused: server down
    server = await startApiServer({ backend, insecureLoopback: true, port, logger: silentLogger() });
    await client.create(CM, { metadata: { name: 'during-restart' } });
    await until('object created after the restart', () => informer.get('default/during-restart') !== undefined, 10_000);
    ac.abort();
    await running;
  });
});

describe('informer back-off', () => {
  it('retries a refused list 1 s, 2 s, 4 s, 8 s, then every 10 s, and syncs once the server answers', async () => {
    const sleeps: number[] = [];
    const clock = { now: () => 0, setTimer: () => () => undefined, sleep: async (ms: number) => void sleeps.push(ms) };
    const ac = new AbortController();
    let calls = 0;
    let watchedFrom: unknown;
    const client: Pick<KubeClient, 'list' | 'watch'> = {
      async list<T>() {
        if (++calls <= 7) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
        return { items: [] as T[], metadata: { resourceVersion: '5' } };
      },
      watch(_path, query) {
        watchedFrom = query.resourceVersion;
        ac.abort(); // synced and watching: the test is over
        return (async function* () {})();
      },
    };
    const informer = createInformer<ConfigMap>(client, CM, { logger: silentLogger(), clock });
    await informer.run(ac.signal);
    expect(informer.hasSynced()).toBe(true);
    expect(watchedFrom).toBe('5');
    expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  });

  it('refuses a maximum back-off below 1 s', () => {
    expect(() => createInformer(createKubeClient({ server: 'http://127.0.0.1:1' }), CM, { logger: silentLogger(), maxBackoffMs: 10 })).toThrow(RangeError);
  });
});
