/**
 * The kubelet's `/stats/summary` and `/metrics` on a real containerd: a pod that burns CPU and holds
 * memory shows up with plausible numbers, the node's figures are plausible, and the Prometheus text
 * counts the runtime operations the kubelet made.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../src/cri/index.js';
import type { Summary } from '../../src/kubelet/stats/index.js';
import { parseMetricsText } from '../../src/lib/metrics/index.js';
import { startTestContainerd, type TestContainerd } from './helpers/env.js';
import { kubeletDirs, removeManifest, startKubelet, waitFor, waitForPod, writeManifest, type KubeletDirs, type TestKubelet } from './helpers/kubelet.js';

const MB = 1024 * 1024;

describe('kubelet /stats/summary and /metrics on a real containerd', () => {
  let env: TestContainerd;
  let dirs: KubeletDirs;
  let kubelet: TestKubelet;
  let cri: CriClient;

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
    dirs = await kubeletDirs(env);
    cri = createCriClient({ endpoint: env.socket });
    kubelet = await startKubelet(env, dirs);
  });
  afterAll(async () => {
    await kubelet?.stop();
    if (dirs) for (const f of await readdir(dirs.manifestDir)) await removeManifest(dirs.manifestDir, f);
    if (env && dirs) {
      const k = await startKubelet(env, dirs);
      await waitFor('all pods gone', async () => (await cri.sandboxes.listPodSandbox()).length === 0, 60_000).catch(() => undefined);
      await k.stop();
    }
    cri?.close();
    await env?.cleanup();
  });

  const summary = async (): Promise<Summary> => {
    const res = await fetch(`http://${kubelet.api}/stats/summary`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    return (await res.json()) as Summary;
  };

  it('reports the node and a busy pod with CPU rates, memory, filesystems and network', async () => {
    await writeManifest(dirs.manifestDir, 'stats.yaml', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stats', namespace: 'default' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'burn', image: env.images.busybox, command: ['dd', 'if=/dev/zero', 'of=/dev/null'] },
          // tail keeps the 20 MiB "line" in memory while it waits for more input that never comes.
          { name: 'mem', image: env.images.busybox, command: ['sh', '-c', '(head -c 20m /dev/zero; sleep 3600) | tail'] },
        ],
      },
    });
    const pod = await waitForPod(kubelet.api, 'stats-node1', (p) => p.status.phase === 'Running' && p);
    const uid = pod.metadata.uid ?? '';

    // usageNanoCores needs two samples of the counter; the memory holder needs a moment to fill;
    // containerd measures snapshot (image and writable layer) usage every 10 s.
    const s = await waitFor('busy pod stats', async () => {
      const sum = await summary();
      const p = sum.pods.find((x) => x.podRef.uid === uid);
      const burn = p?.containers.find((c) => c.name === 'burn');
      const mem = p?.containers.find((c) => c.name === 'mem');
      const measured = (sum.node.runtime?.imageFs?.usedBytes ?? 0) > 0;
      return (burn?.cpu?.usageNanoCores ?? 0) > 0 && (mem?.memory?.workingSetBytes ?? 0) > 15 * MB && measured ? sum : undefined;
    }, 90_000);

    const { node } = s;
    expect(node.nodeName).toBe('node1');
    expect(Date.parse(node.startTime)).toBeLessThan(Date.now());
    expect(node.cpu?.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(node.memory?.workingSetBytes).toBeGreaterThan(20 * MB);
    expect(node.memory?.availableBytes).toBeGreaterThan(0);
    expect((node.memory?.availableBytes ?? 0) + (node.memory?.workingSetBytes ?? 0)).toBeGreaterThan(node.memory?.usageBytes ?? Infinity);
    expect(node.fs?.capacityBytes).toBeGreaterThan(0);
    expect(node.fs?.availableBytes).toBeLessThanOrEqual(node.fs?.capacityBytes ?? 0);
    expect(node.fs?.usedBytes).toBeGreaterThan(0);
    expect(node.runtime?.imageFs?.capacityBytes).toBeGreaterThan(0);
    expect(node.runtime?.imageFs?.usedBytes).toBeGreaterThan(0);
    expect(node.rlimit?.maxpid).toBeGreaterThan(0);
    expect(node.rlimit?.curproc).toBeGreaterThan(0);

    const p = s.pods.find((x) => x.podRef.uid === uid);
    expect(p?.podRef).toEqual({ name: 'stats-node1', namespace: 'default', uid });
    expect(p?.containers.map((c) => c.name)).toEqual(['burn', 'mem']);
    const burn = p?.containers[0];
    // dd spins on one core: a large share of one, however busy the machine is.
    expect(burn?.cpu?.usageNanoCores).toBeGreaterThan(50_000_000);
    expect(burn?.cpu?.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(burn?.rootfs?.capacityBytes).toBeGreaterThan(0);
    expect(burn?.logs?.capacityBytes).toBeGreaterThan(0);
    expect(p?.containers[1]?.memory?.workingSetBytes).toBeGreaterThan(15 * MB);
    expect(p?.cpu?.usageNanoCores).toBeGreaterThanOrEqual(burn?.cpu?.usageNanoCores ?? Infinity);
    expect(p?.memory?.workingSetBytes).toBeGreaterThan(15 * MB);
    expect(p?.network?.name).toBe('eth0');
    expect(p?.network?.rxBytes).toBeGreaterThanOrEqual(0);
    expect(p?.['ephemeral-storage']?.capacityBytes).toBeGreaterThan(0);
    expect(p?.process_stats?.process_count).toBeGreaterThanOrEqual(3);
    expect(Date.parse(p?.startTime ?? '')).toBeLessThanOrEqual(Date.now());
  });

  it('serves Prometheus metrics with running pods and runtime operations', async () => {
    const res = await fetch(`http://${kubelet.api}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parseMetricsText(await res.text());
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
    expect(value('kubelet_running_pods')).toBe(1);
    expect(value('kubelet_running_containers', { container_state: 'running' })).toBe(2);
    expect(value('kubelet_node_name', { node: 'node1' })).toBe(1);
    expect(value('kubelet_runtime_operations_total', { operation_type: 'list_podsandbox' })).toBeGreaterThan(0);
    expect(value('kubelet_runtime_operations_total', { operation_type: 'run_podsandbox' })).toBe(1);
    expect(value('kubelet_runtime_operations_total', { operation_type: 'create_container' })).toBe(2);
    expect(value('kubelet_runtime_operations_total', { operation_type: 'list_container_stats' })).toBeGreaterThan(0);
    expect(value('kubelet_runtime_operations_duration_seconds_count', { operation_type: 'start_container' })).toBe(2);
    expect(value('kubelet_pod_start_duration_seconds_count')).toBe(1);
    expect(value('kubelet_pod_worker_duration_seconds_count', { operation: 'create' })).toBeGreaterThanOrEqual(1);
    expect(value('kubelet_pleg_relist_duration_seconds_count')).toBeGreaterThan(0);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
