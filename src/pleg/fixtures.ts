/**
 * A fake runtime, a fake clock and a PLEG wired together, and pods to run in the fake, for the
 * PLEG's unit tests. Test-only: not exported from the folder's index.
 */
import { createFakeRuntime, type FakeRuntime, type PodSandboxConfig } from '../cri/index.js';
import { FakeClock } from '../lib/clock.js';
import { createPleg, type Pleg, type PlegOptions } from './generic.js';
import type { PodLifecycleEvent } from './types.js';

export const IMAGE = 'busybox';

export function setup(opts: Partial<PlegOptions> = {}): { fake: FakeRuntime; clock: FakeClock; pleg: Pleg; events: PodLifecycleEvent[] } {
  let tick = 0n;
  // Strictly increasing timestamps, so "newest first" is well defined.
  const fake = createFakeRuntime({ images: [IMAGE], now: () => 1_700_000_000_000_000_000n + ++tick * 1000n });
  const clock = new FakeClock();
  const pleg = createPleg({ runtime: fake, clock, callTimeoutMs: 50, ...opts });
  const events: PodLifecycleEvent[] = [];
  pleg.subscribe((e) => events.push(e));
  return { fake, clock, pleg, events };
}

export function podConfig(uid: string, name = `pod-${uid}`, attempt = 0): PodSandboxConfig {
  return {
    metadata: { name, namespace: 'default', uid, attempt },
    labels: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': 'default' },
  };
}

/** A sandbox with the named containers, started unless `start` is false. */
export async function runPod(fake: FakeRuntime, uid: string, containers: string[] = ['app'], start = true): Promise<{ sandboxId: string; ids: string[] }> {
  const config = podConfig(uid);
  const sandboxId = await fake.sandboxes.runPodSandbox(config);
  const ids: string[] = [];
  for (const name of containers) {
    const labels = { ...config.labels, 'io.kubernetes.container.name': name };
    const id = await fake.containers.createContainer(sandboxId, { metadata: { name, attempt: 0 }, image: { image: IMAGE }, labels }, config);
    if (start) await fake.containers.startContainer(id);
    ids.push(id);
  }
  return { sandboxId, ids };
}

export const ev = (podUid: string, type: PodLifecycleEvent['type'], data: string): PodLifecycleEvent => ({ podUid, type, data });
