import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { createNodeNetwork } from '../src/cni/index.js';
import { createCriClient, type CriClient, type PodSandboxConfig } from '../src/cri/index.js';
import { startTestContainerd } from '../test/integration/helpers/env.js';
import { ms, ratio, summarize, type Summary } from './lib/stats.js';

async function runPodSandboxTimes(cri: CriClient, cgroupParent: string, n: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = -1; i < n; i++) {
    const uid = randomUUID();
    const config: PodSandboxConfig = {
      metadata: { name: `net-${i}`, namespace: 'bench', uid, attempt: 0 },
      linux: { cgroupParent: `${cgroupParent}/pod${uid}`, securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    };
    const t0 = performance.now();
    const id = await cri.sandboxes.runPodSandbox(config);
    if (i >= 0) samples.push(performance.now() - t0); // i = -1 warms up
    await cri.sandboxes.stopPodSandbox(id);
    await cri.sandboxes.removePodSandbox(id);
  }
  return summarize(samples);
}

/**
 * RunPodSandbox with tskube's generated node network (bridge + host-local + portmap + bandwidth)
 * against the foundation's baseline config (bridge + host-local + portmap), on one containerd.
 */
export async function run(): Promise<void> {
  const env = await startTestContainerd({ cniConfig: 'bridge' });
  const cri = createCriClient({ endpoint: env.socket });
  const bridge = `tsk${randomUUID().slice(0, 6)}`;
  const network = createNodeNetwork({ podCidr: '10.225.7.0/24', confDir: env.cniConfDir, dataDir: join(env.dir, 'node'), bridgeName: bridge });
  try {
    await cri.images.pullImage({ image: env.images.pause });
    const baseline = await runPodSandboxTimes(cri, env.cgroupParent, 20);
    // Swap the network config: containerd picks up the new conflist without a restart.
    for (const f of ['10-tskube-test.conflist']) await rm(join(env.cniConfDir, f), { force: true });
    await network.ensure();
    await new Promise((r) => setTimeout(r, 1_000));
    const generated = await runPodSandboxTimes(cri, env.cgroupParent, 20);
    console.log('RunPodSandbox (incl. CNI ADD), p50 over 20');
    console.log(`  baseline config (bridge, host-local, portmap): ${ms(baseline.p50)}  (p90 ${ms(baseline.p90)})`);
    console.log(`  tskube node network (+ bandwidth, masquerade): ${ms(generated.p50)}  (p90 ${ms(generated.p90)})  ratio ${ratio(generated.p50, baseline.p50)}  (target <= 1.05x)`);
  } finally {
    cri.close();
    await network.teardown().catch(() => undefined);
    await env.cleanup();
    await execa('ip', ['link', 'del', bridge], { reject: false });
  }
}
