import { join } from 'node:path';
import type { CriRuntime } from '../../cri/index.js';
import { realClock, type Clock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { DEFAULT_HOST_PATHS, dirUsage, isHostInterface, readBootTimeMs, readDefaultInterface, readFsInfo, readInterfaces, readNodeCpu, readNodeMemory, readRlimit, type HostPaths } from './host.js';
import { CpuRateCache } from './rates.js';
import { buildNodeStats, buildPodStats, type DirUsage } from './summary.js';
import type { InterfaceStats, Summary } from './types.js';

export interface SummaryProviderDeps {
  nodeName: string;
  /** ListPodSandbox, ListContainers, ListContainerStats, PodSandboxStatus (verbose, once per sandbox) and ImageFsInfo. */
  runtime: Pick<CriRuntime, 'sandboxes' | 'containers' | 'stats' | 'images'>;
  /** The kubelet's root dir: the node filesystem and ephemeral storage's capacity. */
  rootDir: string;
  podLogsRoot: string;
  /** Processes in a pod's cgroup; without it pods have no `process_stats`. */
  podProcessCount?(uid: string): Promise<number | undefined>;
  /** Default /proc and /sys/fs/cgroup. */
  paths?: HostPaths;
  clock?: Clock;
  logger?: Logger;
  /** Timeout of each runtime call; default 10 s. */
  callTimeoutMs?: number;
}

export interface SummaryProvider {
  /** The current summary. Rejects when the runtime cannot be listed; host figures it cannot read are omitted. */
  summary(signal?: AbortSignal): Promise<Summary>;
  /**
   * Samples every `intervalMs` (default 10 s, cadvisor's housekeeping) until `signal` aborts, so
   * that CPU rates are known before the first request. Never rejects.
   */
  run(signal: AbortSignal, intervalMs?: number): Promise<void>;
}

/** The sandbox's pid from containerd's verbose PodSandboxStatus info; null for a host-network sandbox. */
function sandboxPid(info: Record<string, string>, hostNetwork: boolean): number | null {
  if (hostNetwork) return null;
  try {
    const pid = (JSON.parse(info.info ?? '{}') as { pid?: unknown }).pid;
    return typeof pid === 'number' && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * The summary provider (upstream's CRI stats provider): pods and containers from CRI container
 * stats aggregated per pod, pod networks from each sandbox's network namespace, the node from
 * cgroupfs/procfs and statfs. Keeps the previous CPU sample of each container and of the node to
 * compute usageNanoCores.
 */
export function createSummaryProvider(deps: SummaryProviderDeps): SummaryProvider {
  const paths = deps.paths ?? DEFAULT_HOST_PATHS;
  const clock = deps.clock ?? realClock;
  const log = (deps.logger ?? silentLogger()).child({ component: 'stats' });
  const timeoutMs = deps.callTimeoutMs ?? 10_000;
  const rates = new CpuRateCache();
  /** Sandbox id -> pid of its network namespace (null: none of its own / unknown). */
  const pids = new Map<string, number | null>();
  let bootTimeMs: number | undefined;

  async function podNetworks(sandboxIds: readonly string[], signal: AbortSignal | undefined): Promise<Map<string, InterfaceStats[]>> {
    for (const id of pids.keys()) if (!sandboxIds.includes(id)) pids.delete(id);
    const out = new Map<string, InterfaceStats[]>();
    await Promise.all(
      sandboxIds.map(async (id) => {
        if (!pids.has(id)) {
          const pid = await deps.runtime.sandboxes
            .podSandboxStatus(id, { verbose: true, signal, timeoutMs })
            .then(({ status, info }) => sandboxPid(info, status.namespaceOptions?.network === 'NODE'))
            .catch(() => undefined);
          if (pid === undefined) return; // asked again next time
          pids.set(id, pid);
        }
        const pid = pids.get(id);
        if (!pid) return;
        const ifaces = await readInterfaces(paths, pid);
        if (ifaces) out.set(id, ifaces.filter((i) => i.name !== 'lo'));
        else pids.delete(id); // the process is gone: the sandbox was restarted or stopped
      }),
    );
    return out;
  }

  const provider: SummaryProvider = {
    async summary(signal) {
      const call = { signal, timeoutMs };
      // 1. The runtime's view: sandboxes, containers and their stats, in one round.
      const [sandboxes, containers, stats, imageFsInfo] = await Promise.all([
        deps.runtime.sandboxes.listPodSandbox({ state: { state: 'SANDBOX_READY' } }, call),
        deps.runtime.containers.listContainers({ state: { state: 'CONTAINER_RUNNING' } }, call),
        deps.runtime.stats.listContainerStats(undefined, call),
        deps.runtime.images.imageFsInfo(call).catch((err: unknown) => {
          log.debug({ err }, 'ImageFsInfo failed');
          return undefined;
        }),
      ]);
      const nowMs = clock.now();
      const nowNs = BigInt(nowMs) * 1_000_000n;
      const imageMount = imageFsInfo?.imageFilesystems[0];
      // 2. The host: filesystems, CPU, memory, interfaces, limits; and per pod its network, logs and processes.
      const sandboxById = new Map(sandboxes.map((s) => [s.id, s]));
      const logs = new Map<string, DirUsage>();
      const processCount = new Map<string, number>();
      const [nodeFs, imageFs, logsFs, cpu, memory, hostIfaces, defaultIface, rlimit, network] = await Promise.all([
        readFsInfo(deps.rootDir),
        imageMount ? readFsInfo(imageMount.mountpoint) : Promise.resolve(undefined),
        readFsInfo(deps.podLogsRoot),
        readNodeCpu(paths, nowNs),
        readNodeMemory(paths),
        readInterfaces(paths, 'self'),
        readDefaultInterface(paths),
        readRlimit(paths),
        podNetworks(sandboxes.map((s) => s.id), signal),
        ...containers.map(async (c) => {
          const sb = sandboxById.get(c.podSandboxId);
          if (!sb) return;
          const { namespace, name, uid } = sb.metadata;
          logs.set(c.id, await dirUsage(join(deps.podLogsRoot, `${namespace}_${name}_${uid}`, c.metadata.name)));
        }),
        ...(deps.podProcessCount
          ? sandboxes.map(async (s) => {
              const n = await deps.podProcessCount?.(s.metadata.uid).catch(() => undefined);
              if (n !== undefined) processCount.set(s.metadata.uid, n);
            })
          : []),
      ]);
      bootTimeMs ??= await readBootTimeMs(paths);
      // 3. Assemble (pure).
      const node = buildNodeStats(
        {
          nodeName: deps.nodeName,
          nowMs,
          bootTimeMs: bootTimeMs ?? nowMs,
          cpu,
          memory,
          interfaces: (hostIfaces ?? []).filter((i) => isHostInterface(i.name)),
          defaultInterface: defaultIface,
          nodeFs,
          imageFs: imageFs && { ...imageFs, ...(imageMount?.usedBytes == null ? {} : { imagesUsage: { usedBytes: imageMount.usedBytes, inodesUsed: imageMount.inodesUsed ?? 0 } }) },
          maxPid: rlimit.maxPid,
          processes: rlimit.processes,
        },
        rates,
      );
      const pods = buildPodStats({ nowMs, sandboxes, containers, stats, imageFs, nodeFs, logsFs, logs, network, processCount }, rates);
      return { node, pods };
    },
    async run(signal, intervalMs = 10_000) {
      while (!signal.aborted) {
        await provider.summary(signal).catch((err: unknown) => {
          if (!signal.aborted) log.debug({ err }, 'stats sampling failed');
        });
        await clock.sleep(intervalMs, signal).catch(() => undefined);
      }
    },
  };
  return provider;
}
