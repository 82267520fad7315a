import { describe, expect, it } from 'vitest';
import { createFakeRuntime } from '../../cri/index.js';
import { parseMetricsText } from '../../lib/metrics/index.js';
import { createKubeletMetrics } from './index.js';

const IMAGE = 'registry.example/busybox:1';

function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return parseMetricsText(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;
}

describe('kubelet metrics', () => {
  it('counts runtime operations and errors by upstream operation type through the instrumented runtime', async () => {
    const fake = createFakeRuntime({ images: [IMAGE] });
    const m = createKubeletMetrics({ nodeName: 'node1', runtime: fake });
    const cri = m.instrument(fake);
    const sb = await cri.sandboxes.runPodSandbox({ metadata: { name: 'p', uid: 'u1', namespace: 'default', attempt: 0 } });
    await cri.sandboxes.listPodSandbox();
    await cri.sandboxes.listPodSandbox();
    fake.controls.injectError('containers.startContainer', 'Unknown');
    await expect(cri.containers.startContainer('nope')).rejects.toThrow();
    const id = await cri.containers.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: { image: IMAGE } }, {});
    await cri.containers.startContainer(id);

    const text = await m.render();
    expect(value(text, 'kubelet_runtime_operations_total', { operation_type: 'list_podsandbox' })).toBe(2);
    expect(value(text, 'kubelet_runtime_operations_total', { operation_type: 'run_podsandbox' })).toBe(1);
    expect(value(text, 'kubelet_runtime_operations_total', { operation_type: 'start_container' })).toBe(2);
    expect(value(text, 'kubelet_runtime_operations_errors_total', { operation_type: 'start_container' })).toBe(1);
    expect(value(text, 'kubelet_runtime_operations_errors_total', { operation_type: 'list_podsandbox' })).toBeUndefined();
    expect(value(text, 'kubelet_runtime_operations_duration_seconds_count', { operation_type: 'create_container' })).toBe(1);
    // Scrape-time gauges read the runtime without counting as operations.
    expect(value(text, 'kubelet_running_pods')).toBe(1);
    expect(value(text, 'kubelet_running_containers', { container_state: 'running' })).toBe(1);
    expect(value(text, 'kubelet_running_containers', { container_state: 'exited' })).toBe(0);
    expect(value(text, 'kubelet_node_name', { node: 'node1' })).toBe(1);
    expect(value(text, 'process_start_time_seconds')).toBeGreaterThan(1e9);
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('records pod worker, pod start and relist durations as histograms', async () => {
    const fake = createFakeRuntime();
    const m = createKubeletMetrics({ nodeName: 'n', runtime: fake });
    m.podWorkerDone('create', 0.3);
    m.podWorkerDone('sync', 0.001);
    m.podStarted(1.5);
    m.relistDone(0.02);
    const text = await m.render();
    expect(value(text, 'kubelet_pod_worker_duration_seconds_count', { operation: 'create' })).toBe(1);
    expect(value(text, 'kubelet_pod_worker_duration_seconds_bucket', { operation: 'create', le: '0.25' })).toBe(0);
    expect(value(text, 'kubelet_pod_worker_duration_seconds_bucket', { operation: 'create', le: '0.5' })).toBe(1);
    expect(value(text, 'kubelet_pod_start_duration_seconds_bucket', { le: '2' })).toBe(1);
    expect(value(text, 'kubelet_pod_start_duration_seconds_sum')).toBe(1.5);
    expect(value(text, 'kubelet_pleg_relist_duration_seconds_count')).toBe(1);
    expect(value(text, 'kubelet_running_pods')).toBe(0);
  });
});
