/**
 * The version-neutral cgroup operations on one cgroup name across all hierarchies (upstream
 * cgroup_manager_linux.go: Create/Update/Destroy/Pids/Exists). Knows nothing of pods or QoS.
 */
import { join } from 'node:path';
import type { Logger } from '../../lib/logger.js';
import type { DetectedCgroups } from './detect.js';
import { CgroupError, errnoCode, errorText } from './errors.js';
import type { CgroupFs } from './fs.js';
import type { CgroupLimits, ResourceConfig, VersionOps } from './control.js';
import { createV1Ops } from './v1.js';
import { createV2Ops } from './v2.js';

/** rmdir retries on EBUSY: 10 ms doubling, ~0.6 s in all (libcontainer RemovePaths: 5 tries from 10 ms). */
const RMDIR_DELAYS_MS = [10, 20, 40, 80, 160, 320] as const;

export interface CgroupDriver {
  readonly version: DetectedCgroups['version'];
  /**
   * Every directory `name` may have: one per mount we create in, plus (v1) the hybrid cgroup2
   * mount, where runc may create cgroups of its own.
   */
  paths(name: string): string[];
  /** Creates missing levels and applies `res`; reentrant. */
  create(name: string, res: ResourceConfig): Promise<void>;
  /** The pids in `cgroup.procs` of `name` and all its descendants, in every hierarchy. */
  pids(name: string): Promise<number[]>;
  /**
   * rmdir of `name` and its descendants, deepest first, in every hierarchy; missing is fine. EBUSY
   * is retried briefly; `signal` stops the retries.
   */
  destroy(name: string, signal?: AbortSignal): Promise<void>;
  /** Child directory name -> the paths where it exists. */
  children(name: string): Promise<Map<string, string[]>>;
  /** Existing directories of `name`. */
  existing(name: string): Promise<string[]>;
  read(name: string): Promise<CgroupLimits>;
}

export interface CgroupDriverDeps {
  detected: DetectedCgroups;
  fs: CgroupFs;
  logger: Logger;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function createCgroupDriver({ detected, fs, logger, sleep }: CgroupDriverDeps): CgroupDriver {
  const ops: VersionOps = detected.version === 'v1' ? createV1Ops(detected, fs, logger) : createV2Ops(detected, fs, logger);
  const hybrid = detected.version === 'v1' && detected.unified !== undefined ? [detected.unified] : [];
  const allMounts = [...ops.mounts, ...hybrid];
  const paths = (name: string): string[] => allMounts.map((m) => join(m, name));

  /** `dir` and all directories below it, children before parents (the order rmdir needs). */
  async function deepestFirst(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const child of await fs.listDirs(dir)) out.push(...(await deepestFirst(join(dir, child))));
    out.push(dir);
    return out;
  }

  async function rmdirWithRetry(dir: string, signal: AbortSignal | undefined): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.rmdir(dir);
        logger.debug({ dir }, 'removed cgroup');
        return;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT') return;
        const delay = RMDIR_DELAYS_MS[attempt];
        if (code !== 'EBUSY' || delay === undefined) {
          throw new CgroupError('RemoveFailed', dir, `cannot remove cgroup: ${errorText(err)}`, { cause: err });
        }
        signal?.throwIfAborted();
        await sleep(delay, signal);
      }
    }
  }

  async function existing(name: string): Promise<string[]> {
    const found: string[] = [];
    for (const dir of paths(name)) if (await fs.isDir(dir)) found.push(dir);
    return found;
  }

  return {
    version: detected.version,
    paths,
    async create(name, res) {
      await ops.ensureDirs(name);
      await ops.set(name, res);
    },
    async pids(name) {
      const pids = new Set<number>();
      for (const top of await existing(name)) {
        for (const dir of await deepestFirst(top)) {
          const text = await fs.readFile(join(dir, 'cgroup.procs')).catch(() => null);
          for (const word of (text ?? '').split(/\s+/)) {
            const pid = Number(word);
            if (word !== '' && Number.isInteger(pid) && pid > 0) pids.add(pid);
          }
        }
      }
      return [...pids].sort((a, b) => a - b);
    },
    async destroy(name, signal) {
      // Every hierarchy is attempted even when one fails, so one busy tree does not leak the rest.
      const failures: unknown[] = [];
      for (const top of paths(name)) {
        try {
          for (const dir of await deepestFirst(top)) await rmdirWithRetry(dir, signal);
        } catch (err) {
          if (signal?.aborted) throw err;
          failures.push(err);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) {
        const first = failures[0] instanceof CgroupError ? failures[0].path : name;
        throw new CgroupError('RemoveFailed', first, `cannot remove cgroup ${name} in ${failures.length} hierarchies`, {
          cause: new AggregateError(failures),
        });
      }
    },
    async children(name) {
      const out = new Map<string, string[]>();
      for (const dir of paths(name)) {
        for (const child of await fs.listDirs(dir)) {
          const list = out.get(child) ?? [];
          list.push(join(dir, child));
          out.set(child, list);
        }
      }
      return out;
    },
    existing,
    read: (name) => ops.read(name),
  };
}
