/**
 * The adapter between generated proto types (int64 as decimal strings, nested nullables) and the
 * domain types of types.ts. Nothing outside src/cri sees generated types.
 */
import type { Container__Output } from './generated/runtime/v1/Container.js';
import type { ContainerEventResponse__Output } from './generated/runtime/v1/ContainerEventResponse.js';
import type { ContainerMetadata__Output } from './generated/runtime/v1/ContainerMetadata.js';
import type { ContainerStats__Output } from './generated/runtime/v1/ContainerStats.js';
import type { ContainerStatus__Output } from './generated/runtime/v1/ContainerStatus.js';
import type { CpuUsage__Output } from './generated/runtime/v1/CpuUsage.js';
import type { FilesystemUsage__Output } from './generated/runtime/v1/FilesystemUsage.js';
import type { Image__Output } from './generated/runtime/v1/Image.js';
import type { MemoryUsage__Output } from './generated/runtime/v1/MemoryUsage.js';
import type { NetworkInterfaceUsage__Output } from './generated/runtime/v1/NetworkInterfaceUsage.js';
import type { PodSandbox__Output } from './generated/runtime/v1/PodSandbox.js';
import type { PodSandboxMetadata__Output } from './generated/runtime/v1/PodSandboxMetadata.js';
import type { PodSandboxStats__Output } from './generated/runtime/v1/PodSandboxStats.js';
import type { PodSandboxStatus__Output } from './generated/runtime/v1/PodSandboxStatus.js';
import type { UInt64Value__Output } from './generated/runtime/v1/UInt64Value.js';
import type {
  Container,
  ContainerEvent,
  ContainerMetadata,
  ContainerStats,
  ContainerStatus,
  CpuUsage,
  FilesystemUsage,
  Image,
  MemoryUsage,
  NetworkInterfaceUsage,
  PodSandbox,
  PodSandboxMetadata,
  PodSandboxStats,
  PodSandboxStatus,
} from './types.js';

/** int64 decimal string (proto-loader `longs: String`) to bigint, exactly. */
export function toBigInt(v: string | number | null | undefined): bigint {
  if (v == null || v === '') return 0n;
  return BigInt(v);
}

/** uint64 counter to number; counters (bytes, ns of CPU) stay far below 2^53 in practice. */
function toNumber(v: string | number | null | undefined): number {
  if (v == null || v === '') return 0;
  return Number(v);
}

function u64(v: UInt64Value__Output | null | undefined): number | null {
  return v ? toNumber(v.value) : null;
}

function sandboxMetadata(m: PodSandboxMetadata__Output | null): PodSandboxMetadata {
  return { name: m?.name ?? '', uid: m?.uid ?? '', namespace: m?.namespace ?? '', attempt: m?.attempt ?? 0 };
}

function containerMetadata(m: ContainerMetadata__Output | null): ContainerMetadata {
  return { name: m?.name ?? '', attempt: m?.attempt ?? 0 };
}

export function podSandbox(s: PodSandbox__Output): PodSandbox {
  return {
    id: s.id,
    metadata: sandboxMetadata(s.metadata),
    state: s.state === 'SANDBOX_READY' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
    createdAt: toBigInt(s.createdAt),
    labels: s.labels ?? {},
    annotations: s.annotations ?? {},
    runtimeHandler: s.runtimeHandler,
  };
}

export function podSandboxStatus(s: PodSandboxStatus__Output): PodSandboxStatus {
  const ns = s.linux?.namespaces?.options;
  return {
    ...podSandbox(s),
    network: s.network?.ip
      ? { ip: s.network.ip, additionalIps: s.network.additionalIps.map((p) => p.ip) }
      : null,
    namespaceOptions: ns
      ? { network: ns.network, pid: ns.pid, ipc: ns.ipc, targetId: ns.targetId }
      : null,
  };
}

export function container(c: Container__Output): Container {
  return {
    id: c.id,
    podSandboxId: c.podSandboxId,
    metadata: containerMetadata(c.metadata),
    image: c.image?.image ?? '',
    imageRef: c.imageRef,
    state: c.state,
    createdAt: toBigInt(c.createdAt),
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
  };
}

export function containerStatus(c: ContainerStatus__Output): ContainerStatus {
  return {
    id: c.id,
    metadata: containerMetadata(c.metadata),
    image: c.image?.image ?? '',
    imageRef: c.imageRef,
    imageId: c.imageId,
    state: c.state,
    createdAt: toBigInt(c.createdAt),
    startedAt: toBigInt(c.startedAt),
    finishedAt: toBigInt(c.finishedAt),
    exitCode: c.exitCode,
    reason: c.reason,
    message: c.message,
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    mounts: c.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly })),
    logPath: c.logPath,
  };
}

function cpu(c: CpuUsage__Output | null): CpuUsage | null {
  if (!c) return null;
  return {
    timestamp: toBigInt(c.timestamp),
    usageCoreNanoSeconds: u64(c.usageCoreNanoSeconds),
    usageNanoCores: u64(c.usageNanoCores),
  };
}

function memory(m: MemoryUsage__Output | null): MemoryUsage | null {
  if (!m) return null;
  return {
    timestamp: toBigInt(m.timestamp),
    workingSetBytes: u64(m.workingSetBytes),
    availableBytes: u64(m.availableBytes),
    usageBytes: u64(m.usageBytes),
    rssBytes: u64(m.rssBytes),
    pageFaults: u64(m.pageFaults),
    majorPageFaults: u64(m.majorPageFaults),
  };
}

export function filesystemUsage(f: FilesystemUsage__Output): FilesystemUsage {
  return {
    timestamp: toBigInt(f.timestamp),
    mountpoint: f.fsId?.mountpoint ?? '',
    usedBytes: u64(f.usedBytes),
    inodesUsed: u64(f.inodesUsed),
  };
}

export function containerStats(s: ContainerStats__Output): ContainerStats {
  return {
    id: s.attributes?.id ?? '',
    metadata: containerMetadata(s.attributes?.metadata ?? null),
    labels: s.attributes?.labels ?? {},
    annotations: s.attributes?.annotations ?? {},
    cpu: cpu(s.cpu),
    memory: memory(s.memory),
    writableLayer: s.writableLayer ? filesystemUsage(s.writableLayer) : null,
  };
}

function netInterface(n: NetworkInterfaceUsage__Output): NetworkInterfaceUsage {
  return { name: n.name, rxBytes: u64(n.rxBytes), rxErrors: u64(n.rxErrors), txBytes: u64(n.txBytes), txErrors: u64(n.txErrors) };
}

export function podSandboxStats(s: PodSandboxStats__Output): PodSandboxStats {
  const linux = s.linux;
  const net = linux?.network;
  return {
    id: s.attributes?.id ?? '',
    metadata: sandboxMetadata(s.attributes?.metadata ?? null),
    labels: s.attributes?.labels ?? {},
    annotations: s.attributes?.annotations ?? {},
    cpu: cpu(linux?.cpu ?? null),
    memory: memory(linux?.memory ?? null),
    network: net
      ? {
          timestamp: toBigInt(net.timestamp),
          defaultInterface: net.defaultInterface ? netInterface(net.defaultInterface) : null,
          interfaces: net.interfaces.map(netInterface),
        }
      : null,
    processCount: u64(linux?.process?.processCount),
    containers: (linux?.containers ?? []).map(containerStats),
  };
}

export function image(i: Image__Output): Image {
  return {
    id: i.id,
    repoTags: i.repoTags,
    repoDigests: i.repoDigests,
    size: toNumber(i.size),
    uid: i.uid ? toNumber(i.uid.value) : null,
    username: i.username,
    pinned: i.pinned,
  };
}

export function containerEvent(e: ContainerEventResponse__Output): ContainerEvent {
  return {
    containerId: e.containerId,
    type: e.containerEventType,
    createdAt: toBigInt(e.createdAt),
    podSandboxStatus: e.podSandboxStatus ? podSandboxStatus(e.podSandboxStatus) : null,
    containersStatuses: e.containersStatuses.map(containerStatus),
  };
}
