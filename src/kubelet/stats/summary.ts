/**
 * Pure builders of the summary's node and pod entries from what the runtime and the host reported.
 * No I/O: the provider gathers the inputs; these decide what is shown and aggregate it.
 */
import type { Container, ContainerStats as CriContainerStats, PodSandbox } from '../../cri/index.js';
import { CpuRateCache, type CpuSample } from './rates.js';
import type { ContainerStats, CPUStats, FsStats, InterfaceStats, MemoryStats, NetworkStats, NodeStats, PodStats } from './types.js';

/** A filesystem's size as statfs reports it. */
export interface FsInfo {
  capacityBytes: number;
  availableBytes: number;
  usedBytes: number;
  inodes: number;
  inodesFree: number;
}

/** Bytes and files under a directory. */
export interface DirUsage {
  usedBytes: number;
  inodesUsed: number;
}

/** The node's memory as the root cgroup (or /proc/meminfo) reports it. */
export interface HostMemory {
  totalBytes: number;
  usageBytes: number;
  /** Usage minus inactive file pages, as cadvisor. */
  workingSetBytes: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** RFC 3339 at second precision, as upstream's metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const nsToMs = (ns: bigint): number => Number(ns / 1_000_000n);

function fsStats(time: string, fs: FsInfo | undefined, used?: DirUsage): FsStats {
  return {
    time,
    ...(fs ? { availableBytes: fs.availableBytes, capacityBytes: fs.capacityBytes, inodesFree: fs.inodesFree, inodes: fs.inodes } : {}),
    ...(used ? { usedBytes: used.usedBytes, inodesUsed: used.inodesUsed } : {}),
  };
}

/** The network entry: `name` and the inline counters are the default interface's (eth0 when present). */
export function networkStats(time: string, interfaces: readonly InterfaceStats[], preferred = 'eth0'): NetworkStats | undefined {
  if (interfaces.length === 0) return undefined;
  const main = interfaces.find((i) => i.name === preferred) ?? interfaces[0];
  return { time, ...(main as InterfaceStats), interfaces: [...interfaces] };
}

/** CPU stats of one container: the runtime's rate when it has one, else from the previous sample. */
function containerCpu(s: CriContainerStats, rates: CpuRateCache): CPUStats | undefined {
  if (!s.cpu) return undefined;
  const time = rfc3339(nsToMs(s.cpu.timestamp));
  const total = s.cpu.usageCoreNanoSeconds;
  if (total === null) return { time };
  const computed = rates.update(s.id, { timestampNs: s.cpu.timestamp, usageCoreNanoSeconds: total });
  const runtimeRate = s.cpu.usageNanoCores !== null && s.cpu.usageNanoCores > 0 ? s.cpu.usageNanoCores : undefined;
  const rate = runtimeRate ?? computed;
  return { time, ...(rate === undefined ? {} : { usageNanoCores: rate }), usageCoreNanoSeconds: total };
}

function containerMemory(s: CriContainerStats): MemoryStats | undefined {
  const m = s.memory;
  if (!m) return undefined;
  const out: MemoryStats = { time: rfc3339(nsToMs(m.timestamp)) };
  // containerd reports availableBytes 0 for a container without a limit; upstream omits it then.
  if (m.availableBytes !== null && m.availableBytes > 0) out.availableBytes = m.availableBytes;
  if (m.usageBytes !== null) out.usageBytes = m.usageBytes;
  if (m.workingSetBytes !== null) out.workingSetBytes = m.workingSetBytes;
  if (m.rssBytes !== null) out.rssBytes = m.rssBytes;
  if (m.pageFaults !== null) out.pageFaults = m.pageFaults;
  if (m.majorPageFaults !== null) out.majorPageFaults = m.majorPageFaults;
  return out;
}

const later = (a: string | undefined, b: string): string => (a === undefined || b > a ? b : a);

/** Sums of the numeric fields present in any of `items`; undefined when `items` is empty. */
function sumStats<T extends { time: string }>(items: readonly T[], keys: readonly (keyof T)[]): T | undefined {
  if (items.length === 0) return undefined;
  let time: string | undefined;
  const out: Record<string, unknown> = {};
  for (const it of items) {
    time = later(time, it.time);
    for (const k of keys) {
      const v = it[k];
      if (typeof v === 'number') out[k as string] = ((out[k as string] as number | undefined) ?? 0) + v;
    }
  }
  return { time, ...out } as T;
}

export interface PodStatsInput {
  nowMs: number;
  sandboxes: readonly PodSandbox[];
  containers: readonly Container[];
  stats: readonly CriContainerStats[];
  /** Where containers' writable layers live (the image filesystem). */
  imageFs?: FsInfo;
  /** The filesystem of the kubelet's root dir: ephemeral storage's capacity. */
  nodeFs?: FsInfo;
  /** The filesystem of the pod logs root. */
  logsFs?: FsInfo;
  /** Log usage by container id. */
  logs?: ReadonlyMap<string, DirUsage>;
  /** Interfaces of each sandbox's network namespace, by sandbox id. */
  network?: ReadonlyMap<string, readonly InterfaceStats[]>;
  /** Processes in each pod's cgroup, by pod uid. */
  processCount?: ReadonlyMap<string, number>;
}

/**
 * One entry per pod with a ready sandbox (its newest), with its running containers (the newest
 * instance of each name): CPU and memory from the runtime's container stats, CPU rates from `rates`
 * (entries of containers that are gone are dropped), pod CPU and memory as the sums of its
 * containers', ephemeral storage as writable layers plus logs.
 */
export function buildPodStats(input: PodStatsInput, rates: CpuRateCache): PodStats[] {
  const now = rfc3339(input.nowMs);
  const statsById = new Map(input.stats.map((s) => [s.id, s]));
  const newest = new Map<string, PodSandbox>();
  for (const s of input.sandboxes) {
    if (s.state !== 'SANDBOX_READY') continue;
    const cur = newest.get(s.metadata.uid);
    if (!cur || s.createdAt > cur.createdAt) newest.set(s.metadata.uid, s);
  }
  const live = new Set<string>();
  const pods: PodStats[] = [];
  for (const sandbox of newest.values()) {
    const byName = new Map<string, Container>();
    for (const c of input.containers) {
      if (c.podSandboxId !== sandbox.id || c.state !== 'CONTAINER_RUNNING') continue;
      const cur = byName.get(c.metadata.name);
      if (!cur || c.createdAt > cur.createdAt) byName.set(c.metadata.name, c);
    }
    const containers: ContainerStats[] = [];
    for (const c of [...byName.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
      const s = statsById.get(c.id);
      live.add(c.id);
      const cpu = s ? containerCpu(s, rates) : undefined;
      const memory = s ? containerMemory(s) : undefined;
      const layer = s?.writableLayer;
      const rootfsUsage = layer && layer.usedBytes !== null ? { usedBytes: layer.usedBytes, inodesUsed: layer.inodesUsed ?? 0 } : undefined;
      containers.push({
        name: c.metadata.name,
        startTime: rfc3339(nsToMs(c.createdAt)),
        ...(cpu ? { cpu } : {}),
        ...(memory ? { memory } : {}),
        rootfs: fsStats(layer ? rfc3339(nsToMs(layer.timestamp)) : now, input.imageFs, rootfsUsage),
        logs: fsStats(now, input.logsFs, input.logs?.get(c.id)),
      });
    }
    const cpu = sumStats(containers.flatMap((c) => (c.cpu ? [c.cpu] : [])), ['usageNanoCores', 'usageCoreNanoSeconds']);
    const memory = sumStats(containers.flatMap((c) => (c.memory ? [c.memory] : [])), ['usageBytes', 'workingSetBytes', 'rssBytes', 'pageFaults', 'majorPageFaults']);
    const used = containers.reduce(
      (acc, c) => ({
        usedBytes: acc.usedBytes + (c.rootfs?.usedBytes ?? 0) + (c.logs?.usedBytes ?? 0),
        inodesUsed: acc.inodesUsed + (c.rootfs?.inodesUsed ?? 0) + (c.logs?.inodesUsed ?? 0),
      }),
      { usedBytes: 0, inodesUsed: 0 },
    );
    const network = networkStats(now, input.network?.get(sandbox.id) ?? []);
    const processes = input.processCount?.get(sandbox.metadata.uid);
    pods.push({
      podRef: { name: sandbox.metadata.name, namespace: sandbox.metadata.namespace, uid: sandbox.metadata.uid },
      startTime: rfc3339(nsToMs(sandbox.createdAt)),
      containers,
      ...(cpu ? { cpu } : {}),
      ...(memory ? { memory } : {}),
      ...(network ? { network } : {}),
      'ephemeral-storage': fsStats(now, input.nodeFs, used),
      ...(processes === undefined ? {} : { process_stats: { process_count: processes } }),
    });
  }
  rates.retain(new Set([...live, NODE_KEY]));
  return pods.sort((a, b) => `${a.podRef.namespace}/${a.podRef.name}`.localeCompare(`${b.podRef.namespace}/${b.podRef.name}`));
}

/** The rate cache's key for the node's own CPU counter. */
export const NODE_KEY = '\0node';

export interface NodeStatsInput {
  nodeName: string;
  nowMs: number;
  bootTimeMs: number;
  /** The root cgroup's (or /proc/stat's) cumulative CPU time. */
  cpu?: CpuSample;
  memory?: HostMemory;
  /** Host interfaces (loopback and pod veths left out). */
  interfaces?: readonly InterfaceStats[];
  /** Name of the default route's interface; eth0 is preferred when present, as upstream. */
  defaultInterface?: string;
  nodeFs?: FsInfo;
  /** The image filesystem's size, and what the runtime says its images use. */
  imageFs?: FsInfo & { imagesUsage?: DirUsage };
  maxPid?: number;
  processes?: number;
}

/** The summary's node entry; memory's availableBytes is capacity minus working set, as cadvisor. */
export function buildNodeStats(input: NodeStatsInput, rates: CpuRateCache): NodeStats {
  const time = rfc3339(input.nowMs);
  const node: NodeStats = { nodeName: input.nodeName, startTime: rfc3339(input.bootTimeMs) };
  if (input.cpu) {
    const rate = rates.update(NODE_KEY, input.cpu);
    node.cpu = { time: rfc3339(nsToMs(input.cpu.timestampNs)), ...(rate === undefined ? {} : { usageNanoCores: rate }), usageCoreNanoSeconds: input.cpu.usageCoreNanoSeconds };
  }
  if (input.memory) {
    const m = input.memory;
    node.memory = {
      time,
      availableBytes: Math.max(0, m.totalBytes - m.workingSetBytes),
      usageBytes: m.usageBytes,
      workingSetBytes: m.workingSetBytes,
      ...(m.rssBytes === undefined ? {} : { rssBytes: m.rssBytes }),
      ...(m.pageFaults === undefined ? {} : { pageFaults: m.pageFaults }),
      ...(m.majorPageFaults === undefined ? {} : { majorPageFaults: m.majorPageFaults }),
    };
  }
  const interfaces = input.interfaces ?? [];
  const preferred = interfaces.some((i) => i.name === 'eth0') ? 'eth0' : input.defaultInterface;
  const network = networkStats(time, interfaces, preferred);
  if (network) node.network = network;
  if (input.nodeFs) node.fs = fsStats(time, input.nodeFs, { usedBytes: input.nodeFs.usedBytes, inodesUsed: input.nodeFs.inodes - input.nodeFs.inodesFree });
  if (input.imageFs) {
    const { imagesUsage, ...fs } = input.imageFs;
    node.runtime = { imageFs: fsStats(time, fs, imagesUsage ?? { usedBytes: fs.usedBytes, inodesUsed: fs.inodes - fs.inodesFree }) };
  }
  if (input.maxPid !== undefined || input.processes !== undefined) {
    node.rlimit = { time, ...(input.maxPid === undefined ? {} : { maxpid: input.maxPid }), ...(input.processes === undefined ? {} : { curproc: input.processes }) };
  }
  return node;
}
