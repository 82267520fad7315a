import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CriError, type CriErrorCode } from './errors.js';
import { createFakeRuntime, grpcMethodName, normalizeImageRef, type FakeRuntime, type FakeRuntimeOptions } from './fake.js';
import type { ContainerConfig, ContainerEvent, PodSandboxConfig } from './types.js';

const IMAGE = 'nginx:1.25';

function podConfig(name = 'web', extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  return {
    metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
    logDirectory: `/var/log/pods/default_${name}_uid-${name}`,
    labels: { app: name, 'io.kubernetes.pod.name': name },
    ...extra,
  };
}

function ctrConfig(name = 'app', extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return { metadata: { name, attempt: 0 }, image: { image: IMAGE }, logPath: `${name}/0.log`, labels: { container: name }, ...extra };
}

const hostNetwork = (mode: 'NODE' | 2): Partial<PodSandboxConfig> => ({ linux: { securityContext: { namespaceOptions: { network: mode } } } });

/** A fake with a ticking clock (1µs per reading) and IMAGE present. */
function setup(opts: FakeRuntimeOptions = {}): FakeRuntime {
  let t = 1_000_000n;
  return createFakeRuntime({ now: () => (t += 1_000n), images: [IMAGE], ...opts });
}

async function runningContainer(fake: FakeRuntime, pod = 'web', name = 'app'): Promise<{ sandboxId: string; id: string }> {
  const sandboxId = await fake.sandboxes.runPodSandbox(podConfig(pod));
  const id = await fake.containers.createContainer(sandboxId, ctrConfig(name), podConfig(pod));
  await fake.containers.startContainer(id);
  return { sandboxId, id };
}

/** The CriError a promise rejects with (fails the test if it resolves or throws something else). */
async function criError(p: Promise<unknown>): Promise<CriError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CriError);
  return err as CriError;
}

async function take(events: AsyncIterable<ContainerEvent>, n: number): Promise<ContainerEvent[]> {
  const out: ContainerEvent[] = [];
  if (n === 0) return out;
  for await (const e of events) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('fake CRI: sandboxes', () => {
  it('runs, stops and removes a sandbox, stop and remove being idempotent', async () => {
    const fake = setup();
    const id = await fake.sandboxes.runPodSandbox(podConfig('web'), { runtimeHandler: 'runc' });
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const { status } = await fake.sandboxes.podSandboxStatus(id);
    expect(status).toMatchObject({
      id,
      state: 'SANDBOX_READY',
      metadata: { name: 'web', uid: 'uid-web', namespace: 'default', attempt: 0 },
      runtimeHandler: 'runc',
      network: { ip: '10.88.0.2', additionalIps: [] },
      namespaceOptions: { network: 'POD', pid: 'POD', ipc: 'POD', targetId: '' },
    });
    expect(status.createdAt).toBeGreaterThan(0n);

    await fake.sandboxes.stopPodSandbox(id);
    await fake.sandboxes.stopPodSandbox(id);
    const stopped = (await fake.sandboxes.podSandboxStatus(id)).status;
    expect(stopped.state).toBe('SANDBOX_NOTREADY');
    expect(stopped.network).toBeNull();

    await fake.sandboxes.removePodSandbox(id);
    await fake.sandboxes.removePodSandbox(id);
    await fake.sandboxes.stopPodSandbox(id);
    expect((await criError(fake.sandboxes.podSandboxStatus(id))).code).toBe('NotFound');
    expect(fake.controls.sandboxList()).toEqual([]);
  });

  it.each<[string, PodSandboxConfig]>([
    ['no metadata', {}],
    ['no uid', { metadata: { name: 'web', namespace: 'default' } }],
    ['no name', { metadata: { uid: 'u', namespace: 'default' } }],
    ['no namespace', { metadata: { name: 'web', uid: 'u' } }],
  ])('rejects a config with %s as InvalidArgument', async (_case, config) => {
    const fake = setup();
    expect((await criError(fake.sandboxes.runPodSandbox(config))).code).toBe('InvalidArgument');
  });

  it('reserves the name/namespace/uid/attempt until the sandbox is removed', async () => {
    const fake = setup();
    const first = await fake.sandboxes.runPodSandbox(podConfig('web'));
    const err = await criError(fake.sandboxes.runPodSandbox(podConfig('web')));
    expect(err.code).toBe('AlreadyExists');
    expect(err.details).toContain('failed to reserve sandbox name "web_default_uid-web_0"');
    expect(err.details).toContain(first);

    await fake.sandboxes.stopPodSandbox(first);
    expect((await criError(fake.sandboxes.runPodSandbox(podConfig('web')))).code).toBe('AlreadyExists');
    const nextAttempt = podConfig('web', { metadata: { name: 'web', uid: 'uid-web', namespace: 'default', attempt: 1 } });
    await expect(fake.sandboxes.runPodSandbox(nextAttempt)).resolves.toMatch(/^[0-9a-f]{64}$/);

    await fake.sandboxes.removePodSandbox(first);
    await expect(fake.sandboxes.runPodSandbox(podConfig('web'))).resolves.not.toBe(first);
  });

  it('allocates the lowest free pod IP and releases it on stop', async () => {
    const fake = setup();
    const a = await fake.sandboxes.runPodSandbox(podConfig('a'));
    const b = await fake.sandboxes.runPodSandbox(podConfig('b'));
    const ipOf = async (id: string): Promise<string | undefined> => (await fake.sandboxes.podSandboxStatus(id)).status.network?.ip;
    expect([await ipOf(a), await ipOf(b)]).toEqual(['10.88.0.2', '10.88.0.3']);

    await fake.sandboxes.stopPodSandbox(a);
    const c = await fake.sandboxes.runPodSandbox(podConfig('c'));
    expect(await ipOf(c)).toBe('10.88.0.2');
  });

  it.each(['NODE', 2] as const)('gives a host-network sandbox (network %s) no IP and no address from the pool', async (mode) => {
    const fake = setup();
    const host = await fake.sandboxes.runPodSandbox(podConfig('host', hostNetwork(mode)));
    const { status } = await fake.sandboxes.podSandboxStatus(host);
    expect(status.network).toBeNull();
    expect(status.namespaceOptions?.network).toBe('NODE');
    const pod = await fake.sandboxes.runPodSandbox(podConfig('pod'));
    expect((await fake.sandboxes.podSandboxStatus(pod)).status.network?.ip).toBe('10.88.0.2');
  });

  it('fails like the host-local IPAM plugin when the pool is exhausted', async () => {
    const fake = setup();
    for (let i = 0; i < 253; i++) await fake.sandboxes.runPodSandbox(podConfig(`p${i}`));
    const err = await criError(fake.sandboxes.runPodSandbox(podConfig('one-too-many')));
    expect(err.code).toBe('Unknown');
    expect(err.details).toContain('no IP addresses available in range set');
    await fake.sandboxes.runPodSandbox(podConfig('host', hostNetwork('NODE')));
    // The failed attempt did not keep its name.
    const [first] = fake.controls.sandboxList();
    await fake.sandboxes.stopPodSandbox(first?.id ?? '');
    await fake.sandboxes.runPodSandbox(podConfig('one-too-many'));
  });

  it('stopPodSandbox kills running containers (137/Error), leaves created and exited ones', async () => {
    const fake = setup();
    const { sandboxId, id: running } = await runningContainer(fake);
    const created = await fake.containers.createContainer(sandboxId, ctrConfig('created'), podConfig());
    const exited = await fake.containers.createContainer(sandboxId, ctrConfig('exited'), podConfig());
    await fake.containers.startContainer(exited);
    fake.controls.exitContainer(exited, { exitCode: 0 });

    await fake.sandboxes.stopPodSandbox(sandboxId);
    const byId = new Map(fake.controls.containerList().map((c) => [c.id, c]));
    expect(byId.get(running)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, reason: 'Error' });
    expect(byId.get(created)).toMatchObject({ state: 'CONTAINER_CREATED' });
    expect(byId.get(exited)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' });
  });

  it('removePodSandbox force-stops a ready sandbox and removes its containers only', async () => {
    const fake = setup();
    const { sandboxId } = await runningContainer(fake, 'web');
    const other = await runningContainer(fake, 'other');
    await fake.sandboxes.removePodSandbox(sandboxId);
    expect(fake.controls.sandboxList().map((s) => s.id)).toEqual([other.sandboxId]);
    expect(fake.controls.containerList().map((c) => c.id)).toEqual([other.id]);
    // The IP came back.
    const again = await fake.sandboxes.runPodSandbox(podConfig('again'));
    expect((await fake.sandboxes.podSandboxStatus(again)).status.network?.ip).toBe('10.88.0.2');
  });
});

describe('fake CRI: containers', () => {
  it('walks CREATED -> RUNNING -> EXITED -> removed', async () => {
    const fake = setup();
    const sandboxId = await fake.sandboxes.runPodSandbox(podConfig('web'));
    const id = await fake.containers.createContainer(sandboxId, ctrConfig('app'), podConfig('web'));
    const created = (await fake.containers.containerStatus(id)).status;
    expect(created).toMatchObject({
      id,
      state: 'CONTAINER_CREATED',
      metadata: { name: 'app', attempt: 0 },
      image: IMAGE,
      imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      imageRef: expect.stringMatching(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/),
      logPath: '/var/log/pods/default_web_uid-web/app/0.log',
      startedAt: 0n,
      finishedAt: 0n,
    });

    await fake.containers.startContainer(id);
    const running = (await fake.containers.containerStatus(id)).status;
    expect(running.state).toBe('CONTAINER_RUNNING');
    expect(running.startedAt).toBeGreaterThan(created.createdAt);

    await fake.containers.stopContainer(id, 30);
    const exited = (await fake.containers.containerStatus(id)).status;
    expect(exited).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, reason: 'Error' });
    expect(exited.finishedAt).toBeGreaterThan(running.startedAt);

    await fake.containers.stopContainer(id, 30);
    expect((await fake.containers.containerStatus(id)).status.finishedAt).toBe(exited.finishedAt);

    await fake.containers.removeContainer(id);
    await fake.containers.removeContainer(id);
    expect((await criError(fake.containers.containerStatus(id))).code).toBe('NotFound');
  });

  it.each([
    [0, 'Completed'],
    [143, 'Error'],
  ])('stopContainer reports a programmed exit code %i as %s', async (code, reason) => {
    const fake = setup();
    const { id } = await runningContainer(fake);
    fake.controls.setStopExitCode(id, code);
    await fake.containers.stopContainer(id, 0);
    expect((await fake.containers.containerStatus(id)).status).toMatchObject({ exitCode: code, reason });
  });

  it('takes the default stop exit code from the options', async () => {
    const fake = setup({ stopExitCode: 0 });
    const { id } = await runningContainer(fake);
    await fake.containers.stopContainer(id, 0);
    expect((await fake.containers.containerStatus(id)).status).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('removeContainer force-stops a running container', async () => {
    const fake = setup();
    const { id } = await runningContainer(fake);
    await fake.containers.removeContainer(id);
    expect(fake.controls.containerList()).toEqual([]);
  });

  it('frees the container name on remove, not on stop', async () => {
    const fake = setup();
    const { sandboxId, id } = await runningContainer(fake);
    await fake.containers.stopContainer(id, 0);
    const err = await criError(fake.containers.createContainer(sandboxId, ctrConfig('app'), podConfig()));
    expect(err.code).toBe('AlreadyExists');
    expect(err.details).toContain('failed to reserve container name "app_web_default_uid-web_0"');
    await fake.containers.createContainer(sandboxId, ctrConfig('app', { metadata: { name: 'app', attempt: 1 } }), podConfig());
    await fake.containers.removeContainer(id);
    await fake.containers.createContainer(sandboxId, ctrConfig('app'), podConfig());
  });

  type Ids = { sandboxId: string; id: string };
  interface Case {
    name: string;
    /** Brings the running container or its sandbox into the state under test. */
    before?: (f: FakeRuntime, ids: Ids) => unknown;
    act: (f: FakeRuntime, ids: Ids) => Promise<unknown>;
    code: CriErrorCode;
    details: string;
  }
  const exit = (f: FakeRuntime, { id }: Ids): void => f.controls.exitContainer(id, { exitCode: 0 });
  it.each<Case>([
    { name: 'start a running container', act: (f, { id }) => f.containers.startContainer(id), code: 'FailedPrecondition', details: 'CONTAINER_RUNNING' },
    { name: 'start an exited container', before: exit, act: (f, { id }) => f.containers.startContainer(id), code: 'FailedPrecondition', details: 'CONTAINER_EXITED' },
    { name: 'start an unknown container', act: (f) => f.containers.startContainer('nope'), code: 'NotFound', details: 'not found' },
    { name: 'stop an unknown container', act: (f) => f.containers.stopContainer('nope', 0), code: 'NotFound', details: 'not found' },
    { name: 'status of an unknown container', act: (f) => f.containers.containerStatus('nope'), code: 'NotFound', details: 'not found' },
    {
      name: 'create in an unknown sandbox',
      act: (f) => f.containers.createContainer('nope', ctrConfig('x'), podConfig()),
      code: 'NotFound',
      details: 'failed to find sandbox id "nope": not found',
    },
    {
      name: 'create in a stopped sandbox',
      before: (f, { sandboxId }) => f.sandboxes.stopPodSandbox(sandboxId),
      act: (f, { sandboxId }) => f.containers.createContainer(sandboxId, ctrConfig('x'), podConfig()),
      code: 'FailedPrecondition',
      details: 'is not ready',
    },
    {
      name: 'create without metadata',
      act: (f, { sandboxId }) => f.containers.createContainer(sandboxId, { image: { image: IMAGE } }, podConfig()),
      code: 'InvalidArgument',
      details: 'metadata',
    },
    {
      name: 'create from an absent image',
      act: (f, { sandboxId }) => f.containers.createContainer(sandboxId, ctrConfig('x', { image: { image: 'redis:7' } }), podConfig()),
      code: 'NotFound',
      details: 'failed to resolve image "redis:7": not found',
    },
    { name: 'exec in an exited container', before: exit, act: (f, { id }) => f.containers.execSync(id, ['true'], 1), code: 'FailedPrecondition', details: 'CONTAINER_EXITED' },
    {
      name: 'reopen the log of an exited container',
      before: exit,
      act: (f, { id }) => f.containers.reopenContainerLog(id),
      code: 'FailedPrecondition',
      details: 'CONTAINER_EXITED',
    },
    { name: 'update an unknown container', act: (f) => f.containers.updateContainerResources('nope', {}), code: 'NotFound', details: 'not found' },
    { name: 'port-forward to an unknown sandbox', act: (f) => f.streaming.portForward('nope', [80]), code: 'NotFound', details: 'not found' },
  ])('$name fails with $code', async ({ before, act, code, details }) => {
    const fake = setup();
    const ids = await runningContainer(fake);
    await before?.(fake, ids);
    const err = await criError(act(fake, ids));
    expect(err.code).toBe(code);
    expect(err.details).toContain(details);
    expect(err.method).toMatch(/^(RuntimeService|ImageService)\/[A-Z]/);
  });

  it('starting a created container in a stopped sandbox fails', async () => {
    const fake = setup();
    const sandboxId = await fake.sandboxes.runPodSandbox(podConfig());
    const id = await fake.containers.createContainer(sandboxId, ctrConfig(), podConfig());
    await fake.sandboxes.stopPodSandbox(sandboxId);
    expect((await criError(fake.containers.startContainer(id))).code).toBe('FailedPrecondition');
  });

  it.each([
    [{ exitCode: 0 }, 'Completed', ''],
    [{ exitCode: 2 }, 'Error', ''],
    [{ exitCode: 137, reason: 'OOMKilled', message: 'memory limit 64Mi' }, 'OOMKilled', 'memory limit 64Mi'],
  ])('exitContainer(%o) -> EXITED with reason %s', async (exit, reason, message) => {
    const fake = setup();
    const { id } = await runningContainer(fake);
    const startedAt = (await fake.containers.containerStatus(id)).status.startedAt;
    fake.controls.exitContainer(id, exit);
    const { status } = await fake.containers.containerStatus(id);
    expect(status).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: exit.exitCode, reason, message });
    expect(status.finishedAt).toBeGreaterThan(startedAt);
  });

  it('exitContainer refuses a container that is not running', async () => {
    const fake = setup();
    const sandboxId = await fake.sandboxes.runPodSandbox(podConfig());
    const id = await fake.containers.createContainer(sandboxId, ctrConfig(), podConfig());
    expect(() => fake.controls.exitContainer(id, { exitCode: 0 })).toThrow(/only a running container can exit/);
    expect(() => fake.controls.exitContainer('nope', { exitCode: 0 })).toThrow(/no container nope/);
    await fake.containers.startContainer(id);
    expect(() => fake.controls.exitContainer(id, { exitCode: 256 })).toThrow(RangeError);
  });

  it('execSync returns the default, a fixed or a computed result', async () => {
    const fake = setup();
    const { id } = await runningContainer(fake);
    const def = await fake.containers.execSync(id, ['true'], 1);
    expect(def).toEqual({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 });

    fake.controls.setExecResult(id, { exitCode: 1, stderr: 'unhealthy' });
    const fixed = await fake.containers.execSync(id, ['check'], 1);
    expect([fixed.exitCode, fixed.stderr.toString()]).toEqual([1, 'unhealthy']);

    fake.controls.setExecResult(id, (cmd) => ({ stdout: cmd.join(' ') }));
    const computed = await fake.containers.execSync(id, ['echo', 'hi'], 0);
    expect([computed.exitCode, computed.stdout.toString()]).toEqual([0, 'echo hi']);
  });

  it('stores updated resources and copies mounts into the status', async () => {
    const fake = setup();
    const sandboxId = await fake.sandboxes.runPodSandbox(podConfig());
    const mounts = [{ containerPath: '/data', hostPath: '/var/lib/kubelet/pods/x/volumes/data', readonly: true }];
    const id = await fake.containers.createContainer(sandboxId, ctrConfig('app', { mounts }), podConfig());
    await fake.containers.updateContainerResources(id, { cpuShares: 512 });
    expect((await fake.containers.containerStatus(id)).status.mounts).toEqual(mounts);
  });
});

describe('fake CRI: list filters', () => {
  it('filters sandboxes by id, state (name or number) and labels', async () => {
    const fake = setup();
    const a = await fake.sandboxes.runPodSandbox(podConfig('a'));
    const b = await fake.sandboxes.runPodSandbox(podConfig('b'));
    await fake.sandboxes.stopPodSandbox(b);
    const ids = async (filter?: Parameters<FakeRuntime['sandboxes']['listPodSandbox']>[0]): Promise<string[]> =>
      (await fake.sandboxes.listPodSandbox(filter)).map((s) => s.id);

    expect(await ids()).toEqual([a, b]);
    expect(await ids({ id: b })).toEqual([b]);
    expect(await ids({ state: { state: 'SANDBOX_READY' } })).toEqual([a]);
    expect(await ids({ state: { state: 1 } })).toEqual([b]);
    expect(await ids({ labelSelector: { app: 'b' } })).toEqual([b]);
    expect(await ids({ labelSelector: { app: 'b', 'io.kubernetes.pod.name': 'a' } })).toEqual([]);
  });

  it('filters containers by id, sandbox, state and labels', async () => {
    const fake = setup();
    const one = await runningContainer(fake, 'one', 'app');
    const two = await runningContainer(fake, 'two', 'sidecar');
    fake.controls.exitContainer(two.id, { exitCode: 0 });
    const ids = async (filter?: Parameters<FakeRuntime['containers']['listContainers']>[0]): Promise<string[]> =>
      (await fake.containers.listContainers(filter)).map((c) => c.id);

    expect(await ids()).toEqual([one.id, two.id]);
    expect(await ids({ id: two.id })).toEqual([two.id]);
    expect(await ids({ podSandboxId: one.sandboxId })).toEqual([one.id]);
    expect(await ids({ state: { state: 'CONTAINER_EXITED' } })).toEqual([two.id]);
    expect(await ids({ state: { state: 1 } })).toEqual([one.id]);
    expect(await ids({ labelSelector: { container: 'sidecar' } })).toEqual([two.id]);
    expect(await ids({ podSandboxId: one.sandboxId, state: { state: 'CONTAINER_EXITED' } })).toEqual([]);
  });

  it('returns copies, not its own state', async () => {
    const fake = setup();
    await fake.sandboxes.runPodSandbox(podConfig('a'));
    const [listed] = await fake.sandboxes.listPodSandbox();
    if (!listed) throw new Error('no sandbox listed');
    listed.labels.app = 'changed';
    listed.state = 'SANDBOX_NOTREADY';
    expect(await fake.sandboxes.listPodSandbox({ labelSelector: { app: 'a' }, state: { state: 'SANDBOX_READY' } })).toHaveLength(1);
  });
});

describe('fake CRI: images', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['nginx@sha256:abc', 'docker.io/library/nginx@sha256:abc'],
    ['sha256:abc', 'sha256:abc'],
  ])('normalises %s to %s', (ref, want) => {
    expect(normalizeImageRef(ref)).toBe(want);
  });

  it('finds an image by short name, full name, digest and id', async () => {
    const fake = setup({ images: [] });
    const id = fake.controls.addImage('registry.k8s.io/pause:3.10', { size: 320_000, pinned: true });
    const status = await fake.images.imageStatus({ image: 'registry.k8s.io/pause:3.10' });
    expect(status).toMatchObject({ id, repoTags: ['registry.k8s.io/pause:3.10'], size: 320_000, pinned: true });
    const digest = status?.repoDigests[0] ?? '';
    for (const ref of [digest, id]) expect((await fake.images.imageStatus({ image: ref }))?.id).toBe(id);
    expect(await fake.images.imageStatus({ image: 'busybox' })).toBeNull();
  });

  it('pulls only pullable refs, failing like a registry otherwise', async () => {
    const fake = setup({ images: [] });
    const err = await criError(fake.images.pullImage({ image: 'busybox' }));
    expect(err.code).toBe('NotFound');
    expect(err.method).toBe('ImageService/PullImage');
    expect(err.details).toBe(
      'failed to pull and unpack image "docker.io/library/busybox:latest": failed to resolve reference "docker.io/library/busybox:latest": docker.io/library/busybox:latest: not found',
    );

    fake.controls.setPullable('busybox', { size: 4_000_000 });
    const ref = await fake.images.pullImage({ image: 'busybox' });
    expect(ref).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await fake.images.imageStatus({ image: 'docker.io/library/busybox:latest' })).toMatchObject({ id: ref, size: 4_000_000 });
    await expect(fake.images.pullImage({ image: 'busybox:latest' })).resolves.toBe(ref);
  });

  it('gates createContainer on image presence', async () => {
    const fake = setup({ images: [] });
    const sandboxId = await fake.sandboxes.runPodSandbox(podConfig());
    expect((await criError(fake.containers.createContainer(sandboxId, ctrConfig(), podConfig()))).code).toBe('NotFound');
    fake.controls.setPullable(IMAGE);
    await fake.images.pullImage({ image: IMAGE });
    await fake.containers.createContainer(sandboxId, ctrConfig(), podConfig());
  });

  it('lists with a filter, removes idempotently and sums image fs usage', async () => {
    const fake = setup({ images: [] });
    const a = fake.controls.addImage('a:1', { size: 10 });
    fake.controls.addImage('b:1', { size: 32 });
    expect((await fake.images.listImages()).map((i) => i.repoTags[0])).toEqual(['docker.io/library/a:1', 'docker.io/library/b:1']);
    expect((await fake.images.listImages({ image: { image: 'a:1' } })).map((i) => i.id)).toEqual([a]);
    expect(await fake.images.listImages({ image: { image: 'c:1' } })).toEqual([]);

    const fs = await fake.images.imageFsInfo();
    expect(fs.imageFilesystems[0]).toMatchObject({ usedBytes: 42, inodesUsed: 2 });

    await fake.images.removeImage({ image: 'a:1' });
    await fake.images.removeImage({ image: 'a:1' });
    expect(await fake.images.imageStatus({ image: 'a:1' })).toBeNull();
  });

  it('moves a tag to the image added last under it', async () => {
    const fake = setup({ images: [] });
    const old = fake.controls.addImage('app:latest', { id: 'sha256:old' });
    const fresh = fake.controls.addImage('app:latest', { id: 'sha256:new' });
    expect((await fake.images.imageStatus({ image: 'app' }))?.id).toBe(fresh);
    expect((await fake.images.imageStatus({ image: old }))?.repoTags).toEqual([]);
  });
});

describe('fake CRI: call gate', () => {
  it('consumes injected errors FIFO, `times` each, for that method only', async () => {
    const fake = setup();
    const custom = new CriError('ResourceExhausted', 'RuntimeService/RunPodSandbox', 'no space left on device');
    fake.controls.injectError('sandboxes.runPodSandbox', 'Unavailable', 2);
    fake.controls.injectError('sandboxes.runPodSandbox', custom);

    await fake.sandboxes.listPodSandbox();
    const first = await criError(fake.sandboxes.runPodSandbox(podConfig()));
    expect([first.code, first.method]).toEqual(['Unavailable', 'RuntimeService/RunPodSandbox']);
    expect((await criError(fake.sandboxes.runPodSandbox(podConfig()))).code).toBe('Unavailable');
    expect(await criError(fake.sandboxes.runPodSandbox(podConfig()))).toBe(custom);
    await fake.sandboxes.runPodSandbox(podConfig());
    // Failed calls changed nothing.
    expect(fake.controls.sandboxList()).toHaveLength(1);
  });

  it('rejects a bad `times`', () => {
    expect(() => setup().controls.injectError('images.pullImage', 'Unknown', 0)).toThrow(RangeError);
  });

  it('a hung call fails with DeadlineExceeded at its timeoutMs', async () => {
    const fake = setup();
    fake.controls.hang('containers.listContainers');
    const err = await criError(fake.containers.listContainers({}, { timeoutMs: 20 }));
    expect([err.code, err.method]).toEqual(['DeadlineExceeded', 'RuntimeService/ListContainers']);
  });

  it('a hung call without timeoutMs uses the fake-wide deadline', async () => {
    vi.useFakeTimers();
    const fake = setup({ timeoutMs: 5_000 });
    fake.controls.hang('sandboxes.listPodSandbox');
    const p = criError(fake.sandboxes.listPodSandbox());
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await p).code).toBe('DeadlineExceeded');
  });

  it('a hung call fails with Cancelled when its signal aborts, and completes on unhang', async () => {
    const fake = setup();
    fake.controls.hang('sandboxes.runPodSandbox');
    const ac = new AbortController();
    const cancelled = criError(fake.sandboxes.runPodSandbox(podConfig('a'), { signal: ac.signal }));
    const released = fake.sandboxes.runPodSandbox(podConfig('b'));
    ac.abort();
    expect((await cancelled).code).toBe('Cancelled');
    fake.controls.unhang('sandboxes.runPodSandbox');
    await released;
    expect(fake.controls.sandboxList().map((s) => s.metadata.name)).toEqual(['b']);
  });

  it('leaves no abort listener behind on the caller\'s signal', async () => {
    const fake = setup({ events: true });
    const ac = new AbortController();
    fake.controls.hang('runtime.status');
    fake.controls.setLatency('runtime.version', 1);
    const released = fake.runtime.status({ signal: ac.signal });
    fake.controls.unhang('runtime.status');
    await released;
    await fake.runtime.version({ signal: ac.signal });
    fake.controls.hang('runtime.status');
    await criError(fake.runtime.status({ signal: ac.signal, timeoutMs: 1 }));
    const events = fake.runtime.containerEvents(ac.signal)[Symbol.asyncIterator]();
    await events.return?.();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('an already aborted signal fails the call with Cancelled before it acts', async () => {
    const fake = setup();
    const err = await criError(fake.sandboxes.runPodSandbox(podConfig(), { signal: AbortSignal.abort() }));
    expect(err.code).toBe('Cancelled');
    expect(fake.controls.sandboxList()).toEqual([]);
  });

  it('delays calls by the set latency, within their deadline', async () => {
    vi.useFakeTimers();
    const fake = setup();
    fake.controls.setLatency('runtime.version', 100);
    let done = false;
    const p = fake.runtime.version().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);

    const slow = criError(fake.runtime.version({ timeoutMs: 50 }));
    await vi.advanceTimersByTimeAsync(50);
    expect((await slow).code).toBe('DeadlineExceeded');
  });

  it('logs every call with its arguments, without signal or timeout', async () => {
    const fake = setup();
    const id = await fake.sandboxes.runPodSandbox(podConfig(), { runtimeHandler: 'kata', timeoutMs: 1_000 });
    await fake.sandboxes.stopPodSandbox(id, { signal: new AbortController().signal });
    await criError(fake.containers.startContainer('nope'));
    expect(fake.controls.calls).toEqual([
      { method: 'sandboxes.runPodSandbox', args: [podConfig(), { runtimeHandler: 'kata' }] },
      { method: 'sandboxes.stopPodSandbox', args: [id] },
      { method: 'containers.startContainer', args: ['nope'] },
    ]);
    expect(fake.controls.callsTo('sandboxes.stopPodSandbox')).toEqual([[id]]);
    await fake.sandboxes.listPodSandbox();
    await fake.containers.listContainers({ podSandboxId: id });
    expect(fake.controls.calls.slice(3).map((c) => c.args)).toEqual([[], [{ podSandboxId: id }]]);
    fake.controls.clearCalls();
    expect(fake.controls.calls).toEqual([]);
  });

  it.each([
    ['containers.startContainer', 'RuntimeService/StartContainer'],
    ['images.imageFsInfo', 'ImageService/ImageFsInfo'],
    ['runtime.containerEvents', 'RuntimeService/GetContainerEvents'],
    ['streaming.portForward', 'RuntimeService/PortForward'],
  ] as const)('names %s as %s in errors', (method, name) => {
    expect(grpcMethodName(method)).toBe(name);
  });
});

describe('fake CRI: events', () => {
  it('rejects with Unimplemented when events are off (the default)', async () => {
    const fake = setup();
    const err = await criError(take(fake.runtime.containerEvents(new AbortController().signal), 1));
    expect(err.code).toBe('Unimplemented');
  });

  it('streams sandbox and container lifecycle events until the signal aborts', async () => {
    const fake = setup({ events: true });
    const ac = new AbortController();
    const events = fake.runtime.containerEvents(ac.signal);

    const { sandboxId, id } = await runningContainer(fake);
    fake.controls.exitContainer(id, { exitCode: 1 });
    await fake.sandboxes.removePodSandbox(sandboxId);

    const got = await take(events, 8);
    expect(got.map((e) => [e.type, e.containerId === sandboxId ? 'sandbox' : 'app'])).toEqual([
      ['CONTAINER_CREATED_EVENT', 'sandbox'],
      ['CONTAINER_STARTED_EVENT', 'sandbox'],
      ['CONTAINER_CREATED_EVENT', 'app'],
      ['CONTAINER_STARTED_EVENT', 'app'],
      ['CONTAINER_STOPPED_EVENT', 'app'],
      ['CONTAINER_STOPPED_EVENT', 'sandbox'],
      ['CONTAINER_DELETED_EVENT', 'app'],
      ['CONTAINER_DELETED_EVENT', 'sandbox'],
    ]);
    const started = got[3];
    expect(started?.podSandboxStatus?.id).toBe(sandboxId);
    expect(started?.containersStatuses.map((c) => [c.id, c.state])).toEqual([[id, 'CONTAINER_RUNNING']]);

    const rest = fake.runtime.containerEvents(ac.signal);
    ac.abort();
    expect(await take(rest, 1)).toEqual([]);
    expect(await take(fake.runtime.containerEvents(AbortSignal.abort()), 1)).toEqual([]);
  });

  it('ends a stream with the error breakEventStreams gives, after what it holds', async () => {
    const fake = setup({ events: true });
    const events = fake.runtime.containerEvents(new AbortController().signal)[Symbol.asyncIterator]();
    await fake.sandboxes.runPodSandbox(podConfig());
    fake.controls.breakEventStreams();
    expect((await events.next()).value?.type).toBe('CONTAINER_CREATED_EVENT');
    expect((await events.next()).value?.type).toBe('CONTAINER_STARTED_EVENT');
    expect((await criError(events.next())).code).toBe('Unavailable');
    expect((await events.next()).done).toBe(true);
  });

  it('fails a new stream with an injected error', async () => {
    const fake = setup({ events: true });
    fake.controls.injectError('runtime.containerEvents', 'Unavailable');
    expect((await criError(take(fake.runtime.containerEvents(new AbortController().signal), 1))).code).toBe('Unavailable');
    expect(fake.controls.callsTo('runtime.containerEvents')).toEqual([[]]);
  });
});

describe('fake CRI: stats, streaming, runtime', () => {
  it('reports programmed stats for running containers and sums them per sandbox', async () => {
    const fake = setup();
    const { sandboxId, id } = await runningContainer(fake, 'web', 'app');
    const sidecar = await fake.containers.createContainer(sandboxId, ctrConfig('sidecar'), podConfig('web'));
    await fake.containers.startContainer(sidecar);
    fake.controls.setContainerStats(id, { cpuUsageNanoCores: 100, memoryWorkingSetBytes: 1_000 });
    fake.controls.setContainerStats(sidecar, { cpuUsageNanoCores: 20, memoryWorkingSetBytes: 24 });

    expect(await fake.stats.containerStats(id)).toMatchObject({ cpu: { usageNanoCores: 100 }, memory: { workingSetBytes: 1_000 } });
    const pod = await fake.stats.podSandboxStats(sandboxId);
    expect(pod).toMatchObject({ cpu: { usageNanoCores: 120 }, memory: { workingSetBytes: 1_024 }, processCount: 2 });
    expect(pod.network?.defaultInterface?.name).toBe('eth0');

    fake.controls.exitContainer(sidecar, { exitCode: 0 });
    expect((await fake.stats.containerStats(sidecar)).cpu).toBeNull();
    expect((await fake.stats.listContainerStats()).map((s) => s.id)).toEqual([id]);
    expect((await fake.stats.podSandboxStats(sandboxId)).memory?.workingSetBytes).toBe(1_000);
  });

  it('lists stats of ready sandboxes only; host-network sandboxes have no network stats', async () => {
    const fake = setup();
    const gone = await fake.sandboxes.runPodSandbox(podConfig('gone'));
    await fake.sandboxes.stopPodSandbox(gone);
    const host = await fake.sandboxes.runPodSandbox(podConfig('host', hostNetwork('NODE')));
    const stats = await fake.stats.listPodSandboxStats();
    expect(stats.map((s) => [s.id, s.network])).toEqual([[host, null]]);
    expect((await criError(fake.stats.podSandboxStats('nope'))).code).toBe('NotFound');
  });

  it('hands out streaming URLs for running containers and ready sandboxes', async () => {
    const fake = setup();
    const { sandboxId, id } = await runningContainer(fake);
    expect(await fake.streaming.exec({ containerId: id, cmd: ['sh'] })).toMatch(/^http:\/\/127\.0\.0\.1:10010\/exec\/[\w-]{8}$/);
    expect(await fake.streaming.attach({ containerId: id })).toMatch(/\/attach\/[\w-]{8}$/);
    expect(await fake.streaming.portForward(sandboxId, [80])).toMatch(/\/portforward\/[\w-]{8}$/);
    fake.controls.exitContainer(id, { exitCode: 0 });
    expect((await criError(fake.streaming.exec({ containerId: id, cmd: ['sh'] }))).code).toBe('FailedPrecondition');
  });

  it('reports version, controllable conditions and the pod CIDR', async () => {
    const fake = setup();
    expect(await fake.runtime.version()).toEqual({ version: '0.1.0', runtimeName: 'fake', runtimeVersion: '0.0.0', runtimeApiVersion: 'v1' });
    expect((await fake.runtime.status()).conditions.map((c) => [c.type, c.status])).toEqual([
      ['RuntimeReady', true],
      ['NetworkReady', true],
    ]);
    fake.controls.setRuntimeCondition('NetworkReady', false);
    expect((await fake.runtime.status()).conditions[1]).toEqual({
      type: 'NetworkReady',
      status: false,
      reason: 'NetworkPluginNotReady',
      message: 'Network plugin returns error: cni plugin not initialized',
    });
    await fake.runtime.updateRuntimeConfig('10.244.1.0/24');
    expect(fake.controls.podCidr()).toBe('10.244.1.0/24');
  });

  it.each<[string, FakeRuntimeOptions]>([
    ['timeoutMs 0', { timeoutMs: 0 }],
    ['timeoutMs NaN', { timeoutMs: Number.NaN }],
    ['stopExitCode 256', { stopExitCode: 256 }],
    ['stopExitCode 1.5', { stopExitCode: 1.5 }],
  ])('rejects option %s with a RangeError', (_case, opts) => {
    expect(() => createFakeRuntime(opts)).toThrow(RangeError);
  });
});
