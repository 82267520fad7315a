/** The watch, compaction and TTL part of the storage contract (see contract.ts). */
import { describe, expect, it } from 'vitest';
import { brief, changes, openWatch, rejectsWith, type ContractOptions, type TestWatch } from './contract-helpers.js';
import { isClosed, isCompacted } from './errors.js';
import type { Backend, WatchEvent } from './types.js';

export function runWatchContract(backend: () => Backend, opts: ContractOptions): void {
  const watches: TestWatch[] = [];
  const watch = (prefix: string, from: number): TestWatch => {
    const w = openWatch(backend(), prefix, from);
    watches.push(w);
    return w;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(watches.splice(0).map((w) => w.stop()));
  };

  describe('watch', () => {
    it('from a list revision sees every later change once, in order, including those before the watch started', async () => {
      const b = backend();
      try {
        await b.create('/registry/pods/ns/a', 'a1');
        const listed = await b.list('/registry/pods/');
        // Changes after the list but before the watch exists.
        const r1 = (await b.update('/registry/pods/ns/a', 'a2', { expectedModRevision: listed.kvs[0]?.modRevision ?? 0 })).revision;
        await b.create('/registry/pods/ns/b', 'b1');
        const w = watch('/registry/pods/', listed.revision);
        expect(changes(await w.take(2))).toEqual(['put /registry/pods/ns/a=a2', 'put /registry/pods/ns/b=b1']);
        // Changes while it runs, interleaved with reads.
        await b.delete('/registry/pods/ns/a', { expectedModRevision: r1 });
        for (let i = 0; i < 50; i++) await b.create(`/registry/pods/ns/c${String(i).padStart(2, '0')}`, `${i}`);
        const events = await w.take(51);
        expect(changes(events)).toEqual([
          'delete /registry/pods/ns/a',
          ...Array.from({ length: 50 }, (_, i) => `put /registry/pods/ns/c${String(i).padStart(2, '0')}=${i}`),
        ]);
        const revisions = events.map((e) => e.revision);
        expect(new Set(revisions).size).toBe(revisions.length);
        expect([...revisions].sort((x, y) => x - y)).toEqual(revisions);
        // Exactly once: the next event is the next write, nothing repeated.
        const sentinel = await b.create('/registry/pods/ns/zz', 'end');
        expect((await w.take(1)).map(brief)).toEqual([`put /registry/pods/ns/zz=end@${sentinel.revision}`]);
      } finally {
        await stopAll();
      }
    });

    it('events carry revisions and previous values', async () => {
      const b = backend();
      try {
        const from = await b.currentRevision();
        const w = watch('/registry/pods/', from);
        const c = await b.create('/registry/pods/ns/a', 'v1');
        const u = await b.update('/registry/pods/ns/a', 'v2', { expectedModRevision: c.revision });
        const d = await b.delete('/registry/pods/ns/a');
        const [created, updated, deleted] = (await w.take(3)) as [WatchEvent, WatchEvent, WatchEvent];
        const kv1 = { key: '/registry/pods/ns/a', value: 'v1', createRevision: c.revision, modRevision: c.revision };
        const kv2 = { key: '/registry/pods/ns/a', value: 'v2', createRevision: c.revision, modRevision: u.revision };
        expect(created).toEqual({ type: 'put', revision: c.revision, kv: kv1, prevKv: null });
        expect(updated).toEqual({ type: 'put', revision: u.revision, kv: kv2, prevKv: kv1 });
        expect(deleted).toEqual({ type: 'delete', revision: d.revision, key: '/registry/pods/ns/a', prevKv: kv2 });
      } finally {
        await stopAll();
      }
    });

    it('a prefix watch sees nothing of other prefixes (/registry/pods/ vs /registry/podtemplates/)', async () => {
      const b = backend();
      try {
        const from = await b.currentRevision();
        const pods = watch('/registry/pods/', from);
        const templates = watch('/registry/podtemplates/', from);
        await b.create('/registry/podtemplates/ns/t', 't');
        await b.create('/registry/pods', 'no slash');
        await b.create('/registry/podsx/ns/y', 'y');
        await b.create('/registry/pods/ns/p', 'p');
        await b.create('/registry/podtemplates/ns/u', 'u');
        expect(changes(await pods.take(1))).toEqual(['put /registry/pods/ns/p=p']);
        expect(changes(await templates.take(2))).toEqual(['put /registry/podtemplates/ns/t=t', 'put /registry/podtemplates/ns/u=u']);
      } finally {
        await stopAll();
      }
    });

    it('several watches of one prefix each see every event', async () => {
      const b = backend();
      try {
        const from = await b.currentRevision();
        const ws = Array.from({ length: 5 }, () => watch('/registry/leases/', from));
        const writes: string[] = [];
        for (let i = 0; i < 20; i++) {
          await b.create(`/registry/leases/ns/l${i}`, `${i}`);
          writes.push(`put /registry/leases/ns/l${i}=${i}`);
        }
        for (const w of ws) expect(changes(await w.take(20))).toEqual(writes);
      } finally {
        await stopAll();
      }
    });

    it('aborting the signal ends the iteration cleanly', async () => {
      const b = backend();
      const ac = new AbortController();
      const from = await b.currentRevision();
      const seen: WatchEvent[] = [];
      const loop = (async () => {
        for await (const ev of b.watch('/registry/pods/', { fromRevision: from, signal: ac.signal })) {
          seen.push(ev);
          if (seen.length === 1) ac.abort();
        }
      })();
      await b.create('/registry/pods/ns/a', 'a');
      await loop;
      expect(changes(seen)).toEqual(['put /registry/pods/ns/a=a']);
    });

    it('breaking out of the loop releases the watch; a new one resumes where it left off', async () => {
      const b = backend();
      const from = await b.currentRevision();
      await b.create('/registry/pods/ns/a', 'a');
      await b.create('/registry/pods/ns/b', 'b');
      let last = from;
      for await (const ev of b.watch('/registry/pods/', { fromRevision: from })) {
        last = ev.revision;
        break;
      }
      try {
        expect(changes(await watch('/registry/pods/', last).take(1))).toEqual(['put /registry/pods/ns/b=b']);
      } finally {
        await stopAll();
      }
    });

    it('closing the backend ends active watches with Closed', async () => {
      const b = backend();
      const w = watch('/registry/pods/', await b.currentRevision());
      try {
        const err = w.error();
        await b.close();
        expect(isClosed(await err)).toBe(true);
      } finally {
        await stopAll();
      }
    });
  });

  describe('compaction', () => {
    it('reads and watches before the compaction point fail with Compacted; later ones work', async () => {
      const b = backend();
      try {
        const key = '/registry/pods/ns/a';
        const r1 = (await b.create(key, 'v1')).revision;
        const r2 = (await b.update(key, 'v2', { expectedModRevision: r1 })).revision;
        const r3 = (await b.update(key, 'v3', { expectedModRevision: r2 })).revision;
        const r4 = (await b.create('/registry/pods/ns/b', 'b')).revision;
        const r5 = (await b.delete('/registry/pods/ns/b')).revision;
        await b.compact(r3);
        const err = await rejectsWith(b.get(key, { revision: r1 }), 'Compacted');
        expect(isCompacted(err)).toBe(true);
        await rejectsWith(b.list('/registry/pods/', { revision: r2 - 1 }), 'Compacted');
        expect(isCompacted(await watch('/registry/pods/', r1 - 1).error())).toBe(true);
        expect((await b.get(key, { revision: r3 })).kv?.value).toBe('v3');
        expect((await b.get('/registry/pods/ns/b', { revision: r4 })).kv?.value).toBe('b');
        expect((await b.get('/registry/pods/ns/b', { revision: r5 })).kv).toBeNull();
        expect((await b.list('/registry/pods/', { revision: r3 })).kvs.map((kv) => kv.value)).toEqual(['v3']);
        expect(changes(await watch('/registry/pods/', r3).take(2))).toEqual(['put /registry/pods/ns/b=b', 'delete /registry/pods/ns/b']);
        // Idempotent at or below the point; the future is refused.
        await b.compact(r3);
        await b.compact(r2);
        await rejectsWith(b.compact((await b.currentRevision()) + 1000), 'FutureRevision');
        expect((await b.get(key)).kv?.value).toBe('v3');
      } finally {
        await stopAll();
      }
    });

    it('compacting up to the current revision keeps every live key readable and watchable from there', async () => {
      const b = backend();
      try {
        for (let i = 0; i < 10; i++) await b.create(`/registry/pods/ns/p${i}`, `${i}`);
        for (let i = 0; i < 10; i += 2) await b.delete(`/registry/pods/ns/p${i}`);
        const current = await b.currentRevision();
        await b.compact(current);
        expect((await b.list('/registry/pods/')).kvs.map((kv) => kv.value)).toEqual(['1', '3', '5', '7', '9']);
        const w = watch('/registry/pods/', current);
        await b.create('/registry/pods/ns/p0', 'back');
        expect(changes(await w.take(1))).toEqual(['put /registry/pods/ns/p0=back']);
      } finally {
        await stopAll();
      }
    });
  });

  describe('ttl', () => {
    it('a key written with ttlSeconds is deleted after it, with a delete event', async () => {
      const b = backend();
      try {
        const from = await b.currentRevision();
        const w = watch('/registry/events/', from);
        const { revision } = await b.create('/registry/events/ns/e1', 'event', { ttlSeconds: 1 });
        await b.create('/registry/events/ns/e2', 'permanent');
        const events = await w.take(3, opts.ttlWaitMs ?? 20_000);
        expect(changes(events)).toEqual([
          'put /registry/events/ns/e1=event',
          'put /registry/events/ns/e2=permanent',
          'delete /registry/events/ns/e1',
        ]);
        expect(events[2]).toMatchObject({ prevKv: { value: 'event', modRevision: revision } });
        expect((await b.get('/registry/events/ns/e1')).kv).toBeNull();
        expect((await b.get('/registry/events/ns/e2')).kv?.value).toBe('permanent');
      } finally {
        await stopAll();
      }
    });
  });
}
