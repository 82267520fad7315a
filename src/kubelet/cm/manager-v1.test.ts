import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupError } from './errors.js';
import { createCgroupManager, type CgroupManager } from './manager.js';
import { createFakeTree, type FakeTree } from './testing/fake-tree.js';

const UID = '0b5c2d1e-7f3a-4c8e-9d2b-1a2b3c4d5e6f';
const V1_DIRS = ['cpu,cpuacct', 'cpuset', 'memory', 'pids', 'systemd'];

describe('cgroup manager on a fake cgroup v1 tree', () => {
  let tree: FakeTree;
  let mgr: CgroupManager;
  let slept: number[];
  const at = (h: string, ...rest: string[]): string => join(tree.root, h, ...rest);

  beforeEach(async () => {
    tree = await createFakeTree('v1');
    slept = [];
    mgr = createCgroupManager({
      cgroupRoot: '/tsk',
      detected: tree.detected,
      fs: tree.fs,
      kill: tree.kill,
      sleep: async (ms) => void slept.push(ms),
    });
  });
  afterEach(() => tree.cleanup());

  it('names pod cgroups as the cgroupfs driver does', () => {
    expect(mgr.podCgroupParent(UID, 'Guaranteed')).toBe(`/tsk/kubepods/pod${UID}`);
    expect(mgr.podCgroupParent(UID, 'Burstable')).toBe(`/tsk/kubepods/burstable/pod${UID}`);
    expect(mgr.podCgroupParent(UID, 'BestEffort')).toBe(`/tsk/kubepods/besteffort/pod${UID}`);
    const plain = createCgroupManager({ detected: tree.detected });
    expect(plain.podCgroupParent('abc', 'Burstable')).toBe('/kubepods/burstable/podabc');
    expect(() => plain.podCgroupParent('../x', 'Burstable')).toThrow(RangeError);
    expect(() => plain.podCgroupParent('a/b', 'Burstable')).toThrow(RangeError);
    expect(() => createCgroupManager({ cgroupRoot: 'relative' })).toThrow(RangeError);
    expect(() => createCgroupManager({ cgroupRoot: '/a/../b' })).toThrow(RangeError);
    expect(() => createCgroupManager({ kubepodsName: 'a/b' })).toThrow(RangeError);
    expect(createCgroupManager({ cgroupRoot: '/a//b/' }).podCgroupParent('u', 'Guaranteed')).toBe('/a/b/kubepods/podu');
  });

  it('creates the QoS cgroups in every v1 hierarchy with cpusets copied and BestEffort at 2 shares', async () => {
    await mgr.ensureQosCgroups();
    for (const h of V1_DIRS) {
      for (const d of ['tsk', 'tsk/kubepods', 'tsk/kubepods/burstable', 'tsk/kubepods/besteffort']) {
        expect(await tree.fs.isDir(at(h, d)), `${h}/${d}`).toBe(true);
      }
    }
    expect(await tree.fs.isDir(at('unified', 'tsk'))).toBe(false);
    for (const d of ['tsk', 'tsk/kubepods', 'tsk/kubepods/burstable', 'tsk/kubepods/besteffort']) {
      expect(await tree.read(at('cpuset', d, 'cpuset.cpus'))).toBe('0-1');
      expect(await tree.read(at('cpuset', d, 'cpuset.mems'))).toBe('0');
    }
    expect(await tree.read(at('cpu,cpuacct', 'tsk/kubepods/besteffort/cpu.shares'))).toBe('2');
    expect(await tree.read(at('cpu,cpuacct', 'tsk/kubepods/burstable/cpu.shares'))).toBe('1024');

    // Reentrant: a second call creates nothing and only re-applies the BestEffort shares.
    tree.log.length = 0;
    await mgr.ensureQosCgroups();
    expect(tree.log).toEqual(['write cpu,cpuacct/tsk/kubepods/besteffort/cpu.shares=2']);
  });

  it('heals an empty cpuset left by a crash between mkdir and the copy', async () => {
    await mgr.ensureQosCgroups();
    await tree.fs.writeFile(at('cpuset', 'tsk/kubepods/burstable/cpuset.cpus'), '\n');
    await mgr.ensureQosCgroups();
    expect(await tree.read(at('cpuset', 'tsk/kubepods/burstable/cpuset.cpus'))).toBe('0-1');
  });

  it('writes pod limits, updates them, and resets omitted ones to no limit', async () => {
    await mgr.ensureQosCgroups();
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Burstable', cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitBytes: 64 << 20, pidsLimit: 100 });
    const pod = `tsk/kubepods/burstable/pod${UID}`;
    for (const h of V1_DIRS) expect(await tree.fs.isDir(at(h, pod))).toBe(true);
    expect(await tree.read(at('cpu,cpuacct', pod, 'cpu.shares'))).toBe('512');
    expect(await tree.read(at('cpu,cpuacct', pod, 'cpu.cfs_quota_us'))).toBe('50000');
    expect(await tree.read(at('cpu,cpuacct', pod, 'cpu.cfs_period_us'))).toBe('100000');
    expect(await tree.read(at('memory', pod, 'memory.limit_in_bytes'))).toBe(String(64 << 20));
    expect(await tree.read(at('pids', pod, 'pids.max'))).toBe('100');
    expect(await tree.read(at('cpuset', pod, 'cpuset.cpus'))).toBe('0-1');
    expect(await mgr.readLimits(UID, 'Burstable')).toEqual({
      cpuShares: 512,
      cpuWeight: null,
      cpuQuota: 50_000,
      cpuPeriod: 100_000,
      memoryLimitBytes: 64 << 20,
      pidsLimit: 100,
    });

    tree.log.length = 0;
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Burstable', cpuShares: 256, memoryLimitBytes: 128 << 20 });
    expect(tree.log.filter((l) => l.startsWith('mkdir'))).toEqual([]);
    expect(await mgr.readLimits(UID, 'Burstable')).toEqual({
      cpuShares: 256,
      cpuWeight: null,
      cpuQuota: null,
      cpuPeriod: 100_000,
      memoryLimitBytes: 128 << 20,
      pidsLimit: null,
    });
    expect(await tree.read(at('cpu,cpuacct', pod, 'cpu.cfs_quota_us'))).toBe('-1');
    expect(await tree.read(at('pids', pod, 'pids.max'))).toBe('max');
  });

  it('creates missing parents when the pod comes before the QoS cgroups', async () => {
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'BestEffort', cpuShares: 2 });
    expect(await tree.read(at('cpuset', `tsk/kubepods/besteffort/pod${UID}/cpuset.mems`))).toBe('0');
  });

  it('rejects bad limits with RangeError before touching the tree', async () => {
    const bad = [{ cpuShares: 1 }, { cpuShares: 262_145 }, { cpuQuota: 999 }, { cpuPeriod: 2_000_000 }, { memoryLimitBytes: 0 }, { pidsLimit: 1.5 }];
    for (const b of bad) {
      await expect(mgr.ensurePodCgroup({ uid: UID, qosClass: 'Guaranteed', ...b })).rejects.toThrow(RangeError);
    }
    expect(tree.log).toEqual([]);
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Guaranteed', cpuQuota: 0, pidsLimit: -1, memoryLimitBytes: -1 });
    expect(await mgr.readLimits(UID, 'Guaranteed')).toMatchObject({ cpuQuota: null, pidsLimit: null, memoryLimitBytes: null });
  });

  it('kills leftover processes, then removes the tree deepest first in every hierarchy', async () => {
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Guaranteed', memoryLimitBytes: 1 << 30 });
    const pod = `tsk/kubepods/pod${UID}`;
    // What runc leaves: container cgroups below the pod, also in the hybrid cgroup2 mount.
    for (const h of [...V1_DIRS, 'unified']) {
      for (const d of ['tsk', 'tsk/kubepods', pod, `${pod}/ctr1`]) await tree.fs.mkdir(at(h, d));
    }
    await tree.addProc(at('memory', pod, 'ctr1'), 4242);
    await tree.addProc(at('pids', pod), 4243);
    await tree.addProc(at('cpu,cpuacct', pod, 'ctr1'), 4242);

    tree.log.length = 0;
    await mgr.removePodCgroup(UID, 'Guaranteed');
    expect(tree.killed).toEqual([4242, 4243]);
    expect(tree.log).toEqual(
      [...V1_DIRS, 'unified'].flatMap((h) => [`rmdir ${h}/${pod}/ctr1`, `rmdir ${h}/${pod}`]),
    );
    expect(await mgr.readLimits(UID, 'Guaranteed')).toBeNull();
    expect(await tree.fs.isDir(at('memory', 'tsk/kubepods'))).toBe(true);

    // Idempotent: nothing left, nothing to do.
    tree.log.length = 0;
    await mgr.removePodCgroup(UID, 'Guaranteed');
    expect(tree.log).toEqual([]);
  });

  it('retries rmdir on EBUSY', async () => {
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Burstable' });
    tree.failRmdir(at('memory', `tsk/kubepods/burstable/pod${UID}`), 'EBUSY', 3);
    await mgr.removePodCgroup(UID, 'Burstable');
    expect(slept).toEqual([10, 20, 40]);
    expect(await mgr.listPodCgroups()).toEqual([]);
  });

  it('gives up on a cgroup that stays busy after three kill-and-rmdir rounds', async () => {
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Burstable' });
    const memDir = at('memory', `tsk/kubepods/burstable/pod${UID}`);
    tree.failRmdir(memDir, 'EBUSY', 1000);
    const err = await mgr.removePodCgroup(UID, 'Burstable').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RemoveFailed', path: memDir, message: expect.stringContaining('EBUSY') as unknown });
    expect(slept).toEqual([10, 20, 40, 80, 160, 320, 10, 20, 40, 80, 160, 320, 10, 20, 40, 80, 160, 320]);
  });

  it('stops retrying when the signal aborts', async () => {
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Burstable' });
    tree.failRmdir(at('memory', `tsk/kubepods/burstable/pod${UID}`), 'EBUSY', 1000);
    const ac = new AbortController();
    const aborting = createCgroupManager({
      cgroupRoot: '/tsk',
      detected: tree.detected,
      fs: tree.fs,
      kill: tree.kill,
      sleep: async () => ac.abort(new Error('kubelet stopping')),
    });
    await expect(aborting.removePodCgroup(UID, 'Burstable', { signal: ac.signal })).rejects.toThrow('kubelet stopping');
    await expect(aborting.removePodCgroup(UID, 'Burstable', { signal: ac.signal })).rejects.toThrow('kubelet stopping');
  });

  it('removes what it can and reports the rest with RemoveFailed', async () => {
    await mgr.ensurePodCgroup({ uid: UID, qosClass: 'Burstable' });
    const memDir = at('memory', `tsk/kubepods/burstable/pod${UID}`);
    tree.failRmdir(memDir, 'EACCES', 10);
    const err = await mgr.removePodCgroup(UID, 'Burstable').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupError);
    expect(err).toMatchObject({ code: 'RemoveFailed', path: memDir });
    const left = await mgr.listPodCgroups();
    expect(left).toEqual([{ uid: UID, qosClass: 'Burstable', name: `/tsk/kubepods/burstable/pod${UID}`, paths: [memDir] }]);
  });

  it('lists pod cgroups of every QoS class, merged across hierarchies', async () => {
    await mgr.ensureQosCgroups();
    await mgr.ensurePodCgroup({ uid: 'g1', qosClass: 'Guaranteed' });
    await mgr.ensurePodCgroup({ uid: 'b1', qosClass: 'Burstable' });
    await mgr.ensurePodCgroup({ uid: 'e1', qosClass: 'BestEffort' });
    await tree.fs.mkdir(at('memory', 'tsk/kubepods/burstable/not-a-pod'));
    await tree.fs.mkdir(at('memory', 'tsk/kubepods/burstable/pod..'));
    const list = await mgr.listPodCgroups();
    expect(list.map((p) => [p.uid, p.qosClass, p.name])).toEqual([
      ['g1', 'Guaranteed', '/tsk/kubepods/podg1'],
      ['b1', 'Burstable', '/tsk/kubepods/burstable/podb1'],
      ['e1', 'BestEffort', '/tsk/kubepods/besteffort/pode1'],
    ]);
    expect(list[0]?.paths).toEqual(V1_DIRS.map((h) => at(h, 'tsk/kubepods/podg1')));
  });
});
