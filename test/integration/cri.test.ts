import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, isNotFound, type CriClient, type PodSandboxConfig } from '../../src/cri/index.js';
import { startTestContainerd, type TestContainerd } from './helpers/env.js';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('CRI client against a real containerd', () => {
  let env: TestContainerd;
  let cri: CriClient;
  let sandboxConfig: PodSandboxConfig;
  let sandboxId = '';
  let containerId = '';
  const uid = randomUUID();

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
    cri = createCriClient({ endpoint: env.socket, timeoutMs: 60_000 });
  });
  afterAll(async () => {
    cri?.close();
    await env?.cleanup();
  });

  it('reports the runtime version and health', async () => {
    const v = await cri.runtime.version();
    expect(v.runtimeName).toBe('containerd');
    expect(v.runtimeApiVersion).toBe('v1');
    const status = await cri.runtime.status();
    expect(status.conditions.find((c) => c.type === 'RuntimeReady')?.status).toBe(true);
  });

  it('pulls the busybox image from the local registry', async () => {
    const ref = await cri.images.pullImage({ image: env.images.busybox });
    expect(ref).toMatch(/^sha256:[0-9a-f]{64}$/);
    const img = await cri.images.imageStatus({ image: env.images.busybox });
    expect(img?.repoTags).toContain(env.images.busybox);
    expect(img?.size).toBeGreaterThan(500_000);
    expect((await cri.images.listImages()).some((i) => i.id === img?.id)).toBe(true);
    expect(await cri.images.imageStatus({ image: `${env.registry}/tskube/none:1` })).toBeNull();
  });

  it('keeps the registry error of a failed pull', async () => {
    const err = await cri.images.pullImage({ image: `${env.registry}/tskube/does-not-exist:1` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NotFound' });
    expect(String((err as Error).message)).toMatch(/not found/);
  });

  it('runs a pod sandbox with a network', async () => {
    const logDirectory = join(env.dir, 'pods', `default_cri-test_${uid}`);
    await mkdir(logDirectory, { recursive: true });
    sandboxConfig = {
      metadata: { name: 'cri-test', namespace: 'default', uid, attempt: 0 },
      hostname: 'cri-test',
      logDirectory,
      dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      labels: { 'io.kubernetes.pod.name': 'cri-test', 'io.kubernetes.pod.uid': uid },
      linux: {
        cgroupParent: `${env.cgroupParent}/pod${uid}`,
        securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
      },
    };
    sandboxId = await cri.sandboxes.runPodSandbox(sandboxConfig);
    const { status, info } = await cri.sandboxes.podSandboxStatus(sandboxId, { verbose: true });
    expect(status.state).toBe('SANDBOX_READY');
    expect(status.metadata).toEqual({ name: 'cri-test', namespace: 'default', uid, attempt: 0 });
    expect(status.network?.ip).toMatch(new RegExp(`^${env.podSubnetPrefix.replace(/\./g, '\\.')}`));
    expect(JSON.parse(info.info ?? '{}')).toHaveProperty('pid');
    expect(status.createdAt).toBeGreaterThan(1_600_000_000_000_000_000n);
  });

  it('creates, starts and execs into a container', async () => {
    containerId = await cri.containers.createContainer(
      sandboxId,
      {
        metadata: { name: 'app', attempt: 0 },
        image: { image: env.images.busybox },
        command: ['sh', '-c'],
        args: ['trap "exit 0" TERM; echo hello; echo oops >&2; while true; do sleep 0.2; done'],
        envs: [{ key: 'FOO', value: 'bar baz' }],
        logPath: 'app/0.log',
        labels: { 'io.kubernetes.container.name': 'app' },
        linux: { resources: { memoryLimitInBytes: 64 * 1024 * 1024, cpuShares: 256 } },
      },
      sandboxConfig,
    );
    let { status } = await cri.containers.containerStatus(containerId);
    expect(status.state).toBe('CONTAINER_CREATED');
    await cri.containers.startContainer(containerId);
    ({ status } = await cri.containers.containerStatus(containerId));
    expect(status.state).toBe('CONTAINER_RUNNING');
    expect(status.startedAt).toBeGreaterThanOrEqual(status.createdAt);
    expect(status.logPath).toBe(join(sandboxConfig.logDirectory ?? '', 'app/0.log'));

    const res = await cri.containers.execSync(containerId, ['sh', '-c', 'echo "$FOO"; echo to-stderr >&2; exit 3'], 10);
    expect(res).toMatchObject({ exitCode: 3 });
    expect(res.stdout.toString()).toBe('bar baz\n');
    expect(res.stderr.toString()).toBe('to-stderr\n');
  });

  it('writes the container log in the CRI format', async () => {
    const path = join(sandboxConfig.logDirectory ?? '', 'app/0.log');
    const lines = await waitFor('both log lines', async () => {
      const text = await readFile(path, 'utf8').catch(() => '');
      const ls = text.split('\n').filter(Boolean);
      return ls.length >= 2 ? ls : undefined;
    });
    const parsed = lines.map((l) => /^(\S+) (stdout|stderr) ([PF]) (.*)$/.exec(l));
    expect(parsed.every(Boolean)).toBe(true);
    expect(parsed.map((m) => `${m?.[2]} ${m?.[4]}`).sort()).toEqual(['stderr oops', 'stdout hello']);
    expect(Number.isNaN(Date.parse(parsed[0]?.[1] ?? ''))).toBe(false);
  });

  it('reads container and sandbox stats', async () => {
    const stats = await waitFor('non-zero stats', async () => {
      const s = await cri.stats.containerStats(containerId);
      return (s.memory?.workingSetBytes ?? 0) > 0 && (s.cpu?.usageCoreNanoSeconds ?? 0) > 0 ? s : undefined;
    });
    expect(stats.id).toBe(containerId);
    expect(stats.metadata.name).toBe('app');
    expect(stats.cpu?.timestamp).toBeGreaterThan(0n);
    const all = await cri.stats.listContainerStats({ podSandboxId: sandboxId });
    expect(all.map((s) => s.id)).toEqual([containerId]);
    const pod = await cri.stats.podSandboxStats(sandboxId);
    expect(pod.id).toBe(sandboxId);
  });

  it('lists sandboxes and containers with filters', async () => {
    const sandboxes = await cri.sandboxes.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } });
    expect(sandboxes.map((s) => s.id)).toEqual([sandboxId]);
    expect(await cri.sandboxes.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': 'other' } })).toEqual([]);
    const containers = await cri.containers.listContainers({ podSandboxId: sandboxId, state: { state: 'CONTAINER_RUNNING' } });
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ id: containerId, podSandboxId: sandboxId, state: 'CONTAINER_RUNNING', metadata: { name: 'app', attempt: 0 } });
  });

  it('keeps working across a containerd restart; containers keep running', async () => {
    await env.containerd.restart();
    const containers = await cri.containers.listContainers({ podSandboxId: sandboxId });
    expect(containers.map((c) => [c.id, c.state])).toEqual([[containerId, 'CONTAINER_RUNNING']]);
    const res = await cri.containers.execSync(containerId, ['echo', 'still here'], 10);
    expect(res.stdout.toString()).toBe('still here\n');
  });

  it('maps a missing container to NotFound', async () => {
    const err = await cri.containers.containerStatus('0'.repeat(64)).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
  });

  it('stops and removes the container and the sandbox, idempotently', async () => {
    await cri.containers.stopContainer(containerId, 10);
    const { status } = await cri.containers.containerStatus(containerId);
    expect(status).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' });
    expect(status.finishedAt).toBeGreaterThanOrEqual(status.startedAt);
    await cri.containers.removeContainer(containerId);
    await cri.containers.removeContainer(containerId);
    await cri.sandboxes.stopPodSandbox(sandboxId);
    await cri.sandboxes.removePodSandbox(sandboxId);
    await cri.sandboxes.removePodSandbox(sandboxId);
    expect(await cri.containers.listContainers({ podSandboxId: sandboxId })).toEqual([]);
    expect(await cri.sandboxes.listPodSandbox({ id: sandboxId })).toEqual([]);
  });
});
