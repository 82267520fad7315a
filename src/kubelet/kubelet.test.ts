import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod, PodStatus } from '../api/index.js';
import { createFakeRuntime, type FakeRuntime } from '../cri/index.js';
import { realClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createPleg } from '../pleg/index.js';
import { createVolumeManager } from '../volumes/index.js';
import { createFakeCgroupManager, type FakeCgroupManager } from './cm/index.js';
import { createKubelet, createLoggingRecorder, type Kubelet, type PodSource } from './index.js';

const IMAGE = 'registry.test/busybox:1.0';

function pod(name: string, uid: string, spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid },
    spec: { containers: [{ name: 'app', image: IMAGE, imagePullPolicy: 'IfNotPresent' }], restartPolicy: 'Always', terminationGracePeriodSeconds: 1, ...spec },
  };
}

/** A source the test drives: `set` replaces the whole desired set. */
function manualSource(): PodSource & { set(pods: Pod[]): void } {
  let emit: ((pods: Pod[]) => void) | undefined;
  let pending: Pod[] | undefined = [];
  return {
    name: 'test',
    run(signal, onUpdate) {
      emit = onUpdate;
      if (pending) onUpdate(pending);
      pending = undefined;
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
    set(pods) {
      if (emit) emit(pods);
      else pending = pods;
    },
  };
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('kubelet over the fake runtime', () => {
  let dir: string;
  let runtime: FakeRuntime;
  let cgroups: FakeCgroupManager;
  let source: ReturnType<typeof manualSource>;
  let kubelet: Kubelet;
  let ac: AbortController;
  let running: Promise<void>;
  const statusOf = (uid: string): PodStatus | undefined => kubelet.pods().find((p) => p.pod.metadata.uid === uid)?.status;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-kubelet-'));
    runtime = createFakeRuntime({ images: [IMAGE] });
    cgroups = createFakeCgroupManager();
    source = manualSource();
    const logger = silentLogger();
    kubelet = createKubelet(
      {
        cri: runtime,
        cgroups,
        volumes: createVolumeManager({ podsDir: join(dir, 'pods') }),
        pleg: createPleg({ runtime, relistPeriodMs: 20, logger, inspectPods: false }),
        sources: [source],
        recorder: createLoggingRecorder(logger),
        clock: realClock,
        logger,
      },
      {
        nodeName: 'node1',
        node: { hostIPs: ['192.0.2.10'], memoryCapacityBytes: 8 << 30, podLogsRoot: join(dir, 'logs'), dns: { clusterDns: [], clusterDomain: 'cluster.local', host: { servers: ['192.0.2.53'], searches: [], options: [] } } },
        resyncIntervalMs: 200,
        housekeepingIntervalMs: 50,
        crashLoopBackOff: { initialMs: 100, maxMs: 400 },
      },
    );
    ac = new AbortController();
    running = kubelet.run(ac.signal);
  });
  afterEach(async () => {
    ac.abort();
    await running;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a pod to Running: cgroup, sandbox with IP, container, status', async () => {
    source.set([pod('web', 'u1')]);
    const status = await until('Running', () => statusOf('u1')?.phase === 'Running' && statusOf('u1'));
    expect(status.podIP).toMatch(/^10\.88\.0\./);
    expect(status.hostIP).toBe('192.0.2.10');
    expect(status.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0, state: { running: {} } });
    expect([...cgroups.pods.keys()].some((k) => k.includes('podu1'))).toBe(true);
    const sandboxes = runtime.controls.sandboxList();
    expect(sandboxes).toHaveLength(1);
    expect(sandboxes[0]?.labels['io.kubernetes.pod.uid']).toBe('u1');
  });

  it('does nothing to a running pod on resync (no CRI writes)', async () => {
    source.set([pod('web', 'u1')]);
    await until('Running', () => statusOf('u1')?.phase === 'Running');
    runtime.controls.clearCalls();
    await new Promise((r) => setTimeout(r, 500));
    const writes = runtime.controls.calls.filter((c) => !/list|status|Status|version|Stats/.test(c.method));
    expect(writes).toEqual([]);
  });

  it('restarts a crashed container with back-off and counts restarts', async () => {
    source.set([pod('web', 'u1')]);
    await until('Running', () => statusOf('u1')?.phase === 'Running');
    const first = runtime.controls.containerList()[0];
    runtime.controls.exitContainer(first?.id ?? '', { exitCode: 1 });
    const waiting = await until('CrashLoopBackOff', () => statusOf('u1')?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff' || statusOf('u1')?.containerStatuses?.[0]?.restartCount === 1);
    expect(waiting).toBe(true);
    const restarted = await until('restarted', () => statusOf('u1')?.containerStatuses?.[0]?.restartCount === 1 && statusOf('u1')?.containerStatuses?.[0]);
    expect(restarted.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  });

  it('terminates and cleans up a pod that is no longer wanted', async () => {
    source.set([pod('web', 'u1'), pod('db', 'u2')]);
    await until('both Running', () => statusOf('u1')?.phase === 'Running' && statusOf('u2')?.phase === 'Running');
    source.set([pod('db', 'u2')]);
    await until('web gone', () => runtime.controls.sandboxList().every((s) => s.labels['io.kubernetes.pod.uid'] !== 'u1'));
    expect(runtime.controls.containerList().map((c) => c.labels['io.kubernetes.pod.uid'])).toEqual(['u2']);
    await until('cgroup removed', () => ![...cgroups.pods.keys()].some((k) => k.includes('podu1')));
    expect(kubelet.pods().map((p) => p.pod.metadata.uid)).toEqual(['u2']);
  });

  it('kills orphans found in the runtime once the sources have spoken', async () => {
    const orphan = await runtime.sandboxes.runPodSandbox({ metadata: { name: 'ghost', namespace: 'default', uid: 'ghost', attempt: 0 }, labels: { 'io.kubernetes.pod.uid': 'ghost', 'io.kubernetes.pod.name': 'ghost', 'io.kubernetes.pod.namespace': 'default' } });
    source.set([]);
    await until('orphan removed', () => !runtime.controls.sandboxList().some((s) => s.id === orphan));
  });

  it('reports ErrImagePull with the runtime error, then retries after the back-off', async () => {
    source.set([pod('web', 'u1', { containers: [{ name: 'app', image: 'registry.test/nope:1', imagePullPolicy: 'IfNotPresent' }] })]);
    const waiting = await until('ErrImagePull', () => statusOf('u1')?.containerStatuses?.[0]?.state?.waiting);
    expect(waiting.reason).toBe('ErrImagePull');
    expect(waiting.message).toMatch(/^rpc error: code = NotFound desc = failed to pull and unpack image "registry.test\/nope:1"/);
    expect(statusOf('u1')?.phase).toBe('Pending');
  });

  it('reports a sandbox failure as an error and retries', async () => {
    runtime.controls.injectError('sandboxes.runPodSandbox', 'Unknown', 1);
    source.set([pod('web', 'u1')]);
    await until('Running after retry', () => statusOf('u1')?.phase === 'Running', 10_000);
    expect(runtime.controls.callsTo('sandboxes.runPodSandbox').length).toBe(2);
  });

  it('healthz reports the PLEG and sources', async () => {
    source.set([]);
    await until('healthy', () => kubelet.healthz().ok && kubelet.healthz().checks.syncloop === 'ok');
    expect(kubelet.healthz().checks).toMatchObject({ ping: 'ok', pleg: 'ok' });
  });
});
