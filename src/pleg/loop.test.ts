import { describe, expect, it } from 'vitest';
import { createFakeRuntime, type CriRuntime } from '../cri/index.js';
import { FakeClock, realClock } from '../lib/clock.js';
import { ev, podConfig, runPod, setup } from './fixtures.js';
import { createPleg } from './generic.js';
import type { PodLifecycleEvent } from './types.js';

describe('relisting PLEG: deadlines, health, the loop and subscribers', () => {
  it('a hung ListContainers times out, the next relist works, and health only counts successful lists', async () => {
    const { fake, clock, pleg, events } = setup({ relistThresholdMs: 180_000 });
    expect(pleg.healthy()).toEqual({ ok: false, message: 'pleg has yet to be successful' });
    const { sandboxId, ids } = await runPod(fake, 'u1');
    fake.controls.hang('containers.listContainers');
    const started = Date.now();
    expect(await pleg.relist()).toMatchObject({ succeeded: false, pods: 0 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(pleg.healthy().ok).toBe(false);
    expect(events).toEqual([]);
    expect(pleg.cache.time()).toBeNull();

    fake.controls.unhang('containers.listContainers');
    const ok = await pleg.relist();
    expect(ok).toMatchObject({ succeeded: true, events: 2 });
    expect(pleg.lastRelist()).toEqual(ok);
    expect(events).toEqual([ev('u1', 'ContainerStarted', sandboxId), ev('u1', 'ContainerStarted', ids[0] ?? '')]);
    expect(pleg.healthy()).toEqual({ ok: true, message: '' });

    clock.advance(180_000);
    expect(pleg.healthy().ok).toBe(true);
    clock.advance(100);
    expect(pleg.healthy()).toEqual({ ok: false, message: 'pleg was last seen active 3m0.1s ago; threshold is 3m0s' });
    fake.controls.injectError('sandboxes.listPodSandbox', 'Unavailable');
    await pleg.relist();
    expect(pleg.healthy().ok).toBe(false);
    await pleg.relist();
    expect(pleg.healthy()).toEqual({ ok: true, message: '' });
  });

  it('a hung inspection phase shares one deadline: many changed pods cost one timeout, not one each', async () => {
    const { fake, pleg, events } = setup({ callTimeoutMs: 100 });
    for (let i = 0; i < 40; i++) await fake.sandboxes.runPodSandbox(podConfig(`u${i}`));
    fake.controls.hang('sandboxes.podSandboxStatus');
    const started = Date.now();
    expect(await pleg.relist()).toMatchObject({ succeeded: true, pods: 40, failedPods: 40, events: 0 });
    expect(Date.now() - started).toBeLessThan(40 * 100);
    expect(events).toEqual([]);
    expect(pleg.cache.get('u39').error?.message).toMatch(/inspection deadline passed/);
    expect(fake.controls.callsTo('sandboxes.podSandboxStatus').length).toBeLessThan(40);
    fake.controls.unhang('sandboxes.podSandboxStatus');
    expect(await pleg.relist()).toMatchObject({ failedPods: 0, events: 40 });
  });

  it('never runs two relists at once', async () => {
    const fake = createFakeRuntime();
    let inFlight = 0;
    let most = 0;
    const runtime: Pick<CriRuntime, 'sandboxes' | 'containers'> = {
      containers: fake.containers,
      sandboxes: {
        ...fake.sandboxes,
        listPodSandbox: async (filter, opts) => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          return fake.sandboxes.listPodSandbox(filter, opts);
        },
      },
    };
    const pleg = createPleg({ runtime, clock: new FakeClock() });
    const results = await Promise.all([pleg.relist(), pleg.relist(), pleg.relist()]);
    expect(results.every((r) => r.succeeded)).toBe(true);
    expect(most).toBe(1);
    expect(fake.controls.callsTo('sandboxes.listPodSandbox')).toHaveLength(3);
  });

  it('run relists every period until aborted', async () => {
    const { fake, clock, pleg } = setup({ relistPeriodMs: 1000 });
    const ac = new AbortController();
    const lists = (): number => fake.controls.callsTo('sandboxes.listPodSandbox').length;
    const done = pleg.run(ac.signal);
    await expect.poll(lists).toBe(1);
    await expect(pleg.run(ac.signal)).rejects.toThrow(/already running/);
    clock.advance(999);
    await new Promise((r) => setImmediate(r));
    expect(lists()).toBe(1);
    clock.advance(1);
    await expect.poll(lists).toBe(2);
    ac.abort();
    await done;
    clock.advance(5000);
    expect(lists()).toBe(2);
  });

  it('a hung runtime does not stall the loop: it keeps relisting and recovers', async () => {
    const { fake, pleg, events } = setup({ clock: realClock, relistPeriodMs: 10, callTimeoutMs: 30 });
    const { sandboxId } = await runPod(fake, 'u1', []);
    fake.controls.hang('containers.listContainers');
    const ac = new AbortController();
    const done = pleg.run(ac.signal);
    await expect.poll(() => fake.controls.callsTo('containers.listContainers').length, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    expect(events).toEqual([]);
    fake.controls.unhang('containers.listContainers');
    await expect.poll(() => events, { timeout: 2000 }).toEqual([ev('u1', 'ContainerStarted', sandboxId)]);
    ac.abort();
    await done;
  });

  it('a throwing handler does not stop the others; unsubscribe stops delivery', async () => {
    const { fake, pleg, events } = setup();
    const unsubscribe = pleg.subscribe(() => {
      throw new Error('bad handler');
    });
    await fake.sandboxes.runPodSandbox(podConfig('u1'));
    await pleg.relist();
    expect(events).toHaveLength(1);
    unsubscribe();
    const seen: PodLifecycleEvent[] = [];
    const stop = pleg.subscribe((e) => seen.push(e));
    stop();
    await fake.sandboxes.runPodSandbox(podConfig('u2'));
    await pleg.relist();
    expect(seen).toEqual([]);
    expect(events).toHaveLength(2);
  });

  it('rejects bad options', () => {
    const runtime = createFakeRuntime();
    expect(() => createPleg({ runtime, relistPeriodMs: 0 })).toThrow(RangeError);
    expect(() => createPleg({ runtime, callTimeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => createPleg({ runtime, relistThresholdMs: -1 })).toThrow(RangeError);
  });
});
