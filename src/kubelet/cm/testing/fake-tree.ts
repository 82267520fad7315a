/**
 * A fake cgroup tree for unit tests: real directories in a temp dir, plain files for the control
 * files, and a CgroupFs that behaves like the kernel where the manager depends on it: mkdir fills
 * in control files (v1: per hierarchy, empty cpusets; v2: per enabled controller),
 * `cgroup.subtree_control` takes `+ctrl` writes, rmdir refuses (EBUSY) while a cgroup has children
 * or live processes and removes its files otherwise. Every mutation is logged relative to the root.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { DetectedCgroups } from '../detect.js';
import { nodeCgroupFs, type CgroupFs, type KillProcess } from '../fs.js';

export interface FakeTree {
  root: string;
  /** What the manager gets (v1 as detected from `mountinfo`). */
  detected: DetectedCgroups;
  /** A mountinfo file describing the v1 fake mounts (v1 only). */
  mountinfo: string;
  fs: CgroupFs;
  kill: KillProcess;
  /** `mkdir a/b`, `write a/b/file=value`, `rmdir a/b`, in order. */
  log: string[];
  killed: number[];
  /** Makes the next `times` rmdirs of `path` fail with errno `code`. */
  failRmdir(path: string, code: string, times: number): void;
  read(path: string): Promise<string>;
  /** Pretends a process runs in `dir`. */
  addProc(dir: string, pid: number): Promise<void>;
  cleanup(): Promise<void>;
}

const V2_ALL = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];

function errno(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake, ${path}`), { code });
}

async function put(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(files)) await writeFile(join(dir, name), value);
}

/** v1 control files of a new directory, by hierarchy directory name. */
function v1Files(hierarchy: string): Record<string, string> {
  const files: Record<string, string> = { 'cgroup.procs': '' };
  if (hierarchy.startsWith('cpu,')) Object.assign(files, { 'cpu.shares': '1024\n', 'cpu.cfs_quota_us': '-1\n', 'cpu.cfs_period_us': '100000\n' });
  if (hierarchy === 'cpuset') Object.assign(files, { 'cpuset.cpus': '\n', 'cpuset.mems': '\n' });
  if (hierarchy === 'memory') files['memory.limit_in_bytes'] = '9223372036854771712\n';
  if (hierarchy === 'pids') files['pids.max'] = 'max\n';
  return files;
}

function v2Files(enabled: string[]): Record<string, string> {
  const files: Record<string, string> = { 'cgroup.procs': '', 'cgroup.controllers': `${enabled.join(' ')}\n`, 'cgroup.subtree_control': '\n' };
  if (enabled.includes('cpu')) Object.assign(files, { 'cpu.weight': '100\n', 'cpu.max': 'max 100000\n' });
  if (enabled.includes('memory')) files['memory.max'] = 'max\n';
  if (enabled.includes('pids')) files['pids.max'] = 'max\n';
  return files;
}

export async function createFakeTree(version: 'v1' | 'v2', opts: { v2Available?: string[] } = {}): Promise<FakeTree> {
  const root = await mkdtemp(join(tmpdir(), 'tskube-cm-'));
  const log: string[] = [];
  const killed: number[] = [];
  const failures = new Map<string, { code: string; times: number }>();
  const rel = (p: string): string => relative(root, p);
  const words = async (p: string): Promise<string[]> => ((await nodeCgroupFs.readFile(p)) ?? '').split(/\s+/).filter(Boolean);

  let detected: DetectedCgroups;
  let mountinfo = '';
  const hierarchyOf = (p: string): string => rel(p).split('/')[0] ?? '';
  if (version === 'v1') {
    const mounts: Array<[string, string]> = [
      ['cpu,cpuacct', 'cpu,cpuacct'],
      ['cpuset', 'cpuset'],
      ['memory', 'memory'],
      ['pids', 'pids'],
      ['systemd', 'name=systemd'],
    ];
    const lines: string[] = [];
    for (const [i, [dir, opts]] of mounts.entries()) {
      await nodeCgroupFs.mkdir(join(root, dir));
      await put(join(root, dir), v1Files(dir));
      lines.push(`${30 + i} 23 0:${28 + i} / ${join(root, dir)} rw,relatime - cgroup cgroup rw,${opts}`);
    }
    await put(join(root, 'cpuset'), { 'cpuset.cpus': '0-1\n', 'cpuset.mems': '0\n' });
    await nodeCgroupFs.mkdir(join(root, 'unified'));
    await put(join(root, 'unified'), v2Files(['hugetlb']));
    lines.push(`40 23 0:40 / ${join(root, 'unified')} rw,relatime - cgroup2 cgroup2 rw`);
    lines.push('22 1 0:21 / /proc rw - proc proc rw');
    mountinfo = join(root, 'mountinfo');
    await writeFile(mountinfo, `${lines.join('\n')}\n`);
    const mp = (d: string): string => join(root, d);
    detected = {
      version: 'v1',
      mountpoints: { cpu: mp('cpu,cpuacct'), cpuacct: mp('cpu,cpuacct'), cpuset: mp('cpuset'), memory: mp('memory'), pids: mp('pids'), 'name=systemd': mp('systemd') },
      unified: mp('unified'),
    };
  } else {
    const available = opts.v2Available ?? V2_ALL;
    await put(root, { ...v2Files(available), 'cgroup.controllers': `${available.join(' ')}\n` });
    const mp: Record<string, string> = {};
    for (const c of available) mp[c] = root;
    detected = { version: 'v2', mountpoints: mp, unified: root };
  }

  const fs: CgroupFs = {
    async mkdir(path) {
      const created = await nodeCgroupFs.mkdir(path);
      if (!created) return false;
      log.push(`mkdir ${rel(path)}`);
      if (version === 'v1' || hierarchyOf(path) === 'unified') {
        const h = hierarchyOf(path);
        await put(path, h === 'unified' ? v2Files([]) : v1Files(h));
      } else {
        await put(path, v2Files(await words(join(dirname(path), 'cgroup.subtree_control'))));
      }
      return true;
    },
    async rmdir(path) {
      const f = failures.get(path);
      if (f && f.times > 0) {
        f.times--;
        throw errno(f.code, path);
      }
      if ((await nodeCgroupFs.listDirs(path)).length > 0) throw errno('EBUSY', path);
      const procs = (await words(join(path, 'cgroup.procs'))).map(Number).filter((p) => !killed.includes(p));
      if (procs.length > 0) throw errno('EBUSY', path);
      if (!(await nodeCgroupFs.isDir(path))) throw errno('ENOENT', path);
      await rm(path, { recursive: true });
      log.push(`rmdir ${rel(path)}`);
    },
    readFile: (p) => nodeCgroupFs.readFile(p),
    listDirs: (p) => nodeCgroupFs.listDirs(p),
    isDir: (p) => nodeCgroupFs.isDir(p),
    async writeFile(path, data) {
      if (basename(path) === 'cgroup.subtree_control') {
        const available = await words(join(dirname(path), 'cgroup.controllers'));
        const enabled = new Set(await words(path));
        for (const tok of data.split(/\s+/).filter(Boolean)) {
          const c = tok.slice(1);
          if (!available.includes(c)) throw errno('ENOENT', path);
          if (tok.startsWith('+')) enabled.add(c);
          else enabled.delete(c);
        }
        data = `${V2_ALL.filter((c) => enabled.has(c)).join(' ')}\n`;
      }
      await nodeCgroupFs.writeFile(path, data);
      log.push(`write ${rel(path)}=${data.trim()}`);
    },
  };

  return {
    root,
    detected,
    mountinfo,
    fs,
    kill: (pid) => {
      killed.push(pid);
      return true;
    },
    log,
    killed,
    failRmdir: (path, code, times) => void failures.set(path, { code, times }),
    read: async (p) => (await readFile(p, 'utf8')).trim(),
    addProc: async (dir, pid) => {
      const cur = await words(join(dir, 'cgroup.procs'));
      await writeFile(join(dir, 'cgroup.procs'), [...cur, String(pid)].join('\n'));
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

