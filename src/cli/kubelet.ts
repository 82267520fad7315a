import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { checkChain, createNodeNetwork, KNOWN_BROKEN_CHECKS, readCachedResult, releaseStaleAllocations, removeLeakedNetns, removeStaleVeths, type NodeNetwork } from '../cni/index.js';
import { isStaticPod } from '../api/index.js';
import { createCriClient } from '../cri/index.js';
import { createCgroupManager } from '../kubelet/cm/index.js';
import { createKubelet, createLoggingRecorder, ensureSelfSignedServingCert, readHostResolvConf, startKubeletServer, type KubeletServer, type NetworkSlice, type PodSource } from '../kubelet/index.js';
import { createApiEventRecorder, createApiPodSource, createMirrorPods, createNodeReporter, createStatusManager, readNodeFacts } from '../kubelet/apiclient/index.js';
import { createStaticPodSource } from '../kubelet/static/index.js';
import { createKubeletMetrics } from '../kubelet/metrics/index.js';
import { createSummaryProvider, podProcessCounter } from '../kubelet/stats/index.js';
import { createKubeClient, loadKubeconfig } from '../lib/kube/index.js';
import { realClock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createPleg } from '../pleg/index.js';
import { createVolumeManager } from '../volumes/index.js';
import { parseDuration, parsePort, UsageError, type FlagSpec } from './flags.js';

export const kubeletFlags: readonly FlagSpec[] = [
  { name: 'pod-manifest-path', env: 'TSKUBE_POD_MANIFEST_PATH', description: 'directory of static pod manifests (YAML or JSON)' },
  { name: 'kubeconfig', env: 'TSKUBE_KUBECONFIG', description: 'kubeconfig of the API server: register the node and run the pods bound to it' },
  { name: 'container-runtime-endpoint', env: 'TSKUBE_CONTAINER_RUNTIME_ENDPOINT', default: '/run/containerd/containerd.sock', description: 'CRI socket' },
  { name: 'root-dir', env: 'TSKUBE_KUBELET_ROOT_DIR', default: '/var/lib/tskube/kubelet', description: 'kubelet state (pod volumes)' },
  { name: 'pod-logs-dir', env: 'TSKUBE_POD_LOGS_DIR', default: '/var/log/pods', description: 'root of container log directories' },
  { name: 'cgroup-root', env: 'TSKUBE_CGROUP_ROOT', default: '/', description: 'cgroup under which kubepods lives' },
  { name: 'hostname-override', env: 'TSKUBE_NODE_NAME', description: 'node name (default: the host name)' },
  { name: 'address', env: 'TSKUBE_KUBELET_ADDRESS', default: '0.0.0.0', description: 'address of the authenticated kubelet API (HTTPS)' },
  { name: 'port', env: 'TSKUBE_KUBELET_PORT', default: '10250', description: 'port of the authenticated kubelet API (logs, exec, attach, port-forward); 0 picks one. Served with --kubeconfig only' },
  { name: 'read-only-port', env: 'TSKUBE_KUBELET_READ_ONLY_PORT', default: '10255', description: 'port of the plain-HTTP read-only API on 127.0.0.1 (/healthz, /pods, /containerLogs); 0 picks one' },
  { name: 'tls-cert-file', env: 'TSKUBE_KUBELET_TLS_CERT_FILE', description: 'serving certificate of the kubelet API (default: self-signed under --root-dir/pki)' },
  { name: 'tls-private-key-file', env: 'TSKUBE_KUBELET_TLS_PRIVATE_KEY_FILE', description: 'key of --tls-cert-file' },
  { name: 'client-ca-file', env: 'TSKUBE_KUBELET_CLIENT_CA_FILE', description: 'CA of the client certificates the kubelet API accepts (default: the kubeconfig\'s CA)' },
  { name: 'cluster-dns', env: 'TSKUBE_CLUSTER_DNS', default: '', description: 'comma-separated cluster DNS server IPs for ClusterFirst pods' },
  { name: 'cluster-domain', env: 'TSKUBE_CLUSTER_DOMAIN', default: 'cluster.local', description: 'cluster DNS domain' },
  { name: 'pleg-relist-period', env: 'TSKUBE_PLEG_RELIST_PERIOD', default: '1s', description: 'how often the PLEG relists the runtime' },
  { name: 'sync-frequency', env: 'TSKUBE_SYNC_FREQUENCY', default: '1m', description: 'every pod is synced at least this often (runtime events sync it sooner)' },
  { name: 'crash-loop-backoff', env: 'TSKUBE_CRASH_LOOP_BACKOFF', default: '10s', description: 'first CrashLoopBackOff delay; doubles per crash' },
  { name: 'crash-loop-backoff-max', env: 'TSKUBE_CRASH_LOOP_BACKOFF_MAX', default: '5m', description: 'longest CrashLoopBackOff delay' },
  { name: 'image-pull-backoff', env: 'TSKUBE_IMAGE_PULL_BACKOFF', default: '10s', description: 'first ImagePullBackOff delay; doubles per failure' },
  { name: 'pod-cidr', env: 'TSKUBE_POD_CIDR', description: 'this node\'s pod CIDR; when set, the kubelet writes and maintains the node\'s CNI network' },
  { name: 'cluster-cidr', env: 'TSKUBE_CLUSTER_CIDR', description: 'all pods\' CIDR: traffic to it is not masqueraded (default: the pod CIDR)' },
  { name: 'cni-conf-dir', env: 'TSKUBE_CNI_CONF_DIR', default: '/etc/cni/net.d', description: 'containerd\'s CNI config directory' },
  { name: 'cni-bin-dir', env: 'TSKUBE_CNI_BIN_DIR', default: '/usr/lib/cni', description: 'CNI plugin binaries' },
  { name: 'cni-bridge', env: 'TSKUBE_CNI_BRIDGE', default: 'cni0', description: 'Linux bridge the pods attach to' },
  { name: 'network-repair-min-age', env: 'TSKUBE_NETWORK_REPAIR_MIN_AGE', default: '1m', description: 'an IP allocation or veth without a sandbox is freed once this old' },
  { name: 'container-log-max-size', env: 'TSKUBE_CONTAINER_LOG_MAX_SIZE', default: '10485760', description: 'bytes a container log may grow to before rotation' },
  { name: 'container-log-max-files', env: 'TSKUBE_CONTAINER_LOG_MAX_FILES', default: '5', description: 'log files kept per container, the live one included' },
];

function positiveInt(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new UsageError(`invalid value "${value}" for --${name}: must be an integer >= ${min}`);
  return n;
}

/** The node's IPv4 addresses, the default route's interface first is not known here: non-internal first. */
export function nodeIPs(): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out.length > 0 ? out : ['127.0.0.1'];
}

/** The Ready condition from the kubelet's health checks, with the failing checks as its message. */
function kubeletReadiness(h: { ok: boolean; checks: Record<string, string> }): { ok: boolean; message: string } {
  const failed = Object.entries(h.checks).filter(([, v]) => v !== 'ok').map(([k, v]) => `${k}: ${v}`);
  return { ok: h.ok, message: failed.join('; ') || 'kubelet is not ready' };
}

/** The node's CNI network from src/cni, in the shape the kubelet drives. */
function podNetwork(flags: Record<string, string | boolean | undefined>, rootDir: string, minAgeMs: number, logger: Logger): NetworkSlice {
  const str = (k: string): string => String(flags[k] ?? '');
  let node: NodeNetwork;
  try {
    node = createNodeNetwork({
      podCidr: str('pod-cidr'),
      clusterCidr: str('cluster-cidr') || undefined,
      confDir: resolve(str('cni-conf-dir')),
      binDir: resolve(str('cni-bin-dir')),
      dataDir: rootDir,
      bridgeName: str('cni-bridge'),
      logger,
    });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  return {
    async ensure(signal) {
      await node.ensure(signal);
    },
    async repair(live, signal) {
      const ipam = await releaseStaleAllocations({ conflist: node.conflist, binDirs: node.binDirs, liveContainerIds: live, minAgeMs, signal, logger });
      for (const f of ipam.failed) logger.warn({ sandbox: f.containerId, err: f.error.message }, 'could not release the IP of a sandbox that is gone');
      const veths = await removeStaleVeths({ bridgeName: node.bridgeName, minAgeMs, signal });
      const netns = await removeLeakedNetns({ minAgeMs });
      for (const n of netns) logger.info({ netns: n }, 'removed a network namespace no sandbox uses');
      return { released: ipam.released.length + veths.removed.length + netns.length };
    },
    async check(sandboxId, netns, signal) {
      const cached = await readCachedResult({ networkName: node.conflist.name, containerId: sandboxId });
      if (!cached) return null; // containerd keeps no result for it: nothing to check against
      try {
        await checkChain(node.conflist, { binDirs: node.binDirs, containerId: sandboxId, netns, prevResult: cached.result.raw, skipCheck: KNOWN_BROKEN_CHECKS, signal });
        return null;
      } catch (err) {
        if (signal?.aborted) throw err;
        return (err as Error).message;
      }
    },
  };
}

/**
 * `tskube kubelet`: the node agent. With `--kubeconfig` it registers the node, keeps its lease and
 * runs the pods the API server binds to it, reporting their status; with `--pod-manifest-path` it
 * also (or only: standalone) runs static pods. Runs until `signal` aborts; pods are left alone.
 */
export async function runKubelet(flags: Record<string, string | boolean | undefined>, logger: Logger, signal: AbortSignal, onReady: (line: string) => void): Promise<void> {
  const str = (k: string): string => String(flags[k] ?? '');
  const manifestDir = str('pod-manifest-path');
  const kubeconfig = str('kubeconfig');
  if (!manifestDir && !kubeconfig) throw new UsageError('give --kubeconfig, --pod-manifest-path, or both');
  const nodeName = (str('hostname-override') || hostname()).toLowerCase();
  const rootDir = resolve(str('root-dir'));
  const podLogsRoot = resolve(str('pod-logs-dir'));
  const relistPeriodMs = parseDuration('pleg-relist-period', str('pleg-relist-period'));
  const resyncIntervalMs = parseDuration('sync-frequency', str('sync-frequency'));
  const crashInitial = parseDuration('crash-loop-backoff', str('crash-loop-backoff'));
  const crashMax = parseDuration('crash-loop-backoff-max', str('crash-loop-backoff-max'));
  if (crashMax < crashInitial) throw new UsageError(`--crash-loop-backoff-max (${str('crash-loop-backoff-max')}) must not be below --crash-loop-backoff (${str('crash-loop-backoff')})`);
  const pullInitial = parseDuration('image-pull-backoff', str('image-pull-backoff'));
  const port = parsePort('port', str('port'));
  const readOnlyPort = parsePort('read-only-port', str('read-only-port'));
  if (!!str('tls-cert-file') !== !!str('tls-private-key-file')) throw new UsageError('--tls-cert-file and --tls-private-key-file go together');
  const logMax = positiveInt('container-log-max-size', str('container-log-max-size'), 1024);
  const logFiles = positiveInt('container-log-max-files', str('container-log-max-files'), 2);
  const clusterDns = str('cluster-dns').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ip of clusterDns) if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw new UsageError(`invalid value "${ip}" for --cluster-dns: must be an IPv4 address`);

  const repairMinAgeMs = parseDuration('network-repair-min-age', str('network-repair-min-age'));
  const network = str('pod-cidr') ? podNetwork(flags, rootDir, repairMinAgeMs, logger) : undefined;

  const cri = createCriClient({ endpoint: str('container-runtime-endpoint'), logger });
  const cgroups = createCgroupManager({ cgroupRoot: str('cgroup-root'), logger });
  // Every runtime call of the kubelet counts in kubelet_runtime_operations_*; /metrics and /stats/summary read it.
  const metrics = createKubeletMetrics({ nodeName, runtime: cri });
  const runtime = metrics.instrument(cri);
  const summary = createSummaryProvider({ nodeName, runtime, rootDir, podLogsRoot, podProcessCount: podProcessCounter(cgroups), logger });
  const stats = { summary: (s: AbortSignal) => summary.summary(s), metrics: (s: AbortSignal) => metrics.render(s) };
  const kubeOptions = kubeconfig ? await loadKubeconfig(resolve(kubeconfig)).catch((err: Error) => { throw new UsageError(err.message); }) : undefined;
  const api = kubeOptions ? createKubeClient(kubeOptions) : undefined;
  const recorder = createLoggingRecorder(logger.child({ component: 'events' }), 1000, api ? createApiEventRecorder(api, nodeName, logger) : undefined);
  const pleg = createPleg({ runtime, relistPeriodMs, logger, inspectPods: false, onRelist: (i) => metrics.relistDone(i.durationMs / 1000) });
  const statusManager = api ? createStatusManager(api, logger) : undefined;
  const sources: PodSource[] = [];
  if (api) sources.push(createApiPodSource(api, nodeName, logger));
  if (manifestDir) sources.push(
    createStaticPodSource({
      manifestDir: resolve(manifestDir),
      nodeName,
      logger,
      // fs.watch makes changes visible at once; a short debounce only merges a burst of writes.
      debounceMs: 20,
      onInvalid: (file, errors) => logger.error({ file, errors }, `invalid static pod manifest ${file}`),
    }),
  );
  const kubelet = createKubelet(
    { cri: runtime, cgroups, volumes: createVolumeManager({ podsDir: join(rootDir, 'pods') }), pleg, network, sources, statusSink: statusManager, recorder, clock: realClock, logger, observer: metrics },
    {
      nodeName,
      node: {
        hostIPs: nodeIPs(),
        memoryCapacityBytes: totalmem(),
        podLogsRoot,
        dns: { clusterDns, clusterDomain: str('cluster-domain'), host: readHostResolvConf() },
      },
      resyncIntervalMs,
      crashLoopBackOff: { initialMs: crashInitial, maxMs: crashMax },
      imagePullBackOff: { initialMs: pullInitial, maxMs: Math.max(pullInitial, crashMax) },
      containerLogMaxBytes: logMax,
      containerLogMaxFiles: logFiles,
    },
  );
  const version = await cri.runtime.version({ signal });
  const clientCaPem = str('client-ca-file') ? await readFile(resolve(str('client-ca-file')), 'utf8').catch((err: Error) => { throw new UsageError(`--client-ca-file: ${err.message}`); }) : kubeOptions?.ca;
  const servers: KubeletServer[] = [];
  const readOnly = await startKubeletServer(kubelet, { host: '127.0.0.1', port: readOnlyPort, logger, stats });
  servers.push(readOnly);
  // The authenticated API needs someone to authenticate against: it is served with a control plane.
  const secure = api && clientCaPem
    ? await startKubeletServer(kubelet, { host: str('address'), port, logger, stats, tls: { ...(await servingCert(flags, rootDir, nodeName, signal)), clientCaPem } })
    : undefined;
  if (secure) servers.push(secure);
  const runtimeVersion = `${version.runtimeName}://${version.runtimeVersion}`;
  const reporter = api
    ? createNodeReporter(api, await readNodeFacts({ name: nodeName, internalIP: nodeIPs()[0] ?? '127.0.0.1', runtimeVersion, podCIDR: str('pod-cidr') || undefined, kubeletPort: secure?.port }), { healthy: () => kubeletReadiness(kubelet.healthz()), logger })
    : undefined;
  try {
    const from = [api ? `pods from ${api.server}` : '', manifestDir ? `static pods from ${resolve(manifestDir)}` : ''].filter(Boolean).join(' and ');
    onReady(`tskube kubelet: node ${nodeName} on ${version.runtimeName} ${version.runtimeVersion}, ${from}, API on http://${readOnly.address}${secure ? ` and https://${secure.address}` : ''}`);
    const mirrors = api && manifestDir ? createMirrorPods(api, nodeName, logger) : undefined;
    const mirrorLoop = async (): Promise<void> => {
      while (mirrors && !signal.aborted) {
        const statics = kubelet.pods().map((p) => p.pod).filter(isStaticPod);
        await mirrors.sync(statics, signal).catch((err: unknown) => {
          if (!signal.aborted) logger.warn({ err: (err as Error).message }, 'mirror pod sync failed');
        });
        await realClock.sleep(2_000, signal).catch(() => undefined);
      }
    };
    await Promise.all([kubelet.run(signal), statusManager?.run(signal), reporter?.run(signal), mirrorLoop(), summary.run(signal)]);
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    cri.close();
  }
}

/** The kubelet API's serving certificate: the files given, else a self-signed one kept under the root dir. */
async function servingCert(flags: Record<string, string | boolean | undefined>, rootDir: string, nodeName: string, signal: AbortSignal): Promise<{ certPem: string; keyPem: string }> {
  const certFile = String(flags['tls-cert-file'] ?? '');
  if (certFile) {
    const keyFile = String(flags['tls-private-key-file'] ?? '');
    const read = (flag: string, path: string): Promise<string> => readFile(resolve(path), 'utf8').catch((err: Error) => { throw new UsageError(`--${flag}: ${err.message}`); });
    return { certPem: await read('tls-cert-file', certFile), keyPem: await read('tls-private-key-file', keyFile) };
  }
  return ensureSelfSignedServingCert(rootDir, nodeName, ['localhost', '127.0.0.1', ...nodeIPs()], signal);
}
