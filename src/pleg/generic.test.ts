import { describe, expect, it } from 'vitest';
import { ev, IMAGE, podConfig, runPod, setup } from './fixtures.js';

describe('relisting PLEG: events and the pod cache', () => {
  it('reports start, death and removal, and keeps the cache in step', async () => {
    const { fake, clock, pleg, events } = setup();
    const { sandboxId, ids } = await runPod(fake, 'u1');
    const [app] = ids as [string];

    const first = await pleg.relist();
    expect(first).toMatchObject({ succeeded: true, pods: 1, events: 2, failedPods: 0, startedAt: clock.now() });
    expect(events).toEqual([ev('u1', 'ContainerStarted', sandboxId), ev('u1', 'ContainerStarted', app)]);
    const entry = pleg.cache.get('u1');
    expect(entry.modified).toBe(clock.now());
    expect(entry.status).toMatchObject({ uid: 'u1', name: 'pod-u1', namespace: 'default', ips: ['10.88.0.2'] });
    expect(entry.status?.containers.map((c) => [c.id, c.state, c.labels['io.kubernetes.container.name']])).toEqual([[app, 'CONTAINER_RUNNING', 'app']]);

    events.length = 0;
    expect(await pleg.relist()).toMatchObject({ events: 0 });
    expect(events).toEqual([]);

    fake.controls.exitContainer(app, { exitCode: 3 });
    clock.advance(1000);
    await pleg.relist();
    expect(events).toEqual([ev('u1', 'ContainerDied', app)]);
    expect(pleg.cache.get('u1').status?.containers[0]).toMatchObject({ id: app, state: 'CONTAINER_EXITED', exitCode: 3, reason: 'Error' });

    events.length = 0;
    await fake.containers.removeContainer(app);
    await pleg.relist();
    expect(events).toEqual([ev('u1', 'ContainerRemoved', app)]);
    expect(pleg.cache.get('u1').status?.containers).toEqual([]);

    events.length = 0;
    await fake.sandboxes.removePodSandbox(sandboxId);
    await pleg.relist();
    expect(events).toEqual([ev('u1', 'ContainerDied', sandboxId), ev('u1', 'ContainerRemoved', sandboxId)]);
    expect(pleg.cache.get('u1')).toEqual({ status: null, error: null, modified: 0 });
  });

  it('with inspectPods off it only lists and emits: no status calls, an empty cache', async () => {
    const { fake, pleg, events } = setup({ inspectPods: false });
    const { sandboxId, ids } = await runPod(fake, 'u1');
    fake.controls.clearCalls();
    await pleg.relist();
    expect(events).toEqual([ev('u1', 'ContainerStarted', sandboxId), ev('u1', 'ContainerStarted', ids[0] ?? '')]);
    expect(fake.controls.calls.map((c) => c.method).sort()).toEqual(['containers.listContainers', 'sandboxes.listPodSandbox']);
    expect(pleg.cache.get('u1').status).toBeNull();
  });

  it('updates the cache for a created container but emits no ContainerChanged (as upstream)', async () => {
    const { fake, pleg, events } = setup();
    const { sandboxId, ids } = await runPod(fake, 'u1', ['app'], false);
    await pleg.relist();
    expect(events).toEqual([ev('u1', 'ContainerStarted', sandboxId)]);
    expect(pleg.cache.get('u1').status?.containers.map((c) => [c.id, c.state])).toEqual([[ids[0], 'CONTAINER_CREATED']]);
  });

  it('getNewerThan resolves after the next relist with the newer status', async () => {
    const { fake, clock, pleg } = setup();
    const { ids } = await runPod(fake, 'u1');
    await pleg.relist();
    clock.advance(10);
    const lastSync = clock.now();
    let resolved = false;
    const waiting = pleg.cache.getNewerThan('u1', lastSync).then((e) => ((resolved = true), e));
    const waitingMissing = pleg.cache.getNewerThan('nobody', lastSync);
    fake.controls.exitContainer(ids[0] ?? '', { exitCode: 0 });
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    await pleg.relist();
    const entry = await waiting;
    expect(entry.modified).toBe(lastSync);
    expect(entry.status?.containers[0]).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' });
    await expect(waitingMissing).resolves.toEqual({ status: null, error: null, modified: 0 });
    expect(pleg.cache.time()).toBe(lastSync);
  });

  it('groups by the pod uid label: several pods, several sandboxes per pod, newest first', async () => {
    const { fake, pleg } = setup();
    const a = await runPod(fake, 'a', ['x', 'y']);
    const b = await runPod(fake, 'b', ['z']);
    await fake.sandboxes.stopPodSandbox(a.sandboxId);
    const retry = podConfig('a', 'pod-a', 1);
    const a2 = await fake.sandboxes.runPodSandbox(retry);
    const labels = { ...retry.labels, 'io.kubernetes.container.name': 'x' };
    const x2 = await fake.containers.createContainer(a2, { metadata: { name: 'x', attempt: 1 }, image: { image: IMAGE }, labels }, retry);
    await fake.containers.startContainer(x2);
    const other = await fake.sandboxes.runPodSandbox({ metadata: { name: 'foreign', namespace: 'x', uid: 'f', attempt: 0 }, labels: { app: 'foreign' } });

    expect(await pleg.relist()).toMatchObject({ pods: 2 });
    const statusA = pleg.cache.get('a').status;
    expect(statusA?.sandboxes.map((s) => [s.id, s.state])).toEqual([
      [a2, 'SANDBOX_READY'],
      [a.sandboxId, 'SANDBOX_NOTREADY'],
    ]);
    expect(statusA?.containers.map((c) => c.id)).toEqual([x2, ...[...a.ids].reverse()]);
    expect(statusA?.ips).toHaveLength(1);
    expect(pleg.cache.get('b').status?.containers.map((c) => c.id)).toEqual(b.ids);
    expect(pleg.cache.get('f').status).toBeNull();
    expect(fake.controls.callsTo('sandboxes.podSandboxStatus').flat()).not.toContain(other);
  });

  it('a sandbox-only pod is a pod; when its sandbox stops it keeps its last IP', async () => {
    const { fake, pleg, events } = setup();
    const sandboxId = await fake.sandboxes.runPodSandbox(podConfig('s'));
    await pleg.relist();
    expect(events).toEqual([ev('s', 'ContainerStarted', sandboxId)]);
    expect(pleg.cache.get('s').status).toMatchObject({ containers: [], ips: ['10.88.0.2'], sandboxes: [{ id: sandboxId, state: 'SANDBOX_READY' }] });
    await fake.sandboxes.stopPodSandbox(sandboxId);
    await pleg.relist();
    expect(events.at(-1)).toEqual(ev('s', 'ContainerDied', sandboxId));
    expect(pleg.cache.get('s').status).toMatchObject({ ips: ['10.88.0.2'], sandboxes: [{ state: 'SANDBOX_NOTREADY', network: null }] });
  });

  it('a container removed between list and status is simply absent, not an error', async () => {
    const { fake, pleg, events } = setup();
    const { sandboxId, ids } = await runPod(fake, 'u1', ['app', 'side']);
    fake.controls.injectError('containers.containerStatus', 'NotFound');
    expect(await pleg.relist()).toMatchObject({ failedPods: 0, events: 3 });
    expect(events.map((e) => e.data)).toEqual([sandboxId, ...ids]);
    const entry = pleg.cache.get('u1');
    expect(entry.error).toBeNull();
    expect(entry.status?.containers).toHaveLength(1);
  });

  it('a failed inspection keeps the events for the next relist and caches the error', async () => {
    const { fake, pleg, events } = setup();
    const { sandboxId, ids } = await runPod(fake, 'u1');
    fake.controls.hang('sandboxes.podSandboxStatus');
    expect(await pleg.relist()).toMatchObject({ succeeded: true, failedPods: 1, events: 0 });
    expect(events).toEqual([]);
    expect(pleg.cache.get('u1').error?.message).toMatch(/PodSandboxStatus/);
    expect(pleg.healthy().ok).toBe(true);

    fake.controls.unhang('sandboxes.podSandboxStatus');
    expect(await pleg.relist()).toMatchObject({ failedPods: 0, events: 2 });
    expect(events).toEqual([ev('u1', 'ContainerStarted', sandboxId), ev('u1', 'ContainerStarted', ids[0] ?? '')]);
    expect(pleg.cache.get('u1')).toMatchObject({ error: null, status: { uid: 'u1' } });
  });

  it('re-inspects a pod whose inspection failed even when the runtime went back to the recorded state', async () => {
    const { fake, pleg, events } = setup();
    const config = podConfig('u1');
    const { sandboxId } = await runPod(fake, 'u1');
    await pleg.relist();
    const labels = { ...config.labels, 'io.kubernetes.container.name': 'extra' };
    const extra = await fake.containers.createContainer(sandboxId, { metadata: { name: 'extra', attempt: 0 }, image: { image: IMAGE }, labels }, config);
    fake.controls.injectError('containers.containerStatus', 'Internal');
    expect(await pleg.relist()).toMatchObject({ failedPods: 1 });
    expect(pleg.cache.get('u1')).toMatchObject({ status: null, error: { message: expect.stringMatching(/injected Internal/) } });

    await fake.containers.removeContainer(extra);
    events.length = 0;
    expect(await pleg.relist()).toMatchObject({ failedPods: 0, events: 0 });
    expect(pleg.cache.get('u1')).toMatchObject({ error: null, status: { containers: [expect.objectContaining({ state: 'CONTAINER_RUNNING' })] } });
    const calls = fake.controls.callsTo('containers.containerStatus').length;
    await pleg.relist();
    expect(fake.controls.callsTo('containers.containerStatus')).toHaveLength(calls);
  });

  it('takes the pod uid from podUidOf', async () => {
    const { fake, pleg } = setup({ podUidOf: (labels) => labels['io.kubernetes.pod.name'] });
    await fake.sandboxes.runPodSandbox(podConfig('u1', 'by-name'));
    await pleg.relist();
    expect(pleg.cache.get('by-name').status?.uid).toBe('by-name');
  });

  it('forgets the cached error of a pod that failed inspection and then vanished', async () => {
    const { fake, pleg, events } = setup();
    const sandboxId = await fake.sandboxes.runPodSandbox(podConfig('u1'));
    fake.controls.injectError('sandboxes.podSandboxStatus', 'Internal');
    expect(await pleg.relist()).toMatchObject({ failedPods: 1 });
    expect(pleg.cache.get('u1').error).not.toBeNull();
    await fake.sandboxes.removePodSandbox(sandboxId);
    expect(await pleg.relist()).toMatchObject({ failedPods: 0, events: 0 });
    expect(pleg.cache.get('u1')).toEqual({ status: null, error: null, modified: 0 });
    expect(events).toEqual([]);
  });
});
