/**
 * The storage contract every backend passes: `runBackendContract(name, makeBackend)` inside a
 * vitest file registers the suite. `makeBackend` returns a fresh backend whose key space is empty
 * (a new file, a new etcd key prefix...); revisions may be shared with other tests, so the suite
 * only asserts relations between revisions, never absolute values.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWatchContract } from './contract-watch.js';
import { expectIncreasing, rejectsWith, type ContractOptions, type MakeBackend } from './contract-helpers.js';
import { ConflictError, AlreadyExistsError, isConflict } from './errors.js';
import type { Backend, KeyValue } from './types.js';

export type { ContractOptions, MakeBackend } from './contract-helpers.js';

const POD = '/registry/pods/default/web-1';

export function runBackendContract(name: string, makeBackend: MakeBackend, opts: ContractOptions = {}): void {
  describe(`storage contract: ${name}`, () => {
    let b: Backend;
    beforeEach(async () => {
      b = await makeBackend();
    });
    afterEach(async () => {
      await b.close();
    });
    const backend = (): Backend => b;

    describe('key-value', () => {
      it('create then get returns the value with the create and mod revision of the write', async () => {
        const before = await b.currentRevision();
        const { revision } = await b.create(POD, '{"v":1}');
        expect(revision).toBeGreaterThan(before);
        const got = await b.get(POD);
        expect(got.kv).toEqual({ key: POD, value: '{"v":1}', createRevision: revision, modRevision: revision });
        expect(got.revision).toBeGreaterThanOrEqual(revision);
      });

      it('get of a missing key returns null and the current revision', async () => {
        await b.create('/registry/pods/default/other', 'x');
        const current = await b.currentRevision();
        expect(await b.get(POD)).toEqual({ kv: null, revision: current });
      });

      it('create of an existing key fails with AlreadyExists carrying the stored value', async () => {
        const { revision } = await b.create(POD, 'first');
        const err = await rejectsWith(b.create(POD, 'second'), 'AlreadyExists');
        expect((err as AlreadyExistsError).current).toMatchObject({ value: 'first', modRevision: revision });
        expect((await b.get(POD)).kv?.value).toBe('first');
      });

      it('update is a compare-and-swap on modRevision and keeps createRevision', async () => {
        const created = await b.create(POD, 'v1');
        const updated = await b.update(POD, 'v2', { expectedModRevision: created.revision });
        expect(updated.revision).toBeGreaterThan(created.revision);
        expect((await b.get(POD)).kv).toEqual({ key: POD, value: 'v2', createRevision: created.revision, modRevision: updated.revision });
        const err = await rejectsWith(b.update(POD, 'stale', { expectedModRevision: created.revision }), 'Conflict');
        expect(err).toBeInstanceOf(ConflictError);
        expect((err as ConflictError).current).toMatchObject({ value: 'v2', modRevision: updated.revision });
        expect((err as ConflictError).expectedModRevision).toBe(created.revision);
        expect((await b.get(POD)).kv?.value).toBe('v2');
      });

      it('update of a missing key is NotFound', async () => {
        await rejectsWith(b.update(POD, 'x', { expectedModRevision: 1 }), 'NotFound');
      });

      it('delete returns the deleted value; guarded by modRevision when asked; NotFound when missing', async () => {
        const created = await b.create(POD, 'v1');
        const updated = await b.update(POD, 'v2', { expectedModRevision: created.revision });
        const conflict = await rejectsWith(b.delete(POD, { expectedModRevision: created.revision }), 'Conflict');
        expect((conflict as ConflictError).current.modRevision).toBe(updated.revision);
        const del = await b.delete(POD, { expectedModRevision: updated.revision });
        expect(del.revision).toBeGreaterThan(updated.revision);
        expect(del.prevKv).toEqual({ key: POD, value: 'v2', createRevision: created.revision, modRevision: updated.revision });
        expect((await b.get(POD)).kv).toBeNull();
        await rejectsWith(b.delete(POD), 'NotFound');
        await rejectsWith(b.delete(POD, { expectedModRevision: updated.revision }), 'NotFound');
        // unguarded delete
        await b.create(POD, 'again');
        expect((await b.delete(POD)).prevKv.value).toBe('again');
      });

      it('a key created again after a delete starts a new incarnation', async () => {
        const first = await b.create(POD, 'one');
        await b.delete(POD);
        const second = await b.create(POD, 'two');
        expect(second.revision).toBeGreaterThan(first.revision);
        expect((await b.get(POD)).kv).toMatchObject({ value: 'two', createRevision: second.revision, modRevision: second.revision });
      });

      it('revisions strictly increase across keys; failed writes and reads do not move them', async () => {
        const revs: number[] = [await b.currentRevision()];
        for (let i = 0; i < 5; i++) revs.push((await b.create(`/registry/configmaps/ns/cm-${i}`, `${i}`)).revision);
        revs.push((await b.update('/registry/configmaps/ns/cm-0', 'x', { expectedModRevision: revs[1] as number })).revision);
        revs.push((await b.delete('/registry/configmaps/ns/cm-1')).revision);
        expectIncreasing(revs);
        const last = revs[revs.length - 1] as number;
        expect(await b.currentRevision()).toBe(last);
        await rejectsWith(b.create('/registry/configmaps/ns/cm-2', 'dup'), 'AlreadyExists');
        await rejectsWith(b.update('/registry/configmaps/ns/cm-2', 'x', { expectedModRevision: 1 }), 'Conflict');
        await b.get('/registry/configmaps/ns/cm-2');
        await b.list('/registry/configmaps/');
        expect(await b.currentRevision()).toBe(last);
      });

      it('20 concurrent updates from the same revision: exactly one wins', async () => {
        const { revision } = await b.create(POD, 'base');
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => b.update(POD, `writer-${i}`, { expectedModRevision: revision })),
        );
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(isConflict(r.reason)).toBe(true);
        expect((await b.get(POD)).kv?.value).toBe(`writer-${won[0]}`);
      });

      it('reads at an older revision see the store as it was; future revisions are refused', async () => {
        const r1 = (await b.create(POD, 'v1')).revision;
        const r2 = (await b.update(POD, 'v2', { expectedModRevision: r1 })).revision;
        await b.create('/registry/pods/default/web-2', 'w2');
        await b.delete(POD);
        expect(await b.get(POD, { revision: r1 })).toEqual({ kv: { key: POD, value: 'v1', createRevision: r1, modRevision: r1 }, revision: r1 });
        expect((await b.get(POD, { revision: r2 })).kv?.value).toBe('v2');
        expect((await b.get('/registry/pods/default/web-2', { revision: r2 })).kv).toBeNull();
        const old = await b.list('/registry/pods/', { revision: r2 });
        expect(old.revision).toBe(r2);
        expect(old.kvs.map((kv) => `${kv.key}=${kv.value}`)).toEqual([`${POD}=v2`]);
        const current = await b.currentRevision();
        await rejectsWith(b.get(POD, { revision: current + 1000 }), 'FutureRevision');
        await rejectsWith(b.list('/registry/pods/', { revision: current + 1000 }), 'FutureRevision');
      });

      it('1 MiB values round-trip; values over the limit are TooLarge', async () => {
        const big = JSON.stringify({ data: 'é'.repeat(256 * 1024) + 'x'.repeat(512 * 1024) });
        expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024);
        await b.create('/registry/configmaps/ns/big', big);
        expect((await b.get('/registry/configmaps/ns/big')).kv?.value).toBe(big);
        expect((await b.list('/registry/configmaps/')).kvs[0]?.value).toBe(big);
        await rejectsWith(b.create('/registry/configmaps/ns/huge', 'x'.repeat(3 * 1024 * 1024)), 'TooLarge');
        expect((await b.get('/registry/configmaps/ns/huge')).kv).toBeNull();
      });

      it('unicode keys and values round-trip', async () => {
        const key = '/registry/configmaps/ünïcødé/名前-🚀';
        const value = JSON.stringify({ text: 'Grüße, 世界 🌍', nul: '\u0000' });
        const { revision } = await b.create(key, value);
        expect((await b.get(key)).kv).toEqual({ key, value, createRevision: revision, modRevision: revision });
        expect((await b.list('/registry/configmaps/ünïcødé/')).kvs.map((kv) => kv.key)).toEqual([key]);
        await rejectsWith(b.create(key, value), 'AlreadyExists');
        await b.delete(key);
      });

      it('bad arguments are RangeErrors', async () => {
        await expect(b.get('')).rejects.toThrow(RangeError);
        await expect(b.create('/registry/x/\uD800', 'v')).rejects.toThrow(RangeError);
        await expect(b.list('/registry/pods/', { limit: 0 })).rejects.toThrow(RangeError);
        await expect(b.list('/registry/pods/', { startKey: '/registry/podtemplates/a' })).rejects.toThrow(RangeError);
        await expect(b.create(POD, 'v', { ttlSeconds: -1 })).rejects.toThrow(RangeError);
      });

      it('an aborted signal rejects with its reason and writes nothing', async () => {
        const ac = new AbortController();
        const reason = new Error('caller gave up');
        ac.abort(reason);
        await expect(b.get(POD, { signal: ac.signal })).rejects.toBe(reason);
        await expect(b.create(POD, 'v', { signal: ac.signal })).rejects.toBe(reason);
        expect((await b.get(POD)).kv).toBeNull();
      });

      it('operations after close fail with Closed; close is idempotent', async () => {
        await b.close();
        await rejectsWith(b.get(POD), 'Closed');
        await rejectsWith(b.create(POD, 'v'), 'Closed');
        await b.close();
      });
    });

    describe('list', () => {
      const put = async (keys: string[]): Promise<void> => {
        for (const key of keys) await b.create(key, `v:${key}`);
      };
      const keysOf = (kvs: KeyValue[]): string[] => kvs.map((kv) => kv.key);

      it('returns the live keys under a prefix in key order, and only them', async () => {
        await put(['/registry/pods/ns/b', '/registry/podtemplates/ns/t', '/registry/pods/ns/a', '/registry/pods/other/c', '/registry/poda']);
        await b.delete('/registry/pods/other/c');
        const pods = await b.list('/registry/pods/');
        expect(keysOf(pods.kvs)).toEqual(['/registry/pods/ns/a', '/registry/pods/ns/b']);
        expect(pods.more).toBe(false);
        expect(pods.revision).toBe(await b.currentRevision());
        expect(pods.kvs[0]?.value).toBe('v:/registry/pods/ns/a');
        // A prefix is a plain string prefix: a shorter one matches the neighbours too.
        expect(keysOf((await b.list('/registry/pod')).kvs)).toEqual([
          '/registry/poda',
          '/registry/pods/ns/a',
          '/registry/pods/ns/b',
          '/registry/podtemplates/ns/t',
        ]);
        expect((await b.list('/registry/services/')).kvs).toEqual([]);
      });

      it('orders keys by code point, as etcd orders UTF-8 bytes', async () => {
        const keys = ['/registry/k/z', '/registry/k/é', '/registry/k/\uFFFD', '/registry/k/🚀', '/registry/k/A', '/registry/k/a-b', '/registry/k/a'];
        await put(keys);
        const byCodePoint = [...keys].sort((x, y) => {
          const a = Array.from(x, (c) => c.codePointAt(0) ?? 0);
          const c = Array.from(y, (ch) => ch.codePointAt(0) ?? 0);
          for (let i = 0; i < Math.min(a.length, c.length); i++) if (a[i] !== c[i]) return (a[i] as number) - (c[i] as number);
          return a.length - c.length;
        });
        expect(keysOf((await b.list('/registry/k/')).kvs)).toEqual(byCodePoint);
        const pages: string[] = [];
        let startKey: string | undefined;
        for (;;) {
          const page = await b.list('/registry/k/', { limit: 2, ...(startKey === undefined ? {} : { startKey }) });
          pages.push(...keysOf(page.kvs));
          if (!page.more) break;
          startKey = page.nextKey;
        }
        expect(pages).toEqual(byCodePoint);
      });

      it('pages continue at the first page revision while writes happen in between', async () => {
        const keys = Array.from({ length: 10 }, (_, i) => `/registry/pods/ns/p${String(i).padStart(2, '0')}`);
        await put(keys);
        const first = await b.list('/registry/pods/', { limit: 3 });
        expect(first.more).toBe(true);
        expect(keysOf(first.kvs)).toEqual(keys.slice(0, 3));
        const seen = [...first.kvs];
        // Writes between pages: none of them may show up in this list.
        await b.delete(keys[4] as string);
        const p5 = (await b.get(keys[5] as string)).kv as KeyValue;
        await b.update(keys[5] as string, 'changed', { expectedModRevision: p5.modRevision });
        await b.create('/registry/pods/ns/p03a', 'new');
        await b.create('/registry/pods/ns/p99', 'new');
        let next = first;
        while (next.more) {
          expect(next.nextKey).toBeDefined();
          next = await b.list('/registry/pods/', { limit: 3, startKey: next.nextKey as string, revision: first.revision });
          expect(next.revision).toBe(first.revision);
          seen.push(...next.kvs);
        }
        expect(seen.map((kv) => `${kv.key}=${kv.value}`)).toEqual(keys.map((k) => `${k}=v:${k}`));
        const now = await b.list('/registry/pods/');
        expect(keysOf(now.kvs)).toEqual([...keys.slice(0, 4), '/registry/pods/ns/p03a', ...keys.slice(5), '/registry/pods/ns/p99']);
        expect(now.kvs.find((kv) => kv.key === keys[5])?.value).toBe('changed');
      });

      it('a limit larger than the list returns everything without more', async () => {
        await put(['/registry/pods/ns/a', '/registry/pods/ns/b']);
        const all = await b.list('/registry/pods/', { limit: 2 });
        expect(all.more).toBe(false);
        expect(all.nextKey).toBeUndefined();
        expect(keysOf(all.kvs)).toHaveLength(2);
      });
    });

    runWatchContract(backend, opts);
  });
}
