/**
 * The node agent when its peers go away: the API server stopped for a minute (pods undisturbed,
 * the kubelet reconnects and catches up), and the kubelet stopped (its lease goes stale, pods keep
 * running, a restarted kubelet renews it again). Real containerd, a `tskube server` child process
 * restarted on the same data dir and port, the real kubectl.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type Container, type CriClient } from '../../src/cri/index.js';
import { startTestContainerd, TEST_TMP_BASE, type TestContainerd } from './helpers/env.js';
import { kubeletDirs, startKubelet, waitFor, type KubeletDirs, type TestKubelet } from './helpers/kubelet.js';
import { freePort } from '../../src/images/index.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const NODE = 'node1';

interface TestServer {
  proc: ResultPromise;
  stop(): Promise<number | undefined>;
}


/** `tskube server` as a child process; resolves once it prints its ready line. */
async function startServer(dataDir: string, port: number): Promise<TestServer> {
  const args = ['--import', 'tsx', MAIN, 'server', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(port)];
  const proc = execa('node', args, { env: { TSKUBE_LOG_LEVEL: 'warn' }, reject: false, all: true });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    proc.all?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('tskube server: API on')) resolve();
    });
    void proc.then((r) => reject(new Error(`tskube server exited ${r.exitCode} before ready: ${out}`)));
  });
  return {
    proc,
    async stop() {
      proc.kill('SIGTERM');
      return (await proc).exitCode;
    },
  };
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
}

describe('the node agent across API server and kubelet outages', () => {
  let env: TestContainerd;
  let cri: CriClient;
  let dir = '';
  let port = 0;
  let server: TestServer | undefined;
  let kubelet: TestKubelet | undefined;
  let dirs: KubeletDirs;
  let kenv: Record<string, string>;
  let image = '';
  const kubectl = (args: string[]) => execa('kubectl', args, { env: kenv, extendEnv: false, reject: false, timeout: 90_000 });

  const podManifest = (name: string, command: string[], restartPolicy = 'Always'): string =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  nodeName: ${NODE}\n  restartPolicy: ${restartPolicy}\n  terminationGracePeriodSeconds: 2\n  containers:\n  - name: app\n    image: ${image}\n    command: ${JSON.stringify(command)}\n`;

  async function apply(name: string, command: string[], restartPolicy?: string): Promise<void> {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, podManifest(name, command, restartPolicy));
    const r = await kubectl(['apply', '-f', file]);
    expect(r.stdout, r.stderr).toBe(`pod/${name} created`);
  }

  async function podJson(name: string): Promise<{ status?: { phase?: string; containerStatuses?: { containerID?: string; restartCount?: number; state?: { running?: { startedAt?: string } } }[] } }> {
    const r = await kubectl(['get', 'pod', name, '-o', 'json']);
    if (r.exitCode !== 0) throw new Error(`kubectl get pod ${name}: ${r.stderr}`);
    return JSON.parse(r.stdout) as never;
  }

  const waitPhase = (name: string, phase: string, timeoutMs = 120_000) =>
    waitFor(`${name} ${phase}`, async () => (await kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])).stdout === phase, timeoutMs);

  /** The pod's containers as containerd has them. */
  const containersOf = async (name: string): Promise<Container[]> => cri.containers.listContainers({ labelSelector: { 'io.kubernetes.pod.name': name } });

  async function lease(): Promise<LeaseSpec> {
    const r = await kubectl(['get', 'lease', NODE, '-n', 'kube-node-lease', '-o', 'jsonpath={.spec}']);
    if (r.exitCode !== 0) throw new Error(`kubectl get lease: ${r.stderr}`);
    return JSON.parse(r.stdout) as LeaseSpec;
  }

  /** Waits until the lease's renewTime moves past `after`; returns the new spec. */
  const leaseRenewedAfter = (after: string, timeoutMs = 60_000) =>
    waitFor(`lease renewed after ${after}`, async () => {
      const l = await lease();
      return l.renewTime && Date.parse(l.renewTime) > Date.parse(after) ? l : undefined;
    }, timeoutMs);

  const nodeReady = () =>
    waitFor('node Ready', async () => (await kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', 60_000);

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
    cri = createCriClient({ endpoint: env.socket });
    image = env.images.busybox.replace(/:latest$/, ':1.35');
    dir = await mkdtemp(join(TEST_TMP_BASE, 'tskube-outage-'));
    port = await freePort();
    server = await startServer(dir, port);
    kenv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: join(dir, 'admin.kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
    dirs = await kubeletDirs(env);
    kubelet = await startKubelet(env, dirs, ['--kubeconfig', join(dir, 'admin.kubeconfig')]);
    await nodeReady();
  });

  afterAll(async () => {
    if (server && kubelet) await kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s']);
    await kubelet?.stop();
    await server?.stop();
    // Whatever the kubelet left (a test failed half-way): remove it through the CRI.
    for (const sb of (await cri?.sandboxes.listPodSandbox().catch(() => [])) ?? []) {
      await cri.sandboxes.stopPodSandbox(sb.id).catch(() => undefined);
      await cri.sandboxes.removePodSandbox(sb.id).catch(() => undefined);
    }
    cri?.close();
    await env?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps pods running while the API server is down for 60 s, then reconnects and catches up', async () => {
    if (!kubelet) throw new Error('no kubelet');
    await apply('steady-a', ['sleep', '3600']);
    await apply('steady-b', ['sleep', '3600']);
    // Exits during the outage: its Succeeded status must reach the API afterwards.
    await apply('short', ['sleep', '25'], 'Never');
    for (const name of ['steady-a', 'steady-b', 'short']) await waitPhase(name, 'Running');
    const before = new Map<string, { ids: string[]; startedAt: string | undefined }>();
    for (const name of ['steady-a', 'steady-b']) {
      const ids = (await containersOf(name)).map((c) => c.id).sort();
      expect(ids).toHaveLength(1);
      before.set(name, { ids, startedAt: (await podJson(name)).status?.containerStatuses?.[0]?.state?.running?.startedAt });
    }
    const logStart = kubelet.output().length;

    expect(await server?.stop()).toBe(0);
    const outageStart = Date.now();
    // During the outage: the kubelet stays up and leaves the containers alone.
    while (Date.now() - outageStart < 60_000) {
      await new Promise((r) => setTimeout(r, 5_000));
      expect(kubelet.proc.exitCode, kubelet.output().slice(-2000)).toBeNull();
      for (const [name, b] of before) {
        const cs = await containersOf(name);
        expect(cs.map((c) => c.id).sort(), name).toEqual(b.ids);
        expect(cs.map((c) => c.state), name).toEqual(['CONTAINER_RUNNING']);
      }
    }
    await waitFor('short exited', async () => (await containersOf('short'))[0]?.state === 'CONTAINER_EXITED', 30_000);

    // The kubelet's log over the outage: warnings about the unreachable server, nothing worse,
    // and retries paced by back-off rather than a hot loop.
    const lines = kubelet.output().slice(logStart).split('\n').filter((l) => l.startsWith('{'));
    const records = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: string });
    expect(records.filter((r) => r.level >= 50), lines.join('\n').slice(-3000)).toEqual([]);
    expect(records.some((r) => r.err?.includes('ECONNREFUSED'))).toBe(true);
    expect(records.length, lines.join('\n').slice(-3000)).toBeLessThan(400);

    server = await startServer(dir, port);
    await nodeReady();
    const l0 = await lease();
    await leaseRenewedAfter(l0.renewTime ?? new Date(0).toISOString());

    // What changed while the server was away reaches it.
    await waitPhase('short', 'Succeeded');
    // New work is picked up from the re-established watch.
    await apply('after', ['sleep', '3600']);
    await waitPhase('after', 'Running');
    // Graceful deletion of an old pod completes: containers stopped, the pod gone from the API.
    const del = await kubectl(['delete', 'pod', 'steady-a', '--timeout=90s']);
    expect(del.stdout, del.stderr).toBe('pod "steady-a" deleted');
    expect((await kubectl(['get', 'pod', 'steady-a'])).stderr).toBe('Error from server (NotFound): pods "steady-a" not found');
    await waitFor('steady-a containers gone', async () => (await containersOf('steady-a')).length === 0, 60_000);

    // The surviving old pod: the same container, never restarted, reported as such.
    const b = before.get('steady-b');
    expect((await containersOf('steady-b')).map((c) => c.id)).toEqual(b?.ids);
    const status = (await podJson('steady-b')).status;
    expect(status?.phase).toBe('Running');
    expect(status?.containerStatuses?.map((c) => c.restartCount)).toEqual([0]);
    expect(status?.containerStatuses?.[0]?.containerID).toBe(`containerd://${b?.ids[0] ?? ''}`);
    expect(status?.containerStatuses?.[0]?.state?.running?.startedAt).toBe(b?.startedAt);
  }, 420_000);

  it('lets the lease go stale while the kubelet is stopped; pods keep running; a new kubelet renews it', async () => {
    if (!kubelet) throw new Error('no kubelet');
    // Renewed about every 10 s while the kubelet runs.
    const first = await lease();
    expect(first).toMatchObject({ holderIdentity: NODE, leaseDurationSeconds: 40 });
    const renewed = await leaseRenewedAfter(first.renewTime ?? '', 30_000);
    const idsBefore = (await containersOf('steady-b')).map((c) => c.id);
    expect(idsBefore).toHaveLength(1);

    expect(await kubelet.stop()).toBe(0);
    const stopped = await lease();
    expect(Date.parse(stopped.renewTime ?? '')).toBeGreaterThanOrEqual(Date.parse(renewed.renewTime ?? ''));
    const since = Date.now();
    while (Date.now() - since < 25_000) {
      await new Promise((r) => setTimeout(r, 5_000));
      expect(await lease()).toEqual(stopped);
    }
    expect(stopped.holderIdentity).toBe(NODE);
    // Two and a half renew intervals without a renewal: stale to anyone watching it.
    expect(Date.now() - Date.parse(stopped.renewTime ?? '')).toBeGreaterThan(25_000);
    const cs = await containersOf('steady-b');
    expect(cs.map((c) => [c.id, c.state])).toEqual([[idsBefore[0], 'CONTAINER_RUNNING']]);

    kubelet = await startKubelet(env, dirs, ['--kubeconfig', join(dir, 'admin.kubeconfig')]);
    await leaseRenewedAfter(stopped.renewTime ?? '');
    // The new kubelet adopts the running pod as it is.
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await containersOf('steady-b')).map((c) => c.id)).toEqual(idsBefore);
    const status = (await podJson('steady-b')).status;
    expect(status?.phase).toBe('Running');
    expect(status?.containerStatuses?.map((c) => c.restartCount)).toEqual([0]);
  }, 240_000);
});
