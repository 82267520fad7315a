import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { Pod } from '../src/api/index.js';
import { cleanupContainerd, containerdLayout, startContainerd } from '../src/containerd/index.js';
import { createCriClient } from '../src/cri/index.js';
import { createKubeClient, loadKubeconfig, type KubeClient } from '../src/lib/kube/index.js';
import { createLogger } from '../src/lib/logger.js';
import { removeCgroupTree, TEST_TMP_BASE, testImages } from '../test/integration/helpers/env.js';
import { cniNetnsNames, nftTables, removeLeakedNetnsSince, removePortmapTables } from '../test/integration/helpers/netns.js';
import { measureRawCri } from './lib/raw-cri.js';
import { ms, ratio, summarize } from './lib/stats.js';
import { freePort } from '../src/images/index.js';

const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;
const NODE = 'bench-node';
const NS = 'default';
const PODS = 30;


/** A /24 in 10.227.0.0/16 not assigned on any host interface. */
async function freePodCidr(): Promise<string> {
  const { stdout } = await execa('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 64; i++) {
    const prefix = `10.227.${randomBytes(1)[0] ?? 0}.`;
    if (!stdout.includes(`inet ${prefix}`)) return `${prefix}0/24`;
  }
  throw new Error('no free /24 in 10.227.0.0/16');
}

interface Up {
  proc: ResultPromise;
  /** Milliseconds from spawning `tskube up` to its ready line (printed once the node is Ready). */
  readyMs: number;
  stop(): Promise<void>;
}

/** Spawns `tskube up` and waits for its ready line. */
async function startUp(args: string[], sandboxImage: string): Promise<Up> {
  const t0 = performance.now();
  const proc = execa('node', ['--import', 'tsx', MAIN, 'up', ...args], { env: { TSKUBE_SANDBOX_IMAGE: sandboxImage, TSKUBE_LOG_LEVEL: 'warn' }, reject: false });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve();
    });
    void proc.then((r) => reject(new Error(`tskube up exited ${r.exitCode} before ready: ${stderr}`)));
  });
  const readyMs = performance.now() - t0;
  return {
    proc,
    readyMs,
    async stop() {
      proc.kill('SIGTERM');
      const r = await proc;
      if (r.exitCode !== 0) throw new Error(`tskube up exited ${r.exitCode} on SIGTERM: ${stderr}`);
    },
  };
}

/**
 * Pods of one namespace as a watch sees them: when each was first Running with its containers
 * ready, and which were deleted. Lists once, then watches from the last resourceVersion seen,
 * watching again whenever the server ends the stream.
 */
function watchPods(client: KubeClient, signal: AbortSignal) {
  const path = `/api/v1/namespaces/${NS}/pods`;
  const running = new Map<string, number>();
  const deleted = new Set<string>();
  const waiters = new Set<() => void>();
  let failure: Error | undefined;
  const until = (what: string, cond: () => boolean, timeoutMs = 300_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        if (failure) finish(failure);
        else if (cond()) finish();
      };
      waiters.add(check);
      check();
    });
  const done = (async () => {
    let { resourceVersion } = (await client.list<Pod>(path, {}, signal)).metadata;
    while (!signal.aborted) {
      for await (const ev of client.watch<Pod>(path, { resourceVersion, timeoutSeconds: 600 }, signal)) {
        resourceVersion = ev.object.metadata.resourceVersion ?? resourceVersion;
        const name = ev.object.metadata.name ?? '';
        const st = ev.object.status;
        if (ev.type === 'DELETED') deleted.add(name);
        else if (st?.phase === 'Running' && st.containerStatuses?.every((c) => c.ready) && !running.has(name)) running.set(name, performance.now());
        for (const w of [...waiters]) w();
      }
    }
  })().catch((err: unknown) => {
    if (signal.aborted) return;
    failure = err instanceof Error ? err : new Error(String(err));
    for (const w of [...waiters]) w();
  });
  return { running, deleted, until, done };
}

function podBody(name: string, image: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image, command: ['sleep', '3600'] }] },
  } as Pod;
}

/**
 * The single-node cluster in one run: `tskube up` start to node Ready (first start on a fresh
 * data dir with the images already in its containerd, then a resume), and pod create (POST with
 * spec.nodeName) to Running as a watch sees it, for 30 pods one after another and 30 at once,
 * each beside the raw-CRI baseline measured on the same containerd in the same run.
 */
export async function run(): Promise<void> {
  const images = testImages();
  const busybox = images.busybox.replace(/:latest$/, ':1.35');
  const hex = randomBytes(3).toString('hex');
  const bridge = `tsk${hex}`;
  const cgroupRoot = `/tskube-bench-${hex}`;
  const rawCgroup = `/tskube-bench-${hex}-raw`;
  const podCidr = await freePodCidr();
  const dataDir = await mkdtemp(join(TEST_TMP_BASE, 'tskube-bench-cluster-'));
  const containerdDir = join(dataDir, 'containerd');
  const logger = createLogger('bench-cluster', { level: 'warn' });
  const netnsBefore = await cniNetnsNames();
  const tablesBefore = await nftTables();
  const args = ['--data-dir', dataDir, '--secure-port', String(await freePort()), '--kubelet-port', '0', '--hostname-override', NODE, '--pod-cidr', podCidr, '--cluster-cidr', podCidr, '--cni-bridge', bridge, '--cgroup-root', cgroupRoot, '--pod-logs-dir', join(dataDir, 'pod-logs')];
  let up: Up | undefined;
  const watchAbort = new AbortController();
  let watched: Promise<void> = Promise.resolve();
  try {
    // 0. The images, present before the first start: pulled into the data dir's containerd.
    const seed = await startContainerd({ dir: containerdDir, sandboxImage: images.pause, logger });
    const seedCri = createCriClient({ endpoint: seed.socket });
    try {
      await seedCri.images.pullImage({ image: images.pause });
      await seedCri.images.pullImage({ image: busybox });
    } finally {
      seedCri.close();
      await seed.stop();
    }

    // 1. Start to node Ready: a fresh cluster, then a resume on the same data dir.
    const first = await startUp(args, images.pause);
    await first.stop();
    up = await startUp(args, images.pause);
    const resumeMs = up.readyMs;

    // 2. The raw-CRI baseline on the cluster's own containerd, the cluster idle beside it.
    const cri = createCriClient({ endpoint: containerdLayout(containerdDir).socket });
    const raw = await measureRawCri({ cri, busybox, cgroupParent: rawCgroup, logRoot: join(dataDir, 'raw-logs') }, { sequential: PODS, concurrent: PODS }).finally(() => cri.close());

    // 3. Through the API: POST, then Running as the watch reports it.
    const client = createKubeClient(await loadKubeconfig(join(dataDir, 'admin.kubeconfig')));
    const pods = watchPods(client, watchAbort.signal);
    watched = pods.done;
    const create = async (name: string): Promise<number> => {
      const t0 = performance.now();
      await client.create(`/api/v1/namespaces/${NS}/pods`, podBody(name, busybox));
      return t0;
    };
    const removeAll = async (names: string[]): Promise<void> => {
      await Promise.all(names.map((n) => client.delete(`/api/v1/namespaces/${NS}/pods/${n}`)));
      await pods.until(`${names.length} pods deleted`, () => names.every((n) => pods.deleted.has(n)));
    };
    const warm = 'warmup';
    await create(warm);
    await pods.until(warm, () => pods.running.has(warm));
    await removeAll([warm]);

    const sequential: number[] = [];
    const seqNames = Array.from({ length: PODS }, (_, i) => `seq-${i}`);
    for (const name of seqNames) {
      const t0 = await create(name);
      await pods.until(`${name} Running`, () => pods.running.has(name));
      sequential.push((pods.running.get(name) ?? 0) - t0);
    }
    await removeAll(seqNames);

    const concNames = Array.from({ length: PODS }, (_, i) => `conc-${i}`);
    const t0 = performance.now();
    await Promise.all(concNames.map(create));
    await pods.until(`${PODS} pods Running`, () => concNames.every((n) => pods.running.has(n)));
    const concurrentMs = Math.max(...concNames.map((n) => pods.running.get(n) ?? 0)) - t0;
    await removeAll(concNames);

    const s = summarize(sequential);
    console.log('cluster: tskube up start -> node Ready (images present; includes node + tsx start-up)');
    console.log(`  first start (fresh data dir): ${ms(first.readyMs)}  (target < 10 s)`);
    console.log(`  resume (same data dir):       ${ms(resumeMs)}  (target < 10 s)`);
    console.log('cluster: pod POST (spec.nodeName) -> Running seen through a watch, beside raw CRI on the same containerd');
    console.log(`  ${s.n} sequential: p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  |  raw p50 ${ms(raw.sequential.p50)}  p99 ${ms(raw.sequential.p99)}  |  ratio p50 ${ratio(s.p50, raw.sequential.p50)} (target <= 1.5x)  p99 ${ratio(s.p99, raw.sequential.p99)}`);
    console.log(`  ${PODS} at once: ${ms(concurrentMs)}  |  raw ${ms(raw.concurrentWallMs)}  |  ratio ${ratio(concurrentMs, raw.concurrentWallMs)}`);

    // Deleted from the API; the kubelet tears the sandboxes down after that.
    const check = createCriClient({ endpoint: containerdLayout(containerdDir).socket });
    try {
      const until = Date.now() + 120_000;
      while ((await check.sandboxes.listPodSandbox()).length > 0) {
        if (Date.now() > until) throw new Error('pod sandboxes still present 120 s after their pods were deleted');
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      check.close();
    }
  } finally {
    watchAbort.abort();
    await watched;
    await up?.stop().catch((err: unknown) => console.error(err));
    await cleanupContainerd(containerdDir).catch((err: unknown) => console.error(err));
    for (const cg of [cgroupRoot, rawCgroup]) await removeCgroupTree(cg).catch((err: unknown) => console.error(err));
    await execa('ip', ['link', 'del', bridge], { reject: false });
    await execa('nft', ['delete', 'table', 'ip', `tskube-${bridge}`], { reject: false });
    await removeLeakedNetnsSince(netnsBefore).catch((err: unknown) => console.error(err));
    await removePortmapTables(tablesBefore).catch((err: unknown) => console.error(err));
    await rm(dataDir, { recursive: true, force: true });
  }
}
