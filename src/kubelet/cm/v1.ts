/**
 * cgroup v1 (upstream cgroupV1impl over libcontainer's fs driver): a cgroup is one directory per
 * hierarchy; new cpuset directories get `cpuset.cpus`/`cpuset.mems` copied from their parent, since
 * an empty cpuset makes attaching any task fail with ENOSPC.
 */
import { join } from 'node:path';
import type { Logger } from '../../lib/logger.js';
import type { DetectedCgroups } from './detect.js';
import { CgroupError, errnoCode, errorText } from './errors.js';
import type { CgroupFs } from './fs.js';
import { limitText, parseLimit, readControl, writeControl, type CgroupLimits, type ResourceConfig, type VersionOps } from './control.js';

const CPUSET_FILES = ['cpuset.cpus', 'cpuset.mems'] as const;

export function createV1Ops(detected: DetectedCgroups, fs: CgroupFs, logger: Logger): VersionOps {
  const mp = detected.mountpoints;
  const mounts = [...new Set(Object.values(mp))].sort();
  const dirOf = (controller: string, name: string): string | undefined => {
    const mount = mp[controller];
    return mount === undefined ? undefined : join(mount, name);
  };

  /** Fills an empty cpuset file of `dir` from `parent` (what the kernel's clone_children would do). */
  async function copyCpuset(parent: string, dir: string): Promise<void> {
    for (const file of CPUSET_FILES) {
      const own = await readControl(fs, dir, file);
      if (own !== null && own !== '') continue;
      const inherited = await readControl(fs, parent, file);
      if (inherited === null || inherited === '') {
        throw new CgroupError('CreateFailed', join(parent, file), 'parent cpuset is empty');
      }
      await writeControl(fs, dir, file, inherited, false);
      logger.debug({ dir, file, value: inherited }, 'copied cpuset from parent');
    }
  }

  async function ensureDirs(name: string): Promise<void> {
    const segments = name.split('/').filter(Boolean);
    for (const mount of mounts) {
      let dir = mount;
      for (const segment of segments) {
        const parent = dir;
        dir = join(dir, segment);
        try {
          if (await fs.mkdir(dir)) logger.debug({ dir }, 'created cgroup');
        } catch (err) {
          throw new CgroupError('CreateFailed', dir, `cannot create cgroup: ${errorText(err)}`, { cause: err });
        }
        // Checked on every call, not only after mkdir: a crash between the two must heal.
        if (mount === mp.cpuset) await copyCpuset(parent, dir);
      }
    }
  }

  /** Upstream libcontainer CpuGroup.Set: period first; on EINVAL retry it after the quota. */
  async function setCpu(dir: string | undefined, res: ResourceConfig): Promise<void> {
    if (res.cpuShares !== undefined) await writeControl(fs, dir, 'cpu.shares', String(res.cpuShares), false);
    let periodPending = false;
    if (res.cpuPeriod !== undefined) {
      try {
        await writeControl(fs, dir, 'cpu.cfs_period_us', String(res.cpuPeriod), false);
      } catch (err) {
        const cause = err instanceof CgroupError ? err.cause : undefined;
        if (errnoCode(cause) !== 'EINVAL' || res.cpuQuota === undefined) throw err;
        periodPending = true;
      }
    }
    if (res.cpuQuota !== undefined) {
      await writeControl(fs, dir, 'cpu.cfs_quota_us', String(res.cpuQuota < 0 ? -1 : res.cpuQuota), res.cpuQuota < 0);
      if (periodPending) await writeControl(fs, dir, 'cpu.cfs_period_us', String(res.cpuPeriod), false);
    }
  }

  return {
    mounts,
    ensureDirs,
    async set(name, res) {
      await setCpu(dirOf('cpu', name), res);
      if (res.memoryLimitBytes !== undefined) {
        const v = res.memoryLimitBytes;
        await writeControl(fs, dirOf('memory', name), 'memory.limit_in_bytes', limitText(v, '-1'), v < 0);
      }
      if (res.pidsLimit !== undefined) {
        const v = res.pidsLimit;
        await writeControl(fs, dirOf('pids', name), 'pids.max', limitText(v, 'max'), v < 0);
      }
    },
    async read(name): Promise<CgroupLimits> {
      const cpu = dirOf('cpu', name);
      return {
        cpuShares: parseLimit(await readControl(fs, cpu, 'cpu.shares')),
        cpuWeight: null,
        cpuQuota: parseLimit(await readControl(fs, cpu, 'cpu.cfs_quota_us')),
        cpuPeriod: parseLimit(await readControl(fs, cpu, 'cpu.cfs_period_us')),
        memoryLimitBytes: parseLimit(await readControl(fs, dirOf('memory', name), 'memory.limit_in_bytes')),
        pidsLimit: parseLimit(await readControl(fs, dirOf('pids', name), 'pids.max')),
      };
    },
  };
}
