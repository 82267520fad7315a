import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { runWorkers, WorkQueue } from './workqueue.js';

describe('WorkQueue', () => {
  it('stores a waiting key once however often it is added, in FIFO order', async () => {
    const q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.length).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
  });

  it('never hands out a key being processed; re-adds it after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(key as string);
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('wakes a waiting get when a key arrives', async () => {
    const q = new WorkQueue();
    const got = q.get();
    q.add('x');
    expect(await got).toBe('x');
  });

  it('addAfter waits on the clock; the earliest pending delay wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 500);
    clock.advance(99);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    clock.advance(1000);
    expect(q.length).toBe(1);
  });

  it('backs off exponentially per key and forget resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 35 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      for (let t = 0; q.length === 0 && t < 100; t++) clock.advance(1);
      delays.push(clock.now() - start);
      q.done((await q.get()) as string);
    }
    expect(delays).toEqual([10, 20, 35, 35]);
    expect(q.numRequeues('k')).toBe(4);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => new WorkQueue({ baseDelayMs: 0 })).toThrow(RangeError);
    expect(() => new WorkQueue({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
  });

  it('shutDown wakes waiters with undefined and ignores new keys', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('late');
    expect(await q.get()).toBeUndefined();
  });
});

describe('runWorkers', () => {
  it('processes keys, retries failures with back-off, and stops on abort', async () => {
    const q = new WorkQueue({ baseDelayMs: 1 });
    const ac = new AbortController();
    const seen: string[] = [];
    let failures = 0;
    const running = runWorkers(
      q,
      2,
      async (key) => {
        seen.push(key);
        if (key === 'flaky' && failures++ < 2) throw new Error('transient');
        if (seen.filter((k) => k === 'flaky').length === 3) ac.abort();
      },
      ac.signal,
    );
    q.add('ok');
    q.add('flaky');
    await running;
    expect(seen.filter((k) => k === 'flaky')).toHaveLength(3);
    expect(seen).toContain('ok');
  });
});
