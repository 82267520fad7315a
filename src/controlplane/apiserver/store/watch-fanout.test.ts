import { describe, expect, it } from 'vitest';
import { createMemoryBackend, isCompacted, isWatchOverflow } from '../../storage/index.js';
import { configmaps } from '../registry/core.js';
import { configMap, testStore } from './test-helpers.js';
import { WatchFanout, type ObjectEvent, type Subscription } from './watch-fanout.js';

async function take(sub: Subscription, n: number): Promise<ObjectEvent[]> {
  const out: ObjectEvent[] = [];
  for await (const ev of sub) {
    out.push(ev);
    if (out.length === n) break;
  }
  return out;
}

describe('WatchFanout', () => {
  it('serves many subscribers from one storage watch, from their own revisions, filtered by prefix', async () => {
    const backend = createMemoryBackend({});
    const { store } = testStore(configmaps, backend);
    const fan = new WatchFanout({ backend, prefix: store.prefix });
    fan.start(await backend.currentRevision());
    const a = await store.create('default', configMap('a'));
    await store.create('other', configMap('b'));
    const rvA = Number(a.metadata.resourceVersion);

    const all = fan.subscribe(store.listPrefix(''), rvA - 1);
    const onlyDefault = fan.subscribe(store.listPrefix('default'), rvA - 1);
    const late = fan.subscribe(store.listPrefix(''), rvA);
    expect(fan.size).toBe(3);
    await store.update('default', 'a', (cur) => ({ ...cur!, data: { k: 'v' } }));

    const evAll = await take(all, 3);
    expect(evAll.map((e) => [e.type, e.obj.metadata.name, e.prev === null])).toEqual([
      ['put', 'a', true],
      ['put', 'b', true],
      ['put', 'a', false],
    ]);
    expect((await take(onlyDefault, 2)).map((e) => e.obj.metadata.name)).toEqual(['a', 'a']);
    expect((await take(late, 2)).map((e) => e.obj.metadata.name)).toEqual(['b', 'a']);
    fan.close();
  });

  it('reports deletes with the last state at the delete revision', async () => {
    const backend = createMemoryBackend({});
    const { store } = testStore(configmaps, backend);
    const fan = new WatchFanout({ backend, prefix: store.prefix });
    fan.start(await backend.currentRevision());
    const c = await store.create('default', configMap('gone'));
    const sub = fan.subscribe(store.prefix, Number(c.metadata.resourceVersion));
    const { revision } = await backend.delete(store.key('default', 'gone'));
    const [ev] = await take(sub, 1);
    expect(ev).toMatchObject({ type: 'delete', revision, obj: { metadata: { name: 'gone', resourceVersion: String(revision) } } });
    fan.close();
  });

  it('falls back to a storage watch for older revisions, which ends Compacted when history is gone', async () => {
    const backend = createMemoryBackend({});
    const { store } = testStore(configmaps, backend);
    const first = await store.create('default', configMap('x'));
    await store.create('default', configMap('y'));
    const fan = new WatchFanout({ backend, prefix: store.prefix });
    fan.start(await backend.currentRevision());
    const old = fan.subscribe(store.prefix, Number(first.metadata.resourceVersion) - 1);
    expect((await take(old, 2)).map((e) => e.obj.metadata.name)).toEqual(['x', 'y']);
    await backend.compact(await backend.currentRevision());
    const tooOld = fan.subscribe(store.prefix, 1);
    await expect(take(tooOld, 1)).rejects.toSatisfy(isCompacted);
    fan.close();
  });

  it('serves starts older than its buffer from storage, without a gap', async () => {
    const backend = createMemoryBackend({});
    const { store } = testStore(configmaps, backend);
    const fan = new WatchFanout({ backend, prefix: store.prefix, bufferSize: 2 });
    const start = await backend.currentRevision();
    fan.start(start);
    for (let i = 0; i < 6; i++) await store.create('default', configMap(`c${i}`));
    await new Promise((r) => setTimeout(r, 20));
    const sub = fan.subscribe(store.prefix, start);
    expect(fan.size).toBe(0);
    expect((await take(sub, 6)).map((e) => e.obj.metadata.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    fan.close();
  });

  it('ends subscribers that fall too far behind', async () => {
    const backend = createMemoryBackend({});
    const { store } = testStore(configmaps, backend);
    const fan = new WatchFanout({ backend, prefix: store.prefix, queueLimit: 2 });
    fan.start(await backend.currentRevision());
    const slow = fan.subscribe(store.prefix, await backend.currentRevision());
    for (let i = 0; i < 4; i++) await store.create('default', configMap(`c${i}`));
    await new Promise((r) => setTimeout(r, 20));
    await expect(take(slow, 10)).rejects.toSatisfy(isWatchOverflow);
    fan.close();
  });
});
