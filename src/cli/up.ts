import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Node } from '../api/index.js';
import { containerdLayout, startContainerd, superviseContainerd, type ContainerdProcess } from '../containerd/index.js';
import { createCriClient } from '../cri/index.js';
import { realClock } from '../lib/clock.js';
import { createKubeClient, loadKubeconfig } from '../lib/kube/index.js';
import type { Logger } from '../lib/logger.js';
import { parseFlags, type FlagSpec } from './flags.js';
import { kubeletFlags, runKubelet } from './kubelet.js';
import { ensureSandboxImage } from './sandbox-image.js';
import { runServer, serverFlags } from './server.js';

export const upFlags: readonly FlagSpec[] = [
  { name: 'data-dir', env: 'TSKUBE_DATA_DIR', default: '/var/lib/tskube', description: 'directory for all of the cluster\'s state' },
  { name: 'container-runtime-endpoint', env: 'TSKUBE_CONTAINER_RUNTIME_ENDPOINT', description: 'CRI socket of a runtime to use instead of starting containerd' },
  { name: 'sandbox-image', env: 'TSKUBE_SANDBOX_IMAGE', default: 'registry.k8s.io/pause:3.10', description: 'pause image for pod sandboxes; built locally when it cannot be pulled' },
  { name: 'secure-port', env: 'TSKUBE_SECURE_PORT', default: '6443', description: 'HTTPS port of the API server; 0 picks a free one' },
  { name: 'hostname-override', env: 'TSKUBE_NODE_NAME', description: 'node name (default: the host name)' },
  { name: 'pod-cidr', env: 'TSKUBE_POD_CIDR', default: '10.244.0.0/24', description: 'this node\'s pod CIDR' },
  { name: 'cluster-cidr', env: 'TSKUBE_CLUSTER_CIDR', default: '10.244.0.0/16', description: 'all pods\' CIDR' },
  { name: 'cni-bridge', env: 'TSKUBE_CNI_BRIDGE', default: 'cni0', description: 'Linux bridge the pods attach to' },
  { name: 'pod-logs-dir', env: 'TSKUBE_POD_LOGS_DIR', default: '/var/log/pods', description: 'root of container log directories' },
  { name: 'cgroup-root', env: 'TSKUBE_CGROUP_ROOT', default: '/', description: 'cgroup under which kubepods lives' },
  { name: 'kubelet-port', env: 'TSKUBE_KUBELET_PORT', default: '10250', description: 'port of the kubelet\'s authenticated HTTPS API; 0 picks one' },
  { name: 'kubelet-read-only-port', env: 'TSKUBE_KUBELET_READ_ONLY_PORT', default: '10255', description: 'port of the kubelet\'s read-only API on 127.0.0.1; 0 picks one' },
];

export interface UpOptions {
  flags: Record<string, string | boolean | undefined>;
  logger: Logger;
  /** Called with one line once the node is Ready. */
  onReady(line: string): void;
}

async function waitForNodeReady(kubeconfig: string, node: string, signal: AbortSignal): Promise<void> {
  const client = createKubeClient(await loadKubeconfig(kubeconfig));
  while (!signal.aborted) {
    const n = await client.get<Node>(`/api/v1/nodes/${node}`, undefined, signal).catch(() => undefined);
    if (n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    await realClock.sleep(250, signal).catch(() => undefined);
  }
}

/**
 * `tskube up`: a single-node cluster on this machine until `signal` aborts: a supervised
 * containerd with tskube's config under the data dir (unless an endpoint is given) and its sandbox
 * image, the control plane on SQLite in the data dir, and the kubelet registered as a node with
 * the admin credentials. A second `up` on the same data dir resumes the same cluster. Stopping
 * leaves pods' data intact.
 */
export async function up(opts: UpOptions, signal: AbortSignal): Promise<void> {
  const str = (k: string): string => String(opts.flags[k] ?? '');
  const dataDir = resolve(str('data-dir'));
  const log = opts.logger;
  const nodeName = (str('hostname-override') || hostname()).toLowerCase();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const inner = new AbortController();
  const stop = (): void => inner.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });

  let containerd: ContainerdProcess | undefined;
  let supervised: Promise<void> | undefined;
  let socket = str('container-runtime-endpoint');
  const containerdDir = join(dataDir, 'containerd');
  try {
    if (!socket) {
      containerd = await startContainerd({ dir: containerdDir, sandboxImage: str('sandbox-image'), logger: log, signal: inner.signal });
      socket = containerd.socket;
      // A containerd that dies is started again with the same config; the kubelet's CRI calls retry meanwhile.
      supervised = superviseContainerd(containerd, inner.signal, { logger: log });
    }
    const cri = createCriClient({ endpoint: socket, logger: log });
    const version = await cri.runtime.version({ signal: inner.signal });
    const source = await ensureSandboxImage(cri, socket, str('sandbox-image'), { logger: log, signal: inner.signal });
    cri.close();
    log.info({ runtime: `${version.runtimeName} ${version.runtimeVersion}`, sandboxImage: str('sandbox-image'), source }, 'container runtime ready');

    // The control plane, then the kubelet once the API answers; any of them ending stops all.
    const kubeconfig = join(dataDir, 'admin.kubeconfig');
    let serverReady!: () => void;
    const apiUp = new Promise<void>((r) => (serverReady = r));
    const server = runServer(parseFlags(['--data-dir', dataDir, '--secure-port', str('secure-port'), '--cluster-cidr', str('cluster-cidr')], serverFlags, {}), log, inner.signal, () => serverReady()).finally(stop);
    await Promise.race([apiUp, server]);
    const kubeletArgs = [
      '--kubeconfig', kubeconfig,
      '--container-runtime-endpoint', socket,
      '--root-dir', join(dataDir, 'kubelet'),
      '--pod-logs-dir', str('pod-logs-dir'),
      '--hostname-override', nodeName,
      '--pod-cidr', str('pod-cidr'),
      '--cluster-cidr', str('cluster-cidr'),
      '--cni-bridge', str('cni-bridge'),
      '--port', str('kubelet-port'),
      '--read-only-port', str('kubelet-read-only-port'),
      '--cgroup-root', str('cgroup-root'),
      ...(containerd ? ['--cni-conf-dir', containerdLayout(containerdDir).cniConfDir] : []),
    ];
    const kubelet = runKubelet(parseFlags(kubeletArgs, kubeletFlags, {}), log, inner.signal, (line) => log.info(line)).finally(stop);
    await Promise.race([waitForNodeReady(kubeconfig, nodeName, inner.signal), kubelet, server]);
    if (!inner.signal.aborted) {
      opts.onReady(`tskube: node ${nodeName} Ready on ${version.runtimeName} ${version.runtimeVersion} (sandbox image ${str('sandbox-image')}: ${source}); kubeconfig ${kubeconfig}`);
    }
    await Promise.all([server, kubelet]).catch((err: unknown) => {
      // Errors of a shutdown the user asked for (calls cut short by the abort) are not failures.
      if (!signal.aborted) throw err;
      log.debug({ err: (err as Error).message }, 'error while stopping');
    });
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
    await supervised;
    await containerd?.stop();
  }
}
