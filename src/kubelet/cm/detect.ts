/**
 * Which cgroup version this host runs and where the hierarchies are mounted, as upstream
 * libcontainer decides it: pure cgroup v2 when the root of the cgroup mount has
 * `cgroup.controllers`, otherwise v1 hierarchies read from mountinfo (with an optional hybrid
 * cgroup2 mount, e.g. `/sys/fs/cgroup/unified`).
 */
import { join } from 'node:path';
import { CgroupError, errorText } from './errors.js';
import { nodeCgroupFs, type CgroupFs } from './fs.js';

export const DEFAULT_CGROUP_MOUNT = '/sys/fs/cgroup';
export const DEFAULT_MOUNTINFO = '/proc/self/mountinfo';

export type CgroupVersion = 'v1' | 'v2';

export interface DetectedCgroups {
  version: CgroupVersion;
  /**
   * Controller -> mount point. v1: one entry per controller of each hierarchy, co-mounted
   * controllers share a mount (`cpu` and `cpuacct` -> `/sys/fs/cgroup/cpu,cpuacct`), named
   * hierarchies appear as `name=systemd`. v2: every controller of the root's `cgroup.controllers`
   * -> the unified mount.
   */
  mountpoints: Record<string, string>;
  /** The cgroup2 mount: the root on v2; on v1 the hybrid mount when there is one. */
  unified: string | undefined;
}

/** v1 controllers as the kernel names them (the first column of /proc/cgroups). */
const V1_CONTROLLERS = new Set([
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'devices',
  'freezer',
  'net_cls',
  'net_prio',
  'blkio',
  'perf_event',
  'hugetlb',
  'pids',
  'rdma',
  'misc',
]);

/** Undoes mountinfo's octal escapes (`\040` is a space). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Cgroup mounts from a mountinfo text: v1 controllers -> mount point (the first mount of a
 * hierarchy wins, as in libcontainer) and the first cgroup2 mount.
 */
export function parseCgroupMounts(mountinfo: string): { v1: Record<string, string>; unified: string | undefined } {
  const v1: Record<string, string> = {};
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = line.slice(0, sep).split(' ')[4];
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    if (mountPoint === undefined) continue;
    if (fstype === 'cgroup2') {
      unified ??= unescapeMount(mountPoint);
    } else if (fstype === 'cgroup') {
      for (const opt of superOptions.split(',')) {
        if ((V1_CONTROLLERS.has(opt) || opt.startsWith('name=')) && v1[opt] === undefined) v1[opt] = unescapeMount(mountPoint);
      }
    }
  }
  return { v1, unified };
}

/**
 * Detects the cgroup layout. `root` and `mountinfoPath` are injectable so that tests can point
 * them at a fake tree. Throws `CgroupError('DetectFailed')` when neither layout is found.
 */
export async function detectCgroups(
  root = DEFAULT_CGROUP_MOUNT,
  mountinfoPath = DEFAULT_MOUNTINFO,
  fs: Pick<CgroupFs, 'readFile'> = nodeCgroupFs,
): Promise<DetectedCgroups> {
  const controllers = await fs.readFile(join(root, 'cgroup.controllers')).catch((err: unknown) => {
    throw new CgroupError('DetectFailed', root, `cannot read cgroup.controllers: ${errorText(err)}`, { cause: err });
  });
  if (controllers !== null) {
    const mountpoints: Record<string, string> = {};
    for (const c of controllers.split(/\s+/).filter(Boolean)) mountpoints[c] = root;
    return { version: 'v2', mountpoints, unified: root };
  }
  const info = await fs.readFile(mountinfoPath).catch((err: unknown) => {
    throw new CgroupError('DetectFailed', mountinfoPath, `cannot read mountinfo: ${errorText(err)}`, { cause: err });
  });
  const { v1, unified } = parseCgroupMounts(info ?? '');
  if (Object.keys(v1).length === 0) {
    throw new CgroupError('DetectFailed', root, 'no cgroup v2 root and no cgroup v1 hierarchy mounted');
  }
  return { version: 'v1', mountpoints: v1, unified };
}
