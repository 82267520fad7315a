/**
 * cgroup v2 (upstream cgroupV2impl over libcontainer's fs2 driver): one unified tree; a controller's
 * files exist in a cgroup only when its parent lists the controller in `cgroup.subtree_control`, so
 * every ancestor of a cgroup we create gets the controllers we need enabled (as libcontainer's
 * CreateCgroupPath does). Shares are converted to `cpu.weight`.
 */
import { join } from 'node:path';
import type { Logger } from '../../lib/logger.js';
import type { DetectedCgroups } from './detect.js';
import { CgroupError, errorText } from './errors.js';
import type { CgroupFs } from './fs.js';
import { limitText, parseLimit, readControl, writeControl, type CgroupLimits, type VersionOps } from './control.js';
import { cpuSharesToWeight } from './names.js';

/** Controllers the kubelet uses, enabled top-down where available (order as the kernel lists them). */
export const V2_CONTROLLERS: readonly string[] = ['cpuset', 'cpu', 'io', 'memory', 'pids'];

function words(text: string | null): Set<string> {
  return new Set((text ?? '').split(/\s+/).filter(Boolean));
}

export function createV2Ops(detected: DetectedCgroups, fs: CgroupFs, logger: Logger): VersionOps {
  const mount = detected.unified;
  if (mount === undefined) throw new CgroupError('DetectFailed', '', 'cgroup v2 without a unified mount');
  const unified: string = mount;

  /**
   * Enables the wanted controllers that `dir` offers (`cgroup.controllers`) but has not enabled for
   * its children yet, one write each so that one refusal does not block the others. Refusals are
   * logged, not thrown, as libcontainer does: a missing controller shows up as a failed limit write.
   */
  async function enableControllers(dir: string): Promise<void> {
    const available = words(await readControl(fs, dir, 'cgroup.controllers'));
    const enabled = words(await readControl(fs, dir, 'cgroup.subtree_control'));
    for (const c of V2_CONTROLLERS) {
      if (!available.has(c) || enabled.has(c)) continue;
      try {
        await fs.writeFile(join(dir, 'cgroup.subtree_control'), `+${c}`);
        logger.debug({ dir, controller: c }, 'enabled controller');
      } catch (err) {
        logger.warn({ dir, controller: c, err: errorText(err) }, 'cannot enable cgroup controller');
      }
    }
  }

  async function ensureDirs(name: string): Promise<void> {
    let dir = unified;
    for (const segment of name.split('/').filter(Boolean)) {
      await enableControllers(dir);
      dir = join(dir, segment);
      try {
        if (await fs.mkdir(dir)) logger.debug({ dir }, 'created cgroup');
      } catch (err) {
        throw new CgroupError('CreateFailed', dir, `cannot create cgroup: ${errorText(err)}`, { cause: err });
      }
    }
  }

  return {
    mounts: [unified],
    ensureDirs,
    async set(name, res) {
      const dir = join(unified, name);
      if (res.cpuShares !== undefined) {
        await writeControl(fs, dir, 'cpu.weight', String(cpuSharesToWeight(res.cpuShares)), false);
      }
      // libcontainer: "max" unless a positive quota, then the period when one is given.
      if (res.cpuQuota !== undefined || res.cpuPeriod !== undefined) {
        const quota = res.cpuQuota !== undefined && res.cpuQuota > 0 ? String(res.cpuQuota) : 'max';
        const value = res.cpuPeriod === undefined ? quota : `${quota} ${res.cpuPeriod}`;
        await writeControl(fs, dir, 'cpu.max', value, quota === 'max');
      }
      if (res.memoryLimitBytes !== undefined) {
        const v = res.memoryLimitBytes;
        await writeControl(fs, dir, 'memory.max', limitText(v, 'max'), v < 0);
      }
      if (res.pidsLimit !== undefined) {
        const v = res.pidsLimit;
        await writeControl(fs, dir, 'pids.max', limitText(v, 'max'), v < 0);
      }
    },
    async read(name): Promise<CgroupLimits> {
      const dir = join(unified, name);
      const [quota = null, period = null] = (await readControl(fs, dir, 'cpu.max'))?.split(/\s+/) ?? [];
      return {
        cpuShares: null,
        cpuWeight: parseLimit(await readControl(fs, dir, 'cpu.weight')),
        cpuQuota: parseLimit(quota),
        cpuPeriod: parseLimit(period),
        memoryLimitBytes: parseLimit(await readControl(fs, dir, 'memory.max')),
        pidsLimit: parseLimit(await readControl(fs, dir, 'pids.max')),
      };
    },
  };
}
