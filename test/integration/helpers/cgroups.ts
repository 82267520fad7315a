import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Mount points of every cgroup v1 hierarchy and of cgroup2 (e.g. /sys/fs/cgroup/unified). */
export async function cgroupRoots(): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const roots: string[] = [];
  for (const line of info.split('\n')) {
    const [left, right] = line.split(' - ');
    const fstype = right?.split(' ')[0];
    const mountPoint = left?.split(' ')[4];
    if ((fstype === 'cgroup' || fstype === 'cgroup2') && mountPoint !== undefined) roots.push(mountPoint);
  }
  return roots;
}

/** Existing directories of `parent` (like `/tskube-test-ab12cd`) in every cgroup hierarchy. */
export async function cgroupDirsOf(parent: string): Promise<string[]> {
  const found: string[] = [];
  for (const root of await cgroupRoots()) {
    const dir = join(root, parent);
    if (await readdir(dir).then(() => true, () => false)) found.push(dir);
  }
  return found;
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
}

/** Post-order list of a cgroup directory tree: children before their parent. */
async function deepestFirst(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await subdirs(dir)) out.push(...(await deepestFirst(sub)));
  out.push(dir);
  return out;
}

async function killMembers(dir: string): Promise<void> {
  const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  for (const pid of procs.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/**
 * Removes `parent` and everything below it from every cgroup hierarchy, deepest first. Processes
 * still inside are SIGKILLed (runc leaves pod-level cgroups behind; a failed test may leave more).
 */
export async function removeCgroupTree(parent: string): Promise<void> {
  if (!parent.startsWith('/') || parent === '/' || parent.includes('..')) {
    throw new RangeError(`refusing to remove cgroup ${JSON.stringify(parent)}`);
  }
  const failures: string[] = [];
  for (const top of await cgroupDirsOf(parent)) {
    for (const dir of await deepestFirst(top)) {
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || attempt >= 50) {
            failures.push(`${dir}: ${String(err)}`);
            break;
          }
          await killMembers(dir);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  }
  if (failures.length > 0) throw new Error(`could not remove cgroups:\n${failures.join('\n')}`);
}
