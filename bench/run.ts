/**
 * `npm run bench [-- NAME...]`: runs the benchmarks (all, or those named) one after another and
 * prints their figures. Benchmarks that need containerd share one registry with the test images.
 */
import { startTestRegistry } from '../test/integration/helpers/registry.js';

const benchmarks: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  cri: () => import('./cri.js'),
  cni: () => import('./cni.js'),
  kubelet: () => import('./kubelet.js'),
  storage: () => import('./storage.js'),
  apiserver: () => import('./apiserver.js'),
  cluster: () => import('./cluster.js'),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in benchmarks));
  if (unknown.length > 0) throw new RangeError(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  const names = wanted.length > 0 ? wanted : Object.keys(benchmarks);
  const registry = await startTestRegistry();
  process.env.TSKUBE_TEST_REGISTRY = registry.address;
  try {
    for (const name of names) {
      console.log(`\n== ${name}`);
      const load = benchmarks[name];
      if (load) await (await load()).run();
    }
  } finally {
    await registry.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
