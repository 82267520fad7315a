import { describe, expect, it } from 'vitest';
import { createFakeCgroupManager } from './fake.js';

describe('fake cgroup manager', () => {
  it('keeps pod cgroups in memory, validates like the real one, and injects failures', async () => {
    const fake = createFakeCgroupManager();
    await fake.ensureQosCgroups();
    await fake.ensurePodCgroup({ uid: 'a', qosClass: 'Burstable', cpuShares: 512, memoryLimitBytes: 1000 });
    expect(fake.podCgroupParent('a', 'Burstable')).toBe('/kubepods/burstable/poda');
    expect(await fake.readLimits('a', 'Burstable')).toMatchObject({ cpuShares: 512, memoryLimitBytes: 1000, cpuQuota: null });
    expect((await fake.listPodCgroups()).map((p) => p.uid)).toEqual(['a']);
    await expect(fake.ensurePodCgroup({ uid: 'b', qosClass: 'Burstable', cpuShares: 1 })).rejects.toThrow(RangeError);

    fake.failNext('removePodCgroup', new Error('boom'));
    await expect(fake.removePodCgroup('a', 'Burstable')).rejects.toThrow('boom');
    await fake.removePodCgroup('a', 'Burstable');
    expect(await fake.readLimits('a', 'Burstable')).toBeNull();
    expect(fake.calls).toEqual(['ensureQosCgroups', 'ensurePodCgroup', 'listPodCgroups', 'ensurePodCgroup', 'removePodCgroup', 'removePodCgroup']);
  });
});
