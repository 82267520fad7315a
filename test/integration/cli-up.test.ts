import { randomBytes } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupContainerd, containerdLayout } from '../../src/containerd/index.js';
import { createCriClient } from '../../src/cri/index.js';
import { removeCgroupTree, TEST_TMP_BASE } from './helpers/env.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

describe('tskube up', () => {
  let dataDir = '';
  const hex = randomBytes(3).toString('hex');
  const bridge = `tsk${hex}`;
  const cgroupRoot = `/tskube-up-${hex}`;
  const podCidr = `10.226.${(randomBytes(1)[0] ?? 0) % 200}.0/24`;

  /** Starts `tskube up` and resolves with its ready line. */
  async function startUp(sandboxImage: string): Promise<{ proc: ResultPromise; line: string }> {
    const args = ['--import', 'tsx', MAIN, 'up', '--data-dir', dataDir, '--secure-port', '0', '--kubelet-port', '0', '--kubelet-read-only-port', '0', '--hostname-override', 'up-node', '--pod-cidr', podCidr, '--cluster-cidr', podCidr, '--cni-bridge', bridge, '--cgroup-root', cgroupRoot, '--pod-logs-dir', join(dataDir, 'pod-logs')];
    const proc = execa('node', args, { env: { TSKUBE_SANDBOX_IMAGE: sandboxImage, TSKUBE_LOG_LEVEL: 'warn' }, reject: false });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      void proc.then((r) => reject(new Error(`tskube up exited ${r.exitCode} before ready: ${String(r.stderr)}`)));
    });
    return { proc, line };
  }

  const kubectl = (args: string[]) =>
    execa('kubectl', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dataDir, 'home'), KUBECONFIG: join(dataDir, 'admin.kubeconfig'), KUBECACHEDIR: join(dataDir, 'kcache') }, reject: false });

  afterAll(async () => {
    if (!dataDir) return;
    await cleanupContainerd(join(dataDir, 'containerd'));
    await rm(dataDir, { recursive: true, force: true });
    await removeCgroupTree(cgroupRoot);
    await execa('ip', ['link', 'del', bridge], { reject: false });
    await execa('nft', ['delete', 'table', 'ip', `tskube-${bridge}`], { reject: false });
  });

  it('brings up a single-node cluster (its own pause image when it cannot be pulled), stops cleanly, and resumes', async () => {
    dataDir = await mkdtemp(join(TEST_TMP_BASE, 'tskube-up-'));
    // Port 1 on loopback refuses connections: the configured sandbox image cannot be pulled.
    const image = '127.0.0.1:1/tskube-test/pause:3.10';
    const first = await startUp(image);
    expect(first.line).toMatch(/^tskube: node up-node Ready on containerd \S+ \(sandbox image 127\.0\.0\.1:1\/tskube-test\/pause:3\.10: built\); kubeconfig \S+\/admin\.kubeconfig$/);
    const nodes = await kubectl(['get', 'nodes']);
    expect(nodes.stdout).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nup-node\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-tskube$/);
    const created = (await kubectl(['get', 'node', 'up-node', '-o', 'jsonpath={.metadata.creationTimestamp}'])).stdout;

    const socket = containerdLayout(join(dataDir, 'containerd')).socket;
    const cri = createCriClient({ endpoint: socket, retryWindowMs: 0 });
    try {
      expect(await cri.images.imageStatus({ image })).not.toBeNull();
    } finally {
      cri.close();
    }

    first.proc.kill('SIGTERM');
    const stopped = await first.proc;
    expect(stopped.exitCode, String(stopped.stderr).slice(-2000)).toBe(0);
    const after = createCriClient({ endpoint: socket, retryWindowMs: 0, timeoutMs: 2_000 });
    await expect(after.runtime.version()).rejects.toMatchObject({ code: 'Unavailable' });
    after.close();

    // The same data dir again: the same cluster (node, certificates), the image already there.
    const second = await startUp(image);
    expect(second.line).toMatch(/: present\); kubeconfig /);
    expect((await kubectl(['get', 'node', 'up-node', '-o', 'jsonpath={.metadata.creationTimestamp}'])).stdout).toBe(created);
    second.proc.kill('SIGINT');
    const stopped2 = await second.proc;
    expect(stopped2.exitCode, String(stopped2.stderr).slice(-2000)).toBe(0);
  });

  it('refuses unknown flags with a usage error', async () => {
    const r = await execa('node', ['--import', 'tsx', MAIN, 'up', '--bogus'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("tskube: Unknown option '--bogus'");
  });
});
