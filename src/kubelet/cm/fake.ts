/**
 * An in-memory CgroupManager for unit tests of the kubelet: it keeps the pod cgroups it was asked
 * for in a map, records calls, and can fail a method once.
 */
import type { PodQOSClass } from '../../api/index.js';
import type { CgroupLimits } from './control.js';
import { podResourceConfig, type CgroupManager, type PodCgroup, type PodCgroupSpec } from './manager.js';
import { cgroupNames, cpuSharesToWeight } from './names.js';

export type FakeCgroupMethod = 'ensureQosCgroups' | 'ensurePodCgroup' | 'removePodCgroup' | 'listPodCgroups';

export interface FakeCgroupManager extends CgroupManager {
  /** Pod cgroups that exist, by cgroup name. */
  readonly pods: Map<string, PodCgroupSpec>;
  /** Method names in call order. */
  readonly calls: FakeCgroupMethod[];
  qosCreated: boolean;
  /** The next call of `method` rejects with `err`. */
  failNext(method: FakeCgroupMethod, err: Error): void;
}

export function createFakeCgroupManager(opts: { cgroupRoot?: string; version?: 'v1' | 'v2' } = {}): FakeCgroupManager {
  const names = cgroupNames(opts.cgroupRoot ?? '/', 'kubepods');
  const failures = new Map<FakeCgroupMethod, Error>();
  const calls: FakeCgroupMethod[] = [];
  const pods = new Map<string, PodCgroupSpec>();
  const enter = (m: FakeCgroupMethod): void => {
    calls.push(m);
    const err = failures.get(m);
    if (err) {
      failures.delete(m);
      throw err;
    }
  };
  const fake: FakeCgroupManager = {
    pods,
    calls,
    qosCreated: false,
    failNext: (method, err) => void failures.set(method, err),
    async ensureQosCgroups() {
      enter('ensureQosCgroups');
      fake.qosCreated = true;
    },
    podCgroupParent: (uid: string, qosClass: PodQOSClass) => names.pod(uid, qosClass),
    async ensurePodCgroup(spec) {
      enter('ensurePodCgroup');
      podResourceConfig(spec); // same validation as the real manager
      pods.set(names.pod(spec.uid, spec.qosClass), { ...spec });
    },
    async removePodCgroup(uid, qosClass) {
      enter('removePodCgroup');
      pods.delete(names.pod(uid, qosClass));
    },
    async listPodCgroups(): Promise<PodCgroup[]> {
      enter('listPodCgroups');
      return [...pods].map(([name, s]) => ({ uid: s.uid, qosClass: s.qosClass, name, paths: [name] }));
    },
    async readLimits(uid, qosClass): Promise<CgroupLimits | null> {
      const spec = pods.get(names.pod(uid, qosClass));
      if (!spec) return null;
      const res = podResourceConfig(spec);
      const unlimited = (n: number | undefined): number | null => (n === undefined || n < 0 ? null : n);
      const v2 = opts.version === 'v2';
      return {
        cpuShares: v2 ? null : (res.cpuShares ?? null),
        cpuWeight: v2 ? cpuSharesToWeight(res.cpuShares ?? 0) : null,
        cpuQuota: unlimited(res.cpuQuota),
        cpuPeriod: res.cpuPeriod ?? null,
        memoryLimitBytes: unlimited(res.memoryLimitBytes),
        pidsLimit: unlimited(res.pidsLimit),
      };
    },
    async podCgroupPaths(uid, qosClass) {
      return [names.pod(uid, qosClass)];
    },
  };
  return fake;
}
