/**
 * The kubelet's Prometheus metrics, named as upstream's (pkg/kubelet/metrics): runtime operations
 * through an instrumented CRI wrapper, pod worker and pod start durations and PLEG relists through
 * observation hooks, running pods and containers read from the runtime at scrape time, and the
 * `process_*` basics. One door: `createKubeletMetrics`.
 */
import { readdir } from 'node:fs/promises';
import type { ContainerState, CriRuntime } from '../../cri/index.js';
import { DEFAULT_BUCKETS, exponentialBuckets, METRICS_CONTENT_TYPE, MetricsRegistry } from '../../lib/metrics/index.js';
import { instrumentRuntime } from './instrument.js';

export { CRI_OPERATION_TYPES, instrumentRuntime, type CriObserver } from './instrument.js';
export { METRICS_CONTENT_TYPE };

/** Upstream's pod start buckets, in seconds. */
const POD_START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

/** Upstream's `container_state` label values. */
const CONTAINER_STATES: Readonly<Record<ContainerState, string>> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

export interface KubeletMetricsOptions {
  nodeName: string;
  /** Read at scrape time for the running pods and containers (uninstrumented: scrapes are not runtime operations). */
  runtime: Pick<CriRuntime, 'sandboxes' | 'containers'>;
}

export interface KubeletMetrics {
  /** The runtime wrapped so that every call counts in `kubelet_runtime_operations_*`. */
  instrument(runtime: CriRuntime): CriRuntime;
  /** One pod worker pass (`operation`: create, update, sync, kill) took `seconds`. */
  podWorkerDone(operation: string, seconds: number): void;
  /** A pod went from Pending to Running `seconds` after the kubelet first saw it. */
  podStarted(seconds: number): void;
  /** One PLEG relist took `seconds`. */
  relistDone(seconds: number): void;
  /** The exposition text (`Content-Type: METRICS_CONTENT_TYPE`), reading the runtime first. */
  render(signal?: AbortSignal): Promise<string>;
}

export function createKubeletMetrics(opts: KubeletMetricsOptions): KubeletMetrics {
  const r = new MetricsRegistry();
  const nodeName = r.gauge('kubelet_node_name', "The node's name. The count is always 1.", ['node']);
  nodeName.set({ node: opts.nodeName }, 1);
  const runningPods = r.gauge('kubelet_running_pods', 'Number of pods that have a running pod sandbox');
  const runningContainers = r.gauge('kubelet_running_containers', 'Number of containers currently running', ['container_state']);
  const podStart = r.histogram('kubelet_pod_start_duration_seconds', 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run', POD_START_BUCKETS);
  const podWorker = r.histogram('kubelet_pod_worker_duration_seconds', 'Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync', DEFAULT_BUCKETS, ['operation']);
  const ops = r.counter('kubelet_runtime_operations_total', 'Cumulative number of runtime operations by operation type.', ['operation_type']);
  const opErrors = r.counter('kubelet_runtime_operations_errors_total', 'Cumulative number of runtime operation errors by operation type.', ['operation_type']);
  const opDuration = r.histogram('kubelet_runtime_operations_duration_seconds', 'Duration in seconds of runtime operations. Broken down by operation type.', exponentialBuckets(0.005, 2.5, 14), ['operation_type']);
  const relist = r.histogram('kubelet_pleg_relist_duration_seconds', 'Duration in seconds for relisting pods in PLEG.');
  const cpuSeconds = r.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.');
  const rss = r.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
  const startTime = r.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.');
  const openFds = r.gauge('process_open_fds', 'Number of open file descriptors.');
  const heap = r.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.');
  startTime.set(undefined, Math.floor((Date.now() - process.uptime() * 1000) / 1000));
  let cpuReported = 0;

  r.addCollector(() => {
    const { user, system } = process.cpuUsage();
    const total = (user + system) / 1e6;
    cpuSeconds.inc(undefined, Math.max(0, total - cpuReported));
    cpuReported = Math.max(cpuReported, total);
    const mem = process.memoryUsage();
    rss.set(undefined, mem.rss);
    heap.set(undefined, mem.heapUsed);
  });
  r.addCollector(async () => openFds.set(undefined, (await readdir('/proc/self/fd')).length));

  return {
    instrument(runtime) {
      return instrumentRuntime(runtime, (op, seconds, err) => {
        ops.inc({ operation_type: op });
        opDuration.observe({ operation_type: op }, seconds);
        if (err !== undefined) opErrors.inc({ operation_type: op });
      });
    },
    podWorkerDone: (operation, seconds) => podWorker.observe({ operation }, seconds),
    podStarted: (seconds) => podStart.observe(undefined, seconds),
    relistDone: (seconds) => relist.observe(undefined, seconds),
    async render(signal) {
      const [sandboxes, containers] = await Promise.all([
        opts.runtime.sandboxes.listPodSandbox(undefined, { signal, timeoutMs: 10_000 }),
        opts.runtime.containers.listContainers(undefined, { signal, timeoutMs: 10_000 }),
      ]).catch(() => [undefined, undefined] as const);
      if (sandboxes && containers) {
        runningPods.set(undefined, sandboxes.filter((s) => s.state === 'SANDBOX_READY').length);
        runningContainers.reset();
        for (const state of Object.values(CONTAINER_STATES)) runningContainers.set({ container_state: state }, 0);
        for (const c of containers) runningContainers.inc({ container_state: CONTAINER_STATES[c.state] });
      }
      return r.collect();
    },
  };
}
