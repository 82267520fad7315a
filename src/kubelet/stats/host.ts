/**
 * The host's numbers from procfs, cgroupfs and statfs: parsers are pure (and unit-tested); the
 * readers return undefined for what this host does not have rather than failing the summary.
 */
import { lstat, readdir, readFile, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CpuSample } from './rates.js';
import type { DirUsage, FsInfo, HostMemory } from './summary.js';
import type { InterfaceStats } from './types.js';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture tskube runs on. */
const NS_PER_JIFFY = 10_000_000;

/** Boot time (ms since the epoch) and non-idle CPU time (core-ns) from /proc/stat. */
export function parseProcStat(text: string): { bootTimeMs?: number; busyCoreNanoSeconds?: number } {
  const out: { bootTimeMs?: number; busyCoreNanoSeconds?: number } = {};
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'btime' && f[1]) out.bootTimeMs = Number(f[1]) * 1000;
    if (f[0] === 'cpu') {
      // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
      const [user, nice, system, , , irq, softirq, steal] = f.slice(1).map(Number);
      out.busyCoreNanoSeconds = [user, nice, system, irq, softirq, steal].reduce<number>((a, v) => a + (v ?? 0), 0) * NS_PER_JIFFY;
    }
  }
  return out;
}

/** `Key: value kB` lines (/proc/meminfo) or `key value` lines (memory.stat, /proc/vmstat), in bytes for kB. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^\s:]+):?\s+(\d+)(\s+kB)?\s*$/.exec(line.trim());
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

/** Per-interface counters from a `/proc/<pid>/net/dev` table. */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs ...
    out.push({ name: m[1], rxBytes: f[0] ?? 0, rxErrors: f[2] ?? 0, txBytes: f[8] ?? 0, txErrors: f[10] ?? 0 });
  }
  return out;
}

/** cadvisor's ignored devices: loopback, pod veths and docker's. */
export function isHostInterface(name: string): boolean {
  return !/^(lo|veth|docker)/.test(name);
}

/** The interface of the IPv4 default route, from /proc/net/route. */
export function parseDefaultRoute(text: string): string | undefined {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === '00000000' && f[7] === '00000000') return f[0];
  }
  return undefined;
}

/**
 * Node memory as cadvisor's root container: cgroup v1's root `memory.usage_in_bytes` and
 * `memory.stat` when present, else /proc/meminfo (usage = total - free). Working set is usage
 * minus inactive file pages.
 */
export function hostMemory(meminfo: ReadonlyMap<string, number>, cgroup?: { usageBytes: number; stat: ReadonlyMap<string, number> }, vmstat?: ReadonlyMap<string, number>): HostMemory | undefined {
  const total = meminfo.get('MemTotal');
  if (total === undefined) return undefined;
  if (cgroup) {
    const inactive = cgroup.stat.get('total_inactive_file') ?? 0;
    return {
      totalBytes: total,
      usageBytes: cgroup.usageBytes,
      workingSetBytes: Math.max(0, cgroup.usageBytes - inactive),
      ...optional('rssBytes', cgroup.stat.get('total_rss')),
      ...optional('pageFaults', cgroup.stat.get('total_pgfault')),
      ...optional('majorPageFaults', cgroup.stat.get('total_pgmajfault')),
    };
  }
  const usage = total - (meminfo.get('MemFree') ?? 0);
  return {
    totalBytes: total,
    usageBytes: usage,
    workingSetBytes: Math.max(0, usage - (meminfo.get('Inactive(file)') ?? 0)),
    ...optional('rssBytes', meminfo.get('AnonPages')),
    ...optional('pageFaults', vmstat?.get('pgfault')),
    ...optional('majorPageFaults', vmstat?.get('pgmajfault')),
  };
}

function optional<K extends string>(key: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, number>);
}

const read = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** Where procfs and the cgroup hierarchies are mounted; tests point them elsewhere. */
export interface HostPaths {
  proc: string;
  cgroup: string;
}

export const DEFAULT_HOST_PATHS: HostPaths = { proc: '/proc', cgroup: '/sys/fs/cgroup' };

/** The root cgroup's CPU time (cgroup v1 cpuacct, v2 cpu.stat), else /proc/stat's busy time. */
export async function readNodeCpu(paths: HostPaths, nowNs: bigint): Promise<CpuSample | undefined> {
  for (const dir of ['cpuacct', 'cpu,cpuacct', 'cpu']) {
    const v = await read(join(paths.cgroup, dir, 'cpuacct.usage'));
    if (v !== undefined && /^\d+\s*$/.test(v)) return { timestampNs: nowNs, usageCoreNanoSeconds: Number(v) };
  }
  const v2 = await read(join(paths.cgroup, 'cpu.stat'));
  const usec = v2 === undefined ? undefined : parseKeyValues(v2).get('usage_usec');
  if (usec !== undefined) return { timestampNs: nowNs, usageCoreNanoSeconds: usec * 1000 };
  const stat = await read(join(paths.proc, 'stat'));
  const busy = stat === undefined ? undefined : parseProcStat(stat).busyCoreNanoSeconds;
  return busy === undefined ? undefined : { timestampNs: nowNs, usageCoreNanoSeconds: busy };
}

export async function readNodeMemory(paths: HostPaths): Promise<HostMemory | undefined> {
  const meminfo = await read(join(paths.proc, 'meminfo'));
  if (meminfo === undefined) return undefined;
  const usage = await read(join(paths.cgroup, 'memory', 'memory.usage_in_bytes'));
  const stat = await read(join(paths.cgroup, 'memory', 'memory.stat'));
  const cgroup = usage !== undefined && stat !== undefined && /^\d+\s*$/.test(usage) ? { usageBytes: Number(usage), stat: parseKeyValues(stat) } : undefined;
  const vmstat = cgroup ? undefined : await read(join(paths.proc, 'vmstat'));
  return hostMemory(parseKeyValues(meminfo), cgroup, vmstat === undefined ? undefined : parseKeyValues(vmstat));
}

export async function readBootTimeMs(paths: HostPaths): Promise<number | undefined> {
  const stat = await read(join(paths.proc, 'stat'));
  return stat === undefined ? undefined : parseProcStat(stat).bootTimeMs;
}

/** Interfaces of the network namespace `pid` is in (`self` for the host's). */
export async function readInterfaces(paths: HostPaths, pid: number | 'self'): Promise<InterfaceStats[] | undefined> {
  const text = await read(join(paths.proc, String(pid), 'net', 'dev'));
  return text === undefined ? undefined : parseNetDev(text);
}

export async function readDefaultInterface(paths: HostPaths): Promise<string | undefined> {
  const text = await read(join(paths.proc, 'net', 'route'));
  return text === undefined ? undefined : parseDefaultRoute(text);
}

/** `pid_max`, and the tasks the kernel schedules (the 4th field of /proc/loadavg, as sysinfo's procs). */
export async function readRlimit(paths: HostPaths): Promise<{ maxPid?: number; processes?: number }> {
  const max = await read(join(paths.proc, 'sys', 'kernel', 'pid_max'));
  const load = await read(join(paths.proc, 'loadavg'));
  const procs = load === undefined ? undefined : /\s\d+\/(\d+)\s/.exec(load)?.[1];
  return {
    ...(max !== undefined && /^\d+\s*$/.test(max) ? { maxPid: Number(max) } : {}),
    ...(procs === undefined ? {} : { processes: Number(procs) }),
  };
}

/** statfs of the filesystem holding `path` (or its nearest existing ancestor, for a dir not made yet). */
export async function readFsInfo(path: string): Promise<FsInfo | undefined> {
  try {
    let s;
    for (let p = path; ; p = dirname(p)) {
      s = await statfs(p).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT' || p === dirname(p)) throw err;
        return undefined;
      });
      if (s) break;
    }
    return {
      capacityBytes: s.blocks * s.bsize,
      availableBytes: s.bavail * s.bsize,
      usedBytes: (s.blocks - s.bfree) * s.bsize,
      inodes: s.files,
      inodesFree: s.ffree,
    };
  } catch {
    return undefined;
  }
}

/** Bytes allocated and entries under `dir` (not following symlinks); zero when it does not exist. */
export async function dirUsage(dir: string): Promise<DirUsage> {
  let usedBytes = 0;
  let inodesUsed = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      const s = await lstat(p).catch(() => undefined);
      if (!s) continue;
      inodesUsed++;
      usedBytes += s.blocks * 512;
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return { usedBytes, inodesUsed };
}

/** Where a pod's cgroup directories are (the kubelet's cgroup manager answers this). */
export interface PodCgroupLocator {
  listPodCgroups(): Promise<{ uid: string; qosClass: 'Guaranteed' | 'Burstable' | 'BestEffort' }[]>;
  podCgroupPaths(uid: string, qosClass: 'Guaranteed' | 'Burstable' | 'BestEffort'): Promise<string[]>;
}

/**
 * Processes in a pod's cgroup: the pids controller's hierarchical `pids.current` when there is one,
 * else the `cgroup.procs` entries of the pod cgroup and its children. Undefined for an unknown pod.
 */
export function podProcessCounter(cgroups: PodCgroupLocator): (uid: string) => Promise<number | undefined> {
  return async (uid) => {
    const pod = (await cgroups.listPodCgroups()).find((p) => p.uid === uid);
    if (!pod) return undefined;
    const dirs = await cgroups.podCgroupPaths(uid, pod.qosClass);
    for (const d of dirs) {
      const v = await read(join(d, 'pids.current'));
      if (v !== undefined && /^\d+\s*$/.test(v)) return Number(v);
    }
    const count = async (d: string): Promise<number | undefined> => {
      const procs = await read(join(d, 'cgroup.procs'));
      if (procs === undefined) return undefined;
      let n = procs.split('\n').filter(Boolean).length;
      for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) n += (await count(join(d, e.name))) ?? 0;
      return n;
    };
    for (const d of dirs) {
      const n = await count(d);
      if (n !== undefined) return n;
    }
    return undefined;
  };
}
