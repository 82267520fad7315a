/**
 * `tskube up` supervises its containerd: killed with SIGKILL, it is started again (a new pid, the
 * same config), the node stays Ready and pods created afterwards run. Real containerd, the real kubectl.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupContainerd, containerdLayout } from '../../src/containerd/index.js';
import { removeCgroupTree, TEST_TMP_BASE, testImages } from './helpers/env.js';
import { waitFor } from './helpers/kubelet.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Pids of the processes running `containerd --config <configPath>`. */
async function containerdPids(configPath: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const i = argv.indexOf('--config');
    if (i !== -1 && argv[i + 1] === configPath && (argv[0] ?? '').endsWith('containerd')) out.push(Number(name));
  }
  return out;
}

describe('tskube up supervising containerd', () => {
  let dataDir = '';
  let up: ResultPromise | undefined;
  let stderr = '';
  const hex = randomBytes(3).toString('hex');
  const bridge = `tsk${hex}`;
  const cgroupRoot = `/tskube-upsv-${hex}`;
  const podCidr = `10.227.${(randomBytes(1)[0] ?? 0) % 200}.0/24`;

  const kubectl = (args: string[]) =>
    execa('kubectl', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dataDir, 'home'), KUBECONFIG: join(dataDir, 'admin.kubeconfig'), KUBECACHEDIR: join(dataDir, 'kcache') }, extendEnv: false, reject: false, timeout: 90_000 });
  const nodeReady = async (): Promise<boolean> => (await kubectl(['get', 'node', 'sv-node', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True';

  afterAll(async () => {
    if (!dataDir) return;
    if (up) {
      await kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s']);
      up.kill('SIGTERM');
      await up;
    }
    await cleanupContainerd(join(dataDir, 'containerd'));
    await rm(dataDir, { recursive: true, force: true });
    await removeCgroupTree(cgroupRoot);
    await execa('ip', ['link', 'del', bridge], { reject: false });
    await execa('nft', ['delete', 'table', 'ip', `tskube-${bridge}`], { reject: false });
  });

  it('restarts a containerd killed with SIGKILL; the node stays Ready and a new pod runs', async () => {
    dataDir = await mkdtemp(join(TEST_TMP_BASE, 'tskube-upsv-'));
    const images = testImages();
    const args = ['--import', 'tsx', MAIN, 'up', '--data-dir', dataDir, '--secure-port', '0', '--kubelet-port', '0', '--kubelet-read-only-port', '0', '--hostname-override', 'sv-node', '--pod-cidr', podCidr, '--cluster-cidr', podCidr, '--cni-bridge', bridge, '--cgroup-root', cgroupRoot, '--pod-logs-dir', join(dataDir, 'pod-logs')];
    const proc = execa('node', args, { env: { TSKUBE_SANDBOX_IMAGE: images.pause, TSKUBE_LOG_LEVEL: 'warn' }, reject: false });
    up = proc;
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve();
      });
      void proc.then((r) => reject(new Error(`tskube up exited ${r.exitCode} before ready: ${stderr}`)));
    });
    expect(await nodeReady()).toBe(true);

    const configPath = containerdLayout(join(dataDir, 'containerd')).configPath;
    const [before, ...others] = await containerdPids(configPath);
    expect(before, 'the containerd tskube up started').toBeDefined();
    expect(others).toEqual([]);
    process.kill(before as number, 'SIGKILL');

    const after = await waitFor('a new containerd', async () => {
      const pids = await containerdPids(configPath);
      return pids.length === 1 && pids[0] !== before ? pids[0] : undefined;
    }, 90_000);
    expect(after).not.toBe(before);
    await waitFor('the restart logged', async () => /containerd killed by SIGKILL; restarting it/.test(stderr) && /containerd restarted/.test(stderr), 30_000);
    expect(proc.exitCode, 'tskube up is still running').toBeNull();
    expect(await waitFor('node Ready', nodeReady, 60_000)).toBe(true);

    const manifest = join(dataDir, 'after-restart.yaml');
    await writeFile(manifest, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: after-restart\nspec:\n  nodeName: sv-node\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: ${images.busybox}\n    command: ["sh", "-c", "echo up-again; sleep 3600"]\n`);
    const applied = await kubectl(['apply', '-f', manifest]);
    expect(applied.stdout, applied.stderr).toBe('pod/after-restart created');
    await waitFor('after-restart Running', async () => (await kubectl(['get', 'pod', 'after-restart', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 120_000);
    // It runs on the restarted containerd, which still is the only one.
    expect(await containerdPids(configPath)).toEqual([after]);
    expect(await nodeReady()).toBe(true);
    // tskube up wires the API server to its kubelet: logs and exec go through.
    expect(await waitFor('logs', async () => (await kubectl(['logs', 'after-restart'])).stdout === 'up-again', 30_000)).toBe(true);
    const exec = await kubectl(['exec', 'after-restart', '--', 'sh', '-c', 'echo from-exec; exit 7']);
    expect([exec.exitCode, exec.stdout]).toEqual([7, 'from-exec']);
  });
});
