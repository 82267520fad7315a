import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupError } from './errors.js';
import { createCgroupManager, type CgroupManager } from './manager.js';
import { cpuSharesToWeight } from './names.js';
import { createFakeTree, type FakeTree } from './testing/fake-tree.js';

const UID = 'c0ffee00-1111-2222-3333-444455556666';

describe('cpuSharesToWeight', () => {
  it.each([
    [0, 0],
    [2, 1],
    [1024, 39],
    [102, 4],
    [262_144, 10_000],
  ])('%d shares -> weight %d (upstream linear conversion)', (shares, weight) => {
    expect(cpuSharesToWeight(shares)).toBe(weight);
  });
});

describe('cgroup manager on a fake cgroup v2 tree', () => {
  let tree: FakeTree;
  afterEach(() => tree.cleanup());

  async function setup(available?: string[]): Promise<CgroupManager> {
    tree = await createFakeTree('v2', available ? { v2Available: available } : {});
    return createCgroupManager({ cgroupRoot: '/tsk', detected: tree.detected, fs: tree.fs, kill: tree.kill, sleep: async () => undefined });
  }
  const at = (...rest: string[]): string => join(tree.root, ...rest);

  it('enables the needed controllers top-down and gives BestEffort weight 1', async () => {
    const mgr = await setup();
    await mgr.ensureQosCgroups();
    for (const d of ['', 'tsk', 'tsk/kubepods']) {
      expect(await tree.read(at(d, 'cgroup.subtree_control')), d).toBe('cpuset cpu io memory pids');
    }
    // Leaves enable nothing for their children: runc does that for the containers it creates.
    expect(await tree.read(at('tsk/kubepods/burstable/cgroup.subtree_control'))).toBe('');
    expect(await tree.read(at('tsk/kubepods/besteffort/cpu.weight'))).toBe('1');
    expect(await tree.read(at('tsk/kubepods/burstable/cpu.weight'))).toBe('100');
    expect(tree.log.filter((l) => l.includes('subtree_control'))).toHaveLength(15);

    tree.log.length = 0;
    await mgr.ensureQosCgroups();
    expect(tree.log).toEqual(['write tsk/kubepods/besteffort/cpu.weight=1']);
  });

  it('writes pod limits as cpu.weight, cpu.max, memory.max, pids.max and updates them', async () => {
    const mgr = await setup();
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Burstable', cpuShares: 1024, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitBytes: 64 << 20, pidsLimit: 50 });
    const pod = `tsk/kubepods/burstable/pod${UID}`;
    expect(await tree.read(at('tsk/kubepods/burstable/cgroup.subtree_control'))).toBe('cpuset cpu io memory pids');
    expect(await tree.read(at(pod, 'cpu.weight'))).toBe('39');
    expect(await tree.read(at(pod, 'cpu.max'))).toBe('50000 100000');
    expect(await tree.read(at(pod, 'memory.max'))).toBe(String(64 << 20));
    expect(await tree.read(at(pod, 'pids.max'))).toBe('50');
    expect(await mgr.readLimits(UID, 'Burstable')).toEqual({
      cpuShares: null,
      cpuWeight: 39,
      cpuQuota: 50_000,
      cpuPeriod: 100_000,
      memoryLimitBytes: 64 << 20,
      pidsLimit: 50,
    });

    tree.log.length = 0;
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Burstable', cpuShares: 2, cpuPeriod: 50_000 });
    expect(tree.log).toEqual([
      `write ${pod}/cpu.weight=1`,
      `write ${pod}/cpu.max=max 50000`,
      `write ${pod}/memory.max=max`,
      `write ${pod}/pids.max=max`,
    ]);
  });

  it('tolerates a missing controller unless a limit needs it', async () => {
    const mgr = await setup(['cpuset', 'cpu', 'memory']);
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Guaranteed', cpuShares: 2048, memoryLimitBytes: 1 << 30 });
    expect(await tree.read(at('tsk/kubepods/cgroup.subtree_control'))).toBe('cpuset cpu memory');
    expect(await mgr.readLimits(UID, 'Guaranteed')).toMatchObject({ memoryLimitBytes: 1 << 30, pidsLimit: null });
    const err = await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Guaranteed', pidsLimit: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupError);
    expect(err).toMatchObject({ code: 'SetFailed', path: at(`tsk/kubepods/pod${UID}`, 'pids.max') });
  });

  it('kills and removes the pod tree deepest first, and lists what is there', async () => {
    const mgr = await setup();
    await mgr.ensureQosCgroups();
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'BestEffort', cpuShares: 2 });
    await mgr.ensurePodCgroup({ uid: 'other', qosClass: 'Guaranteed', cpuShares: 1000 });
    const pod = `tsk/kubepods/besteffort/pod${UID}`;
    await tree.fs.mkdir(at(pod, 'sandbox'));
    await tree.fs.mkdir(at(pod, 'sandbox', 'nested'));
    await tree.addProc(at(pod, 'sandbox', 'nested'), 777);
    expect((await mgr.listPodCgroups()).map((p) => [p.uid, p.qosClass, p.paths])).toEqual([
      ['other', 'Guaranteed', [at('tsk/kubepods/podother')]],
      [UID, 'BestEffort', [at(pod)]],
    ]);

    tree.log.length = 0;
    await mgr.removePodCgroup(UID, 'BestEffort');
    expect(tree.killed).toEqual([777]);
    expect(tree.log).toEqual([`rmdir ${pod}/sandbox/nested`, `rmdir ${pod}/sandbox`, `rmdir ${pod}`]);
    expect((await mgr.listPodCgroups()).map((p) => p.uid)).toEqual(['other']);
    expect(await mgr.podCgroupPaths(UID, 'BestEffort')).toEqual([at(pod)]);
  });
});
