import { readFile } from 'node:fs/promises';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import type { Node } from '../../api/index.js';
import { realClock, type Clock } from '../../lib/clock.js';
import { isConflictError, isNotFoundError, type KubeClient } from '../../lib/kube/index.js';
import type { Logger } from '../../lib/logger.js';

export const KUBELET_VERSION = 'v1.32.0-tskube';

export interface NodeFacts {
  name: string;
  internalIP: string;
  hostname: string;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  nodeInfo: Record<string, string>;
  labels: Record<string, string>;
  podCIDR?: string;
  /** Port of the authenticated kubelet API the API server proxies logs, exec and port-forward to. */
  kubeletPort: number;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

async function firstLine(path: string): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n')[0]?.trim() ?? '';
}

/** The node's facts as the kubelet reports them: capacity, allocatable, nodeInfo, labels. */
export async function readNodeFacts(opts: { name: string; internalIP: string; runtimeVersion: string; maxPods?: number; reservedMemoryBytes?: number; podCIDR?: string; extraLabels?: Record<string, string>; kubeletPort?: number }): Promise<NodeFacts> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const osImage = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  const goArch = ARCH[arch()] ?? arch();
  const memKi = Math.floor(totalmem() / 1024);
  const allocMemKi = Math.max(0, memKi - Math.floor((opts.reservedMemoryBytes ?? 100 * 1024 * 1024) / 1024));
  const pods = String(opts.maxPods ?? 110);
  const statfs = await import('node:fs/promises').then((fs) => fs.statfs('/').catch(() => null));
  const disk = statfs ? String(statfs.blocks * statfs.bsize) : '0';
  return {
    name: opts.name,
    internalIP: opts.internalIP,
    hostname: hostname(),
    capacity: { cpu: String(cpus().length), memory: `${memKi}Ki`, 'ephemeral-storage': disk, pods },
    allocatable: { cpu: String(cpus().length), memory: `${allocMemKi}Ki`, 'ephemeral-storage': disk, pods },
    nodeInfo: {
      machineID: await firstLine('/etc/machine-id'),
      systemUUID: await firstLine('/sys/class/dmi/id/product_uuid'),
      bootID: await firstLine('/proc/sys/kernel/random/boot_id'),
      kernelVersion: release(),
      osImage,
      containerRuntimeVersion: opts.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: goArch,
    },
    labels: { 'kubernetes.io/hostname': opts.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': goArch, 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': goArch, ...opts.extraLabels },
    podCIDR: opts.podCIDR,
    kubeletPort: opts.kubeletPort ?? 10250,
  };
}

type Condition = { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastHeartbeatTime?: string; lastTransitionTime?: string };

/** The node conditions the kubelet owns, with upstream's reasons and messages. */
export function nodeConditions(ready: { ok: boolean; message: string }): Condition[] {
  return [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    ready.ok
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: ready.message },
  ];
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Registers the Node, reports its status (on change, and at least every `statusReportIntervalMs`)
 * and renews its Lease in kube-node-lease every `renewIntervalMs` (lease duration 40 s), as
 * upstream's node status manager and lease controller do. Errors are logged and retried.
 */
export function createNodeReporter(
  client: Pick<KubeClient, 'get' | 'create' | 'update' | 'patch'>,
  facts: NodeFacts,
  opts: { healthy(): { ok: boolean; message: string }; logger: Logger; clock?: Clock; renewIntervalMs?: number; statusReportIntervalMs?: number; leaseDurationSeconds?: number },
): { run(signal: AbortSignal): Promise<void> } {
  const clock = opts.clock ?? realClock;
  const nodePath = `/api/v1/nodes/${facts.name}`;
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${facts.name}`;
  let registered: Node | undefined;
  let lastReported = '';
  let lastReportAt = 0;
  let transitions = new Map<string, { status: string; at: string }>();

  async function register(signal: AbortSignal): Promise<Node> {
    try {
      return await client.get<Node>(nodePath, undefined, signal);
    } catch (err) {
      if (!isNotFoundError(err)) throw err;
    }
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: facts.name, labels: facts.labels }, spec: facts.podCIDR ? { podCIDR: facts.podCIDR, podCIDRs: [facts.podCIDR] } : {} };
    try {
      const created = await client.create<Node>('/api/v1/nodes', node, signal);
      opts.logger.info({ node: facts.name }, 'node registered');
      return created;
    } catch (err) {
      if (isConflictError(err) || (err as { code?: number }).code === 409) return client.get<Node>(nodePath, undefined, signal);
      throw err;
    }
  }

  async function reportStatus(signal: AbortSignal): Promise<void> {
    const now = clock.now();
    const conditions = nodeConditions(opts.healthy()).map((c) => {
      const prev = transitions.get(c.type);
      const at = prev && prev.status === c.status ? prev.at : rfc3339(now);
      transitions.set(c.type, { status: c.status, at });
      return { ...c, lastHeartbeatTime: rfc3339(now), lastTransitionTime: at };
    });
    const stable = JSON.stringify(conditions.map((c) => [c.type, c.status, c.reason, c.message]));
    if (stable === lastReported && now - lastReportAt < (opts.statusReportIntervalMs ?? 300_000)) return;
    const status = {
      capacity: facts.capacity,
      allocatable: facts.allocatable,
      conditions,
      addresses: [
        { type: 'InternalIP', address: facts.internalIP },
        { type: 'Hostname', address: facts.hostname },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: facts.kubeletPort } },
      nodeInfo: facts.nodeInfo,
    };
    await client.patch(`${nodePath}/status`, { status }, 'merge', signal);
    lastReported = stable;
    lastReportAt = now;
  }

  async function renewLease(signal: AbortSignal): Promise<void> {
    const spec = { holderIdentity: facts.name, leaseDurationSeconds: opts.leaseDurationSeconds ?? 40, renewTime: microTime(clock.now()) };
    try {
      const lease = await client.get<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>(leasePath, undefined, signal);
      await client.update(leasePath, { ...lease, spec: { ...lease.spec, ...spec } }, signal);
    } catch (err) {
      if (!isNotFoundError(err)) throw err;
      const ownerReferences = registered?.metadata.uid ? [{ apiVersion: 'v1', kind: 'Node', name: facts.name, uid: registered.metadata.uid }] : undefined;
      await client.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: facts.name, namespace: 'kube-node-lease', ownerReferences }, spec }, signal);
    }
  }

  return {
    async run(signal) {
      let lastRenew = -Infinity;
      while (!signal.aborted) {
        try {
          registered ??= await register(signal);
          // Status is checked every second but written only on change or when it is due.
          await reportStatus(signal);
          if (clock.now() - lastRenew >= (opts.renewIntervalMs ?? 10_000)) {
            await renewLease(signal);
            lastRenew = clock.now();
          }
        } catch (err) {
          if (signal.aborted) break;
          if (isNotFoundError(err)) {
            registered = undefined; // the Node was deleted: register again
            lastReported = '';
            transitions = new Map();
          }
          opts.logger.warn({ err: (err as Error).message }, 'node status or lease update failed');
        }
        await clock.sleep(Math.min(1_000, opts.renewIntervalMs ?? 10_000), signal).catch(() => undefined);
      }
    },
  };
}
