import { createCriClient } from '../src/cri/index.js';
import { startTestContainerd } from '../test/integration/helpers/env.js';
import { measureRawCri } from './lib/raw-cri.js';
import { ms } from './lib/stats.js';

/** Raw-CRI baseline on this machine: the yardstick for the kubelet benchmarks. */
export async function run(): Promise<void> {
  const env = await startTestContainerd({ cniConfig: 'bridge' });
  const cri = createCriClient({ endpoint: env.socket });
  try {
    await cri.images.pullImage({ image: env.images.busybox });
    await cri.images.pullImage({ image: env.images.pause });
    const f = await measureRawCri({ cri, busybox: env.images.busybox, cgroupParent: env.cgroupParent, logRoot: `${env.dir}/pods` });
    console.log('raw CRI baseline (RunPodSandbox + CreateContainer + StartContainer, image present)');
    console.log(`  sequential, ${f.sequential.n} pods: p50 ${ms(f.sequential.p50)}  p90 ${ms(f.sequential.p90)}  min ${ms(f.sequential.min)}  max ${ms(f.sequential.max)}`);
    console.log(`  concurrent, ${f.concurrent} pods: wall ${ms(f.concurrentWallMs)}  (${ms(f.concurrentWallMs / f.concurrent)} per pod)`);
  } finally {
    cri.close();
    await env.cleanup();
  }
}
