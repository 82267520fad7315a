import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient, type PodSandboxConfig } from '../../src/cri/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { createPleg, type Pleg, type PodLifecycleEvent } from '../../src/pleg/index.js';
import { startTestContainerd, type TestContainerd } from './helpers/env.js';

const POLL = { timeout: 20_000, interval: 50 };

describe('PLEG against a real containerd', () => {
  let env: TestContainerd | undefined;
  let cri: CriClient | undefined;
  let pleg: Pleg;
  let running: Promise<void> | undefined;
  const stop = new AbortController();
  const uid = randomUUID();
  const events: PodLifecycleEvent[] = [];
  const ofPod = (): Array<[string, string]> => events.filter((e) => e.podUid === uid).map((e) => [e.type, e.data]);
  let sandboxConfig: PodSandboxConfig;
  let sandboxId = '';
  let containerId = '';

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
    cri = createCriClient({ endpoint: env.socket, timeoutMs: 60_000 });
    await cri.images.pullImage({ image: env.images.busybox });
    const logger = createLogger('pleg-test', { level: process.env.TSKUBE_LOG_LEVEL ?? 'warn' });
    pleg = createPleg({ runtime: cri, relistPeriodMs: 200, callTimeoutMs: 10_000, logger });
    pleg.subscribe((e) => events.push(e));
    running = pleg.run(stop.signal);
  });

  afterAll(async () => {
    stop.abort();
    await running;
    if (cri && sandboxId) {
      await cri.sandboxes.stopPodSandbox(sandboxId).catch(() => undefined);
      await cri.sandboxes.removePodSandbox(sandboxId).catch(() => undefined);
    }
    cri?.close();
    await env?.cleanup();
  });

  it('reports a sandbox and a short-lived container starting, then the container dying', async () => {
    if (!env || !cri) throw new Error('no test environment');
    const labels = { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.pod.name': 'pleg-test', 'io.kubernetes.pod.namespace': 'default' };
    const logDirectory = join(env.dir, 'pods', `default_pleg-test_${uid}`);
    await mkdir(logDirectory, { recursive: true });
    sandboxConfig = {
      metadata: { name: 'pleg-test', namespace: 'default', uid, attempt: 0 },
      hostname: 'pleg-test',
      logDirectory,
      labels,
      linux: { cgroupParent: `${env.cgroupParent}/pod${uid}` },
    };
    sandboxId = await cri.sandboxes.runPodSandbox(sandboxConfig);
    containerId = await cri.containers.createContainer(
      sandboxId,
      {
        metadata: { name: 'short', attempt: 0 },
        image: { image: env.images.busybox },
        command: ['sh', '-c', 'sleep 1; exit 7'],
        logPath: 'short/0.log',
        labels: { ...labels, 'io.kubernetes.container.name': 'short' },
      },
      sandboxConfig,
    );
    await cri.containers.startContainer(containerId);

    await expect.poll(ofPod, POLL).toContainEqual(['ContainerDied', containerId]);
    const seen = ofPod();
    const startedAt = seen.findIndex((e) => e[0] === 'ContainerStarted' && e[1] === containerId);
    expect(seen).toContainEqual(['ContainerStarted', sandboxId]);
    expect(startedAt).toBeGreaterThanOrEqual(0);
    expect(startedAt).toBeLessThan(seen.findIndex((e) => e[0] === 'ContainerDied' && e[1] === containerId));
    expect(pleg.healthy()).toEqual({ ok: true, message: '' });
  });

  it('has the exited status with its exit code in the cache', async () => {
    const entry = await pleg.cache.getNewerThan(uid, Date.now());
    expect(entry.error).toBeNull();
    expect(entry.status).toMatchObject({ uid, name: 'pleg-test', namespace: 'default' });
    expect(entry.status?.sandboxes.map((s) => [s.id, s.state])).toEqual([[sandboxId, 'SANDBOX_READY']]);
    expect(entry.status?.ips[0]).toMatch(new RegExp(`^${(env?.podSubnetPrefix ?? '').replace(/\./g, '\\.')}`));
    const [container] = entry.status?.containers ?? [];
    expect(container).toMatchObject({ id: containerId, state: 'CONTAINER_EXITED', exitCode: 7, reason: 'Error' });
    expect(container?.labels['io.kubernetes.container.name']).toBe('short');
    expect(container?.finishedAt).toBeGreaterThan(container?.startedAt ?? 0n);
  });

  it('reports the removal of the container, then of the sandbox', async () => {
    if (!cri) throw new Error('no CRI client');
    await cri.containers.removeContainer(containerId);
    await expect.poll(ofPod, POLL).toContainEqual(['ContainerRemoved', containerId]);
    expect((await pleg.cache.getNewerThan(uid, Date.now())).status?.containers).toEqual([]);

    await cri.sandboxes.stopPodSandbox(sandboxId);
    await cri.sandboxes.removePodSandbox(sandboxId);
    await expect.poll(ofPod, POLL).toContainEqual(['ContainerRemoved', sandboxId]);
    expect(ofPod().filter((e) => e[1] === sandboxId).map((e) => e[0])).toEqual(['ContainerStarted', 'ContainerDied', 'ContainerRemoved']);
    expect((await pleg.cache.getNewerThan(uid, Date.now())).status).toBeNull();
    expect(pleg.lastRelist()).toMatchObject({ succeeded: true, failedPods: 0 });
  });
});
