/**
 * Shared pieces of the v1 and v2 writers: the resource config they apply (upstream
 * `ResourceConfig`: undefined leaves a value untouched, -1 means "no limit"), the limits they read
 * back, and checked reads and writes of control files.
 */
import { join } from 'node:path';
import { CgroupError, errnoCode, errorText } from './errors.js';
import type { CgroupFs } from './fs.js';

/** Values to write into one cgroup; undefined leaves the kernel's current value alone. */
export interface ResourceConfig {
  cpuShares?: number;
  /** CFS quota in µs; -1 = no quota. */
  cpuQuota?: number;
  /** CFS period in µs. */
  cpuPeriod?: number;
  /** -1 = no limit. */
  memoryLimitBytes?: number;
  /** -1 = no limit. */
  pidsLimit?: number;
}

/** Limits read back from a cgroup; null = no limit, or the controller is not there. */
export interface CgroupLimits {
  /** v1 `cpu.shares`; null on v2. */
  cpuShares: number | null;
  /** v2 `cpu.weight`; null on v1. */
  cpuWeight: number | null;
  cpuQuota: number | null;
  cpuPeriod: number | null;
  memoryLimitBytes: number | null;
  pidsLimit: number | null;
}

/** The version-specific half of the cgroup manager (upstream cgroupV1impl / cgroupV2impl). */
export interface VersionOps {
  /** Mount points this manager creates cgroups in (v1: one per hierarchy; v2: the unified mount). */
  readonly mounts: readonly string[];
  /** Creates every missing level of `name` in each mount; reentrant. */
  ensureDirs(name: string): Promise<void>;
  /** Writes the defined values of `res` into `name`. */
  set(name: string, res: ResourceConfig): Promise<void>;
  read(name: string): Promise<CgroupLimits>;
}

/**
 * Writes one control file. A missing file (controller not mounted / not enabled) is only an error
 * when the value asks for a limit: writing "no limit" where there is no controller is a no-op.
 */
export async function writeControl(
  fs: CgroupFs,
  dir: string | undefined,
  file: string,
  value: string,
  isNoLimit: boolean,
): Promise<void> {
  if (dir === undefined) {
    if (isNoLimit) return;
    throw new CgroupError('SetFailed', file, `cannot write ${JSON.stringify(value)}: controller of ${file} is not mounted`);
  }
  const path = join(dir, file);
  try {
    await fs.writeFile(path, value);
  } catch (err) {
    if (isNoLimit && errnoCode(err) === 'ENOENT') return;
    throw new CgroupError('SetFailed', path, `cannot write ${JSON.stringify(value)}: ${errorText(err)}`, { cause: err });
  }
}

/** Trimmed file text, null when missing or `dir` is undefined. */
export async function readControl(fs: CgroupFs, dir: string | undefined, file: string): Promise<string | null> {
  if (dir === undefined) return null;
  const path = join(dir, file);
  try {
    return (await fs.readFile(path))?.trim() ?? null;
  } catch (err) {
    throw new CgroupError('ReadFailed', path, `cannot read: ${errorText(err)}`, { cause: err });
  }
}

/**
 * A limit value as the kernel prints it: `max`, `-1` and v1's page-rounded "unlimited"
 * (9223372036854771712, anything from 2^62 up) mean no limit (null).
 */
export function parseLimit(text: string | null): number | null {
  if (text === null || text === '' || text === 'max') return null;
  const n = Number(text);
  if (!Number.isFinite(n)) return null;
  return n < 0 || n >= 2 ** 62 ? null : n;
}

/** `-1` for a negative (no limit) value, else the integer. */
export function limitText(n: number, noLimit: string): string {
  return n < 0 ? noLimit : String(n);
}
