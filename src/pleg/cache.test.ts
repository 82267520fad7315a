import { describe, expect, it } from 'vitest';
import { createPodCache } from './cache.js';
import type { PodRuntimeStatus } from './types.js';

const status = (uid: string, ips: string[] = []): PodRuntimeStatus => ({ uid, name: 'p', namespace: 'default', sandboxes: [], containers: [], ips });

/** Whether the promise has settled after pending microtasks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('PodCache (upstream container/cache.go)', () => {
  it('a pod not in the cache has no status, no error and modified 0', () => {
    const cache = createPodCache();
    expect(cache.get('a')).toEqual({ status: null, error: null, modified: 0 });
    expect(cache.time()).toBeNull();
  });

  it('set, get, delete', () => {
    const cache = createPodCache();
    const err = new Error('boom');
    cache.set('a', status('a'), null, 10);
    cache.set('b', null, err, 11);
    expect(cache.get('a')).toEqual({ status: status('a'), error: null, modified: 10 });
    expect(cache.get('b')).toEqual({ status: null, error: err, modified: 11 });
    cache.delete('a');
    expect(cache.get('a').status).toBeNull();
  });

  it('getNewerThan resolves at once when the entry was modified at or after minTime', async () => {
    const cache = createPodCache();
    cache.set('a', status('a'), null, 100);
    await expect(cache.getNewerThan('a', 100)).resolves.toMatchObject({ modified: 100 });
    await expect(cache.getNewerThan('a', 50)).resolves.toMatchObject({ modified: 100 });
  });

  it('getNewerThan resolves at once when the global timestamp is at or after minTime, missing pods too', async () => {
    const cache = createPodCache();
    cache.set('a', status('a'), null, 10);
    cache.updateTime(100);
    expect(cache.time()).toBe(100);
    await expect(cache.getNewerThan('a', 100)).resolves.toMatchObject({ modified: 10 });
    await expect(cache.getNewerThan('missing', 90)).resolves.toEqual({ status: null, error: null, modified: 0 });
  });

  it('getNewerThan waits for a set at or after minTime; an older set does not wake it', async () => {
    const cache = createPodCache();
    cache.set('a', status('a'), null, 10);
    const p = cache.getNewerThan('a', 20);
    expect(await settled(p)).toBe(false);
    cache.set('a', status('a', ['10.0.0.1']), null, 19);
    cache.set('b', status('b'), null, 30);
    expect(await settled(p)).toBe(false);
    cache.set('a', status('a', ['10.0.0.2']), null, 20);
    await expect(p).resolves.toEqual({ status: status('a', ['10.0.0.2']), error: null, modified: 20 });
  });

  it('updateTime wakes, in bulk, every waiter it satisfies and leaves the others', async () => {
    const cache = createPodCache();
    const early = ['a', 'b', 'c'].map((uid) => cache.getNewerThan(uid, 50));
    const late = cache.getNewerThan('a', 60);
    cache.set('b', status('b'), null, 40);
    cache.updateTime(50);
    const entries = await Promise.all(early);
    expect(entries.map((e) => e.status?.uid ?? null)).toEqual([null, 'b', null]);
    expect(await settled(late)).toBe(false);
    cache.updateTime(60);
    await expect(late).resolves.toEqual({ status: null, error: null, modified: 0 });
  });

  it('a deleted pod wakes nobody until the next updateTime', async () => {
    const cache = createPodCache();
    cache.set('a', status('a'), null, 10);
    const p = cache.getNewerThan('a', 20);
    cache.delete('a');
    expect(await settled(p)).toBe(false);
    cache.updateTime(25);
    await expect(p).resolves.toEqual({ status: null, error: null, modified: 0 });
  });

  it('getNewerThan is abortable: rejects with the reason and is no longer woken', async () => {
    const cache = createPodCache();
    const ac = new AbortController();
    const p = cache.getNewerThan('a', 20, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    cache.updateTime(30);
    await expect(cache.getNewerThan('a', 20, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
