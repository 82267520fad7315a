import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient, type PodSandboxConfig } from '../../src/cri/index.js';
import { createCgroupManager, detectCgroups, type CgroupManager, type DetectedCgroups } from '../../src/kubelet/cm/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { cgroupDirsOf, removeCgroupTree, startTestContainerd, type TestContainerd } from './helpers/env.js';

const MiB = 1024 * 1024;

/** A `sleep` child of this process and a promise of the signal that ended it. */
function startSleeper(): { proc: ChildProcess; pid: number; ended: Promise<NodeJS.Signals | null> } {
  const proc = spawn('sleep', ['1000'], { stdio: 'ignore' });
  if (proc.pid === undefined) throw new Error('sleep did not start');
  const ended = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
  return { proc, pid: proc.pid, ended };
}

async function read(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

describe('cgroup manager on this machine', () => {
  const cgroupRoot = `/tskube-cg-test-${randomBytes(4).toString('hex')}`;
  const logger = createLogger('cgroups-test', { level: process.env.TSKUBE_LOG_LEVEL ?? 'warn' });
  const sleepers: ChildProcess[] = [];
  let detected: DetectedCgroups;
  let mgr: CgroupManager;
  let env: TestContainerd | undefined;
  let cri: CriClient | undefined;
  /** A v1 hierarchy's directory of a cgroup name. */
  const dirIn = (controller: string, name: string): string => join(detected.mountpoints[controller] ?? `/missing-${controller}`, name);

  beforeAll(async () => {
    detected = await detectCgroups();
    mgr = createCgroupManager({ cgroupRoot, detected, logger });
  });

  afterAll(async () => {
    // Every step runs even when an earlier one fails; containerd first, so its containers are gone.
    const errors: unknown[] = [];
    for (const p of sleepers) p.kill('SIGKILL');
    cri?.close();
    await env?.cleanup().catch((err: unknown) => void errors.push(err));
    await removeCgroupTree(cgroupRoot).catch((err: unknown) => void errors.push(err));
    const left = await cgroupDirsOf(cgroupRoot);
    if (left.length > 0) errors.push(new Error(`cgroups left behind: ${left.join(', ')}`));
    if (errors.length > 0) throw new AggregateError(errors, 'cgroups test cleanup failed');
  });

  it('detects cgroup v1 with the hierarchies mounted here', () => {
    expect(detected.version).toBe('v1');
    for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids']) expect(detected.mountpoints[c], c).toMatch(/^\/sys\/fs\/cgroup\//);
  });

  it('creates the QoS cgroups in every hierarchy', async () => {
    await mgr.ensureQosCgroups();
    const kubepods = `${cgroupRoot}/kubepods`;
    for (const mount of new Set(Object.values(detected.mountpoints))) {
      for (const d of [kubepods, `${kubepods}/burstable`, `${kubepods}/besteffort`]) {
        expect(await readFile(join(mount, d, 'cgroup.procs'), 'utf8'), `${mount}${d}`).toBe('');
      }
    }
    expect(await read(join(dirIn('cpu', kubepods), 'besteffort/cpu.shares'))).toBe('2');
    expect(await read(join(dirIn('cpuset', kubepods), 'burstable/cpuset.cpus'))).toBe(await read(join(dirIn('cpuset', '/'), 'cpuset.cpus')));
    await mgr.ensureQosCgroups(); // reentrant
  });

  it('writes pod limits the kernel accepts and reads them back', async () => {
    const uid = randomUUID();
    await mgr.ensurePodCgroup({ uid, qosClass: 'Guaranteed', cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitBytes: 64 * MiB, pidsLimit: 64 });
    const name = mgr.podCgroupParent(uid, 'Guaranteed');
    expect(await read(join(dirIn('memory', name), 'memory.limit_in_bytes'))).toBe(String(64 * MiB));
    expect(await read(join(dirIn('cpu', name), 'cpu.shares'))).toBe('512');
    expect(await read(join(dirIn('cpu', name), 'cpu.cfs_quota_us'))).toBe('50000');
    expect(await read(join(dirIn('pids', name), 'pids.max'))).toBe('64');

    await mgr.ensurePodCgroup({ uid, qosClass: 'Guaranteed', cpuShares: 1024, memoryLimitBytes: 128 * MiB });
    expect(await mgr.readLimits(uid, 'Guaranteed')).toEqual({
      cpuShares: 1024,
      cpuWeight: null,
      cpuQuota: null,
      cpuPeriod: 100_000,
      memoryLimitBytes: 128 * MiB,
      pidsLimit: null,
    });
    await mgr.removePodCgroup(uid, 'Guaranteed');
    expect(await cgroupDirsOf(name)).toEqual([]);
    expect(await mgr.readLimits(uid, 'Guaranteed')).toBeNull();
  });

  it('kills processes left in a pod cgroup and its children, then removes it everywhere', async () => {
    const uid = randomUUID();
    await mgr.ensurePodCgroup({ uid, qosClass: 'BestEffort', cpuShares: 2, memoryLimitBytes: 32 * MiB });
    const name = mgr.podCgroupParent(uid, 'BestEffort');
    const a = startSleeper();
    const b = startSleeper();
    sleepers.push(a.proc, b.proc);
    // a joins the pod cgroup in every hierarchy (cpuset only accepts it because cpus/mems were copied);
    // b joins a child cgroup, as a container process would.
    for (const dir of await cgroupDirsOf(name)) {
      if (dir.startsWith(detected.unified ?? '\0')) continue;
      await writeFile(join(dir, 'cgroup.procs'), String(a.pid));
    }
    for (const c of ['memory', 'pids']) {
      await mkdir(join(dirIn(c, name), 'ctr'));
      await writeFile(join(dirIn(c, name), 'ctr', 'cgroup.procs'), String(b.pid));
    }
    const procCgroup = await readFile(`/proc/${a.pid}/cgroup`, 'utf8');
    expect(procCgroup).toMatch(new RegExp(`:cpuset:${name}\\n`));
    expect(procCgroup).toMatch(new RegExp(`:memory:${name}\\n`));
    expect(await readFile(`/proc/${b.pid}/cgroup`, 'utf8')).toContain(`:memory:${name}/ctr\n`);
    expect((await mgr.listPodCgroups()).find((p) => p.uid === uid)?.qosClass).toBe('BestEffort');

    await mgr.removePodCgroup(uid, 'BestEffort');
    expect(await a.ended).toBe('SIGKILL');
    expect(await b.ended).toBe('SIGKILL');
    expect(await cgroupDirsOf(name)).toEqual([]);
    expect((await mgr.listPodCgroups()).find((p) => p.uid === uid)).toBeUndefined();
    await mgr.removePodCgroup(uid, 'BestEffort'); // idempotent
  });

  it('runs a runc pod inside the pod cgroup and leaves nothing after removal', async () => {
    env = await startTestContainerd({ cniConfig: 'none' });
    cri = createCriClient({ endpoint: env.socket, timeoutMs: 60_000 });
    await cri.images.pullImage({ image: env.images.busybox });

    const uid = randomUUID();
    const name = mgr.podCgroupParent(uid, 'Burstable');
    await mgr.ensurePodCgroup({ uid, qosClass: 'Burstable', cpuShares: 256, memoryLimitBytes: 96 * MiB });
    const logDirectory = join(env.dir, 'pods', `default_cg-test_${uid}`);
    await mkdir(logDirectory, { recursive: true });
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'cg-test', namespace: 'default', uid, attempt: 0 },
      logDirectory,
      labels: { 'io.kubernetes.pod.uid': uid },
      linux: {
        cgroupParent: name,
        securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } },
      },
    };
    const sandboxId = await cri.sandboxes.runPodSandbox(sandboxConfig);
    const containerId = await cri.containers.createContainer(
      sandboxId,
      {
        metadata: { name: 'app', attempt: 0 },
        image: { image: env.images.busybox },
        command: ['sleep', '3600'],
        logPath: 'app/0.log',
        linux: { resources: { memoryLimitInBytes: 64 * MiB, cpuShares: 256 } },
      },
      sandboxConfig,
    );
    await cri.containers.startContainer(containerId);

    const { info } = await cri.containers.containerStatus(containerId, { verbose: true });
    const pid = (JSON.parse(info.info ?? '{}') as { pid?: number }).pid;
    expect(pid).toBeGreaterThan(1);
    const procCgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8');
    expect(procCgroup).toContain(`:memory:${name}/${containerId}\n`);
    expect(procCgroup).toContain(`:cpu:${name}/${containerId}\n`);
    expect(await read(join(dirIn('memory', name), containerId, 'memory.limit_in_bytes'))).toBe(String(64 * MiB));
    expect(await read(join(dirIn('memory', name), 'memory.limit_in_bytes'))).toBe(String(96 * MiB));
    expect(await read(join(dirIn('cpu', name), 'cpu.shares'))).toBe('256');
    const listed = (await mgr.listPodCgroups()).find((p) => p.uid === uid);
    expect(listed).toMatchObject({ qosClass: 'Burstable', name });
    logger.info({ paths: listed?.paths }, 'pod cgroup directories while the pod runs');

    await cri.containers.stopContainer(containerId, 5);
    await cri.sandboxes.stopPodSandbox(sandboxId);
    await cri.sandboxes.removePodSandbox(sandboxId);
    const leftByRunc = await cgroupDirsOf(name);
    logger.info({ leftByRunc }, 'pod cgroup directories runc left behind');
    expect(leftByRunc.length).toBeGreaterThan(0);

    await mgr.removePodCgroup(uid, 'Burstable');
    expect(await cgroupDirsOf(name)).toEqual([]);
    expect((await mgr.listPodCgroups()).find((p) => p.uid === uid)).toBeUndefined();
  });
});
