import { randomUUID } from 'node:crypto';
import type { CriRuntime, PodSandboxConfig } from '../../src/cri/index.js';
import { summarize, type Summary } from './stats.js';

export interface RawCriFigures {
  /** RunPodSandbox + CreateContainer + StartContainer, one pod at a time (ms). */
  sequential: Summary;
  /** Wall time to start `concurrent` pods at once (ms). */
  concurrentWallMs: number;
  concurrent: number;
}

interface Target {
  cri: Pick<CriRuntime, 'sandboxes' | 'containers'>;
  busybox: string;
  cgroupParent: string;
  logRoot: string;
}

async function startPod(t: Target, name: string): Promise<string> {
  const uid = randomUUID();
  const config: PodSandboxConfig = {
    metadata: { name, namespace: 'bench', uid, attempt: 0 },
    hostname: name,
    logDirectory: `${t.logRoot}/bench_${name}_${uid}`,
    linux: { cgroupParent: `${t.cgroupParent}/pod${uid}`, securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const sandboxId = await t.cri.sandboxes.runPodSandbox(config);
  const containerId = await t.cri.containers.createContainer(
    sandboxId,
    { metadata: { name: 'app', attempt: 0 }, image: { image: t.busybox }, command: ['sleep', '3600'], logPath: 'app/0.log' },
    config,
  );
  await t.cri.containers.startContainer(containerId);
  return sandboxId;
}

async function removePods(t: Target, ids: string[]): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      await t.cri.sandboxes.stopPodSandbox(id);
      await t.cri.sandboxes.removePodSandbox(id);
    }),
  );
}

/**
 * The raw-CRI baseline: what containerd itself costs to start a one-container pod, with the image
 * present. Later benchmarks divide their figures by these, measured in the same run.
 */
export async function measureRawCri(t: Target, opts: { sequential?: number; concurrent?: number } = {}): Promise<RawCriFigures> {
  const sequentialN = opts.sequential ?? 20;
  const concurrent = opts.concurrent ?? 30;
  await removePods(t, [await startPod(t, 'warmup')]);

  const samples: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < sequentialN; i++) {
    const t0 = performance.now();
    ids.push(await startPod(t, `seq-${i}`));
    samples.push(performance.now() - t0);
  }
  await removePods(t, ids);

  const t0 = performance.now();
  const concurrentIds = await Promise.all(Array.from({ length: concurrent }, (_, i) => startPod(t, `conc-${i}`)));
  const concurrentWallMs = performance.now() - t0;
  await removePods(t, concurrentIds);
  return { sequential: summarize(samples), concurrentWallMs, concurrent };
}
