/**
 * The deciders against the stateful fake runtime: a miniature executor applies each decision, and
 * the next decision is computed from scratch from what the runtime reports — exactly what a kubelet
 * restarted with `kill -9` would do. Converging means the decision becomes "nothing to do".
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/index.js';
import { createFakeRuntime, type FakeRuntime } from '../../cri/index.js';
import { computePodActions, type ContainerToStart, type PodActions, type PodActionsContext } from './actions.js';
import { BackOff, containerBackOffKey } from './backoff.js';
import { containerConfig, podSandboxConfig } from './cri-config.js';
import { container, makePod, sidecar } from './fixtures.js';
import { buildRuntimePodStatus, findContainerStatus, type RuntimePodStatus } from './runtime.js';
import { generatePodStatus } from './status.js';

const GiB = 1024 ** 3;
const identity = { uid: 'uid-1', name: 'web', namespace: 'default' };

function view(fake: FakeRuntime): RuntimePodStatus {
  return buildRuntimePodStatus(identity, fake.controls.sandboxList(), fake.controls.containerList());
}

/** A miniature executor: performs one decision against the fake. */
async function apply(fake: FakeRuntime, pod: Pod, a: PodActions): Promise<void> {
  const stopAll = async (): Promise<void> => {
    for (const c of fake.controls.containerList()) if (c.state === 'CONTAINER_RUNNING') await fake.containers.stopContainer(c.id, 0);
    for (const s of fake.controls.sandboxList()) await fake.sandboxes.stopPodSandbox(s.id);
  };
  const start = async (sandboxId: string, attempt: number, s: ContainerToStart): Promise<void> => {
    const spec = s.kind === 'regular' ? pod.spec.containers[s.index] : pod.spec.initContainers?.[s.index];
    if (!spec) throw new Error(`no spec for ${s.name}`);
    const sandboxConfig = podSandboxConfig(pod, { attempt });
    const { config } = containerConfig(pod, spec, { restartCount: s.restartCount, memoryCapacityBytes: 8 * GiB });
    const id = await fake.containers.createContainer(sandboxId, config, sandboxConfig);
    await fake.containers.startContainer(id);
  };
  switch (a.type) {
    case 'KillPod':
      return stopAll();
    case 'CreateSandbox': {
      await stopAll();
      const id = await fake.sandboxes.runPodSandbox(podSandboxConfig(pod, { attempt: a.attempt }));
      for (const s of [...a.initContainersToStart, ...a.containersToStart]) await start(id, a.attempt, s);
      return;
    }
    case 'SyncContainers':
      for (const k of a.containersToKill) await fake.containers.stopContainer(k.containerId, 0);
      for (const s of [...a.initContainersToStart, ...a.containersToStart]) await start(a.sandboxId, a.attempt, s);
      return;
    default: {
      const never: never = a;
      throw new Error(`unexpected ${String(never)}`);
    }
  }
}

/** Regular init containers "finish" right after they start. */
function finishInitContainers(fake: FakeRuntime, pod: Pod): void {
  const regular = new Set((pod.spec.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always').map((c) => c.name));
  for (const c of view(fake).containers) if (regular.has(c.name) && c.state === 'CONTAINER_RUNNING') fake.controls.exitContainer(c.id, { exitCode: 0 });
}

const idle = (a: PodActions): boolean =>
  a.type === 'SyncContainers' && a.containersToKill.length === 0 && a.initContainersToStart.length === 0 && a.containersToStart.length === 0 && a.backedOff.length === 0;

/** Decides and applies until there is nothing to do; returns the number of syncs it took. */
async function converge(fake: FakeRuntime, pod: Pod, ctx: PodActionsContext = {}): Promise<number> {
  for (let n = 1; n <= 10; n++) {
    const a = computePodActions(pod, view(fake), ctx);
    if (idle(a)) return n;
    await apply(fake, pod, a);
    finishInitContainers(fake, pod);
  }
  throw new Error('did not converge');
}

const pod = makePod({ initContainers: [container('init'), sidecar('proxy')], containers: [container('app'), container('worker')] });

describe('deciders against the fake runtime', () => {
  it('bring a pod with an init container, a sidecar and two app containers to Running, in order', async () => {
    const fake = createFakeRuntime({ images: ['busybox:1.36'] });
    // create sandbox + init, then the sidecar, then the app containers, then idle
    expect(await converge(fake, pod)).toBe(4);
    const created = fake.controls.callsTo('containers.createContainer').map((args) => (args[1] as { metadata: { name: string } }).metadata.name);
    expect(created).toEqual(['init', 'proxy', 'app', 'worker']);
    const status = generatePodStatus(pod, view(fake), { now: Date.now() });
    expect(status.phase).toBe('Running');
    expect(status.conditions?.filter((c) => c.status !== 'True').map((c) => c.type)).toEqual([]);
  });

  it('a restarted kubelet adopts what runs: nothing is recreated', async () => {
    const fake = createFakeRuntime({ images: ['busybox:1.36'] });
    await converge(fake, pod);
    const before = fake.controls.containerList().map((c) => c.id);
    fake.controls.clearCalls();
    // A fresh decision from nothing but the runtime's labels and annotations.
    expect(idle(computePodActions(pod, view(fake)))).toBe(true);
    expect(fake.controls.containerList().map((c) => c.id)).toEqual(before);
    expect(fake.controls.calls).toEqual([]);
  });

  it('a changed image restarts just that container', async () => {
    const fake = createFakeRuntime({ images: ['busybox:1.36', 'busybox:1.37'] });
    await converge(fake, pod);
    const proxy = findContainerStatus(view(fake), 'proxy')?.id;
    const changed: Pod = { ...pod, spec: { ...pod.spec, containers: [container('app', { image: 'busybox:1.37' }), container('worker')] } };
    const a = computePodActions(changed, view(fake));
    expect(a).toMatchObject({ type: 'SyncContainers', containersToKill: [{ name: 'app', reason: 'SpecChanged' }], containersToStart: [{ name: 'app', restartCount: 1 }] });
    await apply(fake, changed, a);
    expect(idle(computePodActions(changed, view(fake)))).toBe(true);
    expect(findContainerStatus(view(fake), 'proxy')?.id).toBe(proxy);
    expect(findContainerStatus(view(fake), 'app')?.image).toContain('busybox:1.37');
  });

  it('a crash-looping container is restarted with growing back-off and increasing restart count', async () => {
    let nowNs = 1_704_067_200_000_000_000n;
    const nowMs = (): number => Number(nowNs / 1_000_000n);
    // Every reading advances the clock 1 µs, so instances never share a creation time.
    const fake = createFakeRuntime({ images: ['busybox:1.36'], now: () => (nowNs += 1000n) });
    const simple = makePod();
    const backOff = new BackOff();
    const ctx: PodActionsContext = {
      inBackOff: (name, lastExit) => {
        const spec = simple.spec.containers.find((c) => c.name === name);
        if (!spec) return false;
        const key = containerBackOffKey(simple, spec, lastExit.hash);
        const finished = Number(lastExit.finishedAt / 1_000_000n);
        if (backOff.isInBackOffSince(key, finished, nowMs())) return true;
        backOff.next(key, nowMs(), finished);
        return false;
      },
    };
    await converge(fake, simple, ctx);
    const key = containerBackOffKey(simple, simple.spec.containers[0] ?? container('app'), findContainerStatus(view(fake), 'app')?.hash ?? '');
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const app = findContainerStatus(view(fake), 'app');
      if (!app) throw new Error('no app');
      fake.controls.exitContainer(app.id, { exitCode: 1 });
      let a = computePodActions(simple, view(fake), ctx);
      if (i > 0) {
        // Crashed again within the delay: the start waits, reported for CrashLoopBackOff.
        expect(a).toMatchObject({ type: 'SyncContainers', containersToStart: [], backedOff: [{ name: 'app', lastExit: { id: app.id } }] });
        nowNs += BigInt(backOff.get(key)) * 1_000_000n;
        a = computePodActions(simple, view(fake), ctx);
      }
      expect(a).toMatchObject({ type: 'SyncContainers', containersToStart: [{ name: 'app', reason: 'Restart', restartCount: i + 1 }], backedOff: [] });
      delays.push(backOff.get(key));
      await apply(fake, simple, a);
      nowNs += 1_000_000_000n; // it runs for a second, then crashes
    }
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(findContainerStatus(view(fake), 'app')?.restartCount).toBe(4);
  });
});
