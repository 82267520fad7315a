import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/index.js';
import { createFakeRuntime } from '../../cri/index.js';
import { realClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { parseMetricsText } from '../../lib/metrics/index.js';
import { createPleg } from '../../pleg/index.js';
import { createVolumeManager } from '../../volumes/index.js';
import { createFakeCgroupManager } from '../cm/index.js';
import { createKubelet, createLoggingRecorder, type PodSource } from '../index.js';
import { createKubeletMetrics } from './index.js';

const IMAGE = 'registry.test/busybox:1.0';

describe('kubelet metrics wired through the hooks', () => {
  it('observes pod worker passes, the pod start, relists and runtime operations of a real kubelet run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tskube-kmetrics-'));
    const fake = createFakeRuntime({ images: [IMAGE] });
    const metrics = createKubeletMetrics({ nodeName: 'node1', runtime: fake });
    const cri = metrics.instrument(fake);
    const logger = silentLogger();
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', uid: 'u1' },
      spec: { containers: [{ name: 'app', image: IMAGE, imagePullPolicy: 'IfNotPresent' }], restartPolicy: 'Always', terminationGracePeriodSeconds: 1 },
    };
    const source: PodSource = {
      name: 'test',
      run: (signal, onUpdate) => {
        onUpdate([pod]);
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    };
    const kubelet = createKubelet(
      {
        cri,
        cgroups: createFakeCgroupManager(),
        volumes: createVolumeManager({ podsDir: join(dir, 'pods') }),
        pleg: createPleg({ runtime: cri, relistPeriodMs: 20, logger, inspectPods: false, onRelist: (i) => metrics.relistDone(i.durationMs / 1000) }),
        sources: [source],
        recorder: createLoggingRecorder(logger),
        clock: realClock,
        logger,
        observer: metrics,
      },
      { nodeName: 'node1', node: { hostIPs: ['192.0.2.10'], memoryCapacityBytes: 8 << 30, podLogsRoot: join(dir, 'logs'), dns: { clusterDns: [], clusterDomain: 'cluster.local', host: { servers: [], searches: [], options: [] } } }, resyncIntervalMs: 50 },
    );
    const ac = new AbortController();
    const running = kubelet.run(ac.signal);
    try {
      const value = (text: string, name: string, labels: Record<string, string> = {}): number =>
        parseMetricsText(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
      // Until the pod has been resynced at least once after it started.
      let text = '';
      await expect
        .poll(async () => {
          text = await metrics.render();
          return value(text, 'kubelet_pod_worker_duration_seconds_count', { operation: 'sync' }) > 0 && value(text, 'kubelet_running_pods');
        }, { timeout: 5_000 })
        .toBe(1);
      expect(value(text, 'kubelet_pod_worker_duration_seconds_count', { operation: 'create' })).toBe(1);
      expect(value(text, 'kubelet_pod_start_duration_seconds_count')).toBe(1);
      expect(value(text, 'kubelet_pleg_relist_duration_seconds_count')).toBeGreaterThan(0);
      expect(value(text, 'kubelet_runtime_operations_total', { operation_type: 'run_podsandbox' })).toBe(1);
      expect(value(text, 'kubelet_runtime_operations_total', { operation_type: 'start_container' })).toBe(1);
      expect(value(text, 'kubelet_running_containers', { container_state: 'running' })).toBe(1);
    } finally {
      ac.abort();
      await running;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
