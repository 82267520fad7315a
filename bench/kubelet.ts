import { mkdir, rm, writeFile, rename } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Pod, PodStatus } from '../src/api/index.js';
import { createCriClient } from '../src/cri/index.js';
import { createCgroupManager } from '../src/kubelet/cm/index.js';
import { createKubelet, createLoggingRecorder } from '../src/kubelet/index.js';
import { createStaticPodSource } from '../src/kubelet/static/index.js';
import { realClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { createPleg } from '../src/pleg/index.js';
import { createVolumeManager } from '../src/volumes/index.js';
import { startTestContainerd } from '../test/integration/helpers/env.js';
import { measureRawCri } from './lib/raw-cri.js';
import { ms, ratio, summarize } from './lib/stats.js';

function manifest(name: string, image: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image, command: ['sleep', '3600'] }] } });
}

/**
 * The kubelet against the raw-CRI baseline, in one run on one containerd: time from writing static
 * pod manifests to the kubelet reporting the pods Running, for one pod (p50 over 20) and for 30 at
 * once; then the kubelet's RSS and idle CPU with 30 pods running.
 */
export async function run(): Promise<void> {
  const env = await startTestContainerd({ cniConfig: 'bridge' });
  const cri = createCriClient({ endpoint: env.socket });
  const logger = createLogger('bench-kubelet', { level: 'warn' });
  const manifestDir = join(env.dir, 'manifests');
  await mkdir(manifestDir, { recursive: true });
  const ac = new AbortController();
  try {
    // A pinned tag, so the pull policy defaults to IfNotPresent as in the raw baseline (":latest"
    // means Always: a registry round trip per pod).
    const image = env.images.busybox.replace(/:latest$/, ':1.35');
    await cri.images.pullImage({ image });
    await cri.images.pullImage({ image: env.images.pause });
    const raw = await measureRawCri({ cri, busybox: image, cgroupParent: env.cgroupParent, logRoot: join(env.dir, 'raw-logs') });

    const kubelet = createKubelet(
      {
        cri,
        cgroups: createCgroupManager({ cgroupRoot: env.cgroupParent, logger }),
        volumes: createVolumeManager({ podsDir: join(env.dir, 'kubelet', 'pods') }),
        pleg: createPleg({ runtime: cri, logger, inspectPods: false }),
        sources: [createStaticPodSource({ manifestDir, nodeName: 'bench', logger, debounceMs: 20 })],
        recorder: createLoggingRecorder(logger),
        clock: realClock,
        logger,
      },
      {
        nodeName: 'bench',
        node: { hostIPs: ['127.0.0.1'], memoryCapacityBytes: totalmem(), podLogsRoot: join(env.dir, 'logs'), dns: { clusterDns: [], clusterDomain: 'cluster.local', host: { servers: [], searches: [], options: [] } } },
      },
    );
    const running = new Map<string, number>();
    const gone = new Set<string>();
    const waiters = new Set<() => void>();
    kubelet.onStatus((pod: Pod, status: PodStatus | null) => {
      const name = pod.metadata.name ?? '';
      if (status === null) gone.add(name);
      else if (status.phase === 'Running' && status.containerStatuses?.every((c) => c.ready) && !running.has(name)) running.set(name, performance.now());
      for (const w of waiters) w();
    });
    const until = (cond: () => boolean): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!cond()) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    const runDone = kubelet.run(ac.signal);
    const write = async (name: string): Promise<void> => {
      await writeFile(join(manifestDir, `.${name}.tmp`), manifest(name, image));
      await rename(join(manifestDir, `.${name}.tmp`), join(manifestDir, `${name}.json`));
    };

    // One pod at a time.
    const single: number[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `one-${i}`;
      const t0 = performance.now();
      await write(name);
      await until(() => running.has(`${name}-bench`));
      single.push((running.get(`${name}-bench`) ?? 0) - t0);
      await rm(join(manifestDir, `${name}.json`));
      await until(() => gone.has(`${name}-bench`));
    }

    // Thirty at once.
    const t0 = performance.now();
    const names = Array.from({ length: 30 }, (_, i) => `many-${i}`);
    await Promise.all(names.map(write));
    await until(() => names.every((n) => running.has(`${n}-bench`)));
    const wall30 = Math.max(...names.map((n) => running.get(`${n}-bench`) ?? 0)) - t0;

    // Idle with 30 pods: CPU over 10 s, and RSS (this process is the kubelet plus the harness).
    await new Promise((r) => setTimeout(r, 2_000));
    const cpu0 = process.cpuUsage();
    const idle0 = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const cpu = process.cpuUsage(cpu0);
    const idleCpuPct = ((cpu.user + cpu.system) / 1000 / (performance.now() - idle0)) * 100;
    const rssMiB = process.memoryUsage().rss / 1024 / 1024;

    const s = summarize(single);
    console.log('kubelet: static pod manifest written -> pod Running (as the kubelet reports it)');
    console.log(`  one pod, p50 over ${s.n}: ${ms(s.p50)}  (p90 ${ms(s.p90)})  raw CRI p50 ${ms(raw.sequential.p50)}  ratio ${ratio(s.p50, raw.sequential.p50)}  (target <= 1.3x)`);
    console.log(`  30 pods at once: ${ms(wall30)}  raw CRI ${ms(raw.concurrentWallMs)}  ratio ${ratio(wall30, raw.concurrentWallMs)}`);
    console.log(`  idle with 30 pods: CPU ${idleCpuPct.toFixed(2)}% of a core (target < 2%), RSS ${rssMiB.toFixed(0)} MiB`);

    for (const n of names) await rm(join(manifestDir, `${n}.json`));
    await until(() => names.every((n) => gone.has(`${n}-bench`)));
    ac.abort();
    await runDone;
  } finally {
    ac.abort();
    cri.close();
    await env.cleanup();
  }
}
