/**
 * The node network manager: everything a node needs so that containerd's CNI calls give pods
 * working IPs, without a Node.js process in the per-pod path. It owns exactly: the conflist file it
 * writes, its nftables table, and routes with its routing protocol number.
 */
import { unlink } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { runCommand } from '../lib/command.js';
import { silentLogger } from '../lib/logger.js';
import { cidrContains, firstHost, parseCidr4 } from './cidr.js';
import { renderNodeConflist, serializeConflist, writeFileIfChanged } from './conflist.js';
import { applyMasquerade, deleteMasquerade, renderMasqueradeScript, validateTableName } from './masquerade.js';
import { applyRoutePlan, DEFAULT_ROUTE_PROTOCOL, listOwnRoutes, planPeerRoutes, validatePeerRoutes, validateRouteProtocol, type PeerRoute, type RouteChanges } from './routes.js';
import { ensureNodeSysctls } from './sysctl.js';
import type { CommandRunner, NetworkConfigList } from './types.js';

export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';
export const DEFAULT_CONFLIST_NAME = '10-tskube.conflist';

export interface NodeNetworkOptions {
  /** This node's pod CIDR (IPv4), e.g. `10.244.1.0/24`. */
  podCidr: string;
  /** The whole cluster's pod CIDR; traffic to it is not masqueraded. Must contain podCidr. Default: podCidr alone. */
  clusterCidr?: string;
  /** containerd's CNI conf dir (absolute). */
  confDir: string;
  /** Plugin binaries (absolute); default `/usr/lib/cni`. */
  binDir?: string;
  /** tskube's data dir (absolute): host-local keeps allocations under `<dataDir>/cni/ipam/<networkName>`. */
  dataDir: string;
  /** Linux bridge the pods attach to; default `cni0`. At most 15 characters. */
  bridgeName?: string;
  /** Pod interface and bridge MTU; default: the bridge plugin's (1500). */
  mtu?: number;
  /** Hairpin mode on the bridge ports (a pod reaches itself through a service); default true. */
  hairpin?: boolean;
  /** CNI network name; default `tskube`. */
  networkName?: string;
  /** Conflist file name in confDir; default `10-tskube.conflist`. */
  confFileName?: string;
  /** nftables table (family ip) for masquerade; default `tskube-<bridgeName>`. */
  nftTable?: string;
  /** Routing protocol number marking tskube's routes; default 0x7a (122). */
  routeProtocol?: number;
  /** Where sysctls are written; default `/proc/sys` (tests point it elsewhere). */
  procSysDir?: string;
  /** Exec seam for `ip`, `nft` and `modprobe`; default runCommand. */
  exec?: CommandRunner;
  logger?: Logger;
}

export interface EnsureResult {
  /** True when the conflist file was (re)written. */
  conflistWritten: boolean;
  /** Sysctls whose value had to be changed. */
  sysctlsChanged: string[];
  routes: RouteChanges;
}

export interface NodeNetwork {
  readonly conflist: NetworkConfigList;
  readonly conflistPath: string;
  /** The `binDir` list for invokePlugin/invokeChain. */
  readonly binDirs: readonly string[];
  /** host-local's data dir; allocations are in `<ipamDataDir>/<networkName>`. */
  readonly ipamDataDir: string;
  readonly bridgeName: string;
  /** The bridge's address (the pods' gateway): the pod CIDR's first host address. */
  readonly gatewayIp: string;
  readonly nftTable: string;
  /**
   * Applies all of it, idempotently: sysctls, the nftables table (replaced atomically), the conflist
   * (rewritten only when its content changes), the peer routes last given to setPeerRoutes. Tries
   * every step; rejects with an AggregateError naming each failed step.
   */
  ensure(signal?: AbortSignal): Promise<EnsureResult>;
  /**
   * Sets the routes to other nodes' pod CIDRs and reconciles the kernel's routes of ours with them
   * (add missing, replace changed, delete stale). RangeError on invalid entries (nothing applied);
   * failed kernel steps are returned in `errors`. The list is kept for later ensure() calls.
   */
  setPeerRoutes(peers: readonly PeerRoute[], signal?: AbortSignal): Promise<RouteChanges>;
  /** Removes the conflist, the nftables table and our routes. Leaves sysctls and the bridge alone. Idempotent. */
  teardown(signal?: AbortSignal): Promise<void>;
}

const BRIDGE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function absolute(field: string, path: string): string {
  if (!isAbsolute(path)) throw new RangeError(`${field} must be an absolute path, got ${JSON.stringify(path)}`);
  return path;
}

/** Validates options and creates the manager. Does nothing to the host until ensure(). */
export function createNodeNetwork(opts: NodeNetworkOptions): NodeNetwork {
  const pod = parseCidr4(opts.podCidr, 'podCidr');
  const cluster = opts.clusterCidr === undefined ? undefined : parseCidr4(opts.clusterCidr, 'clusterCidr');
  if (cluster && !cidrContains(cluster, pod)) throw new RangeError(`podCidr: ${pod.text} is not inside clusterCidr ${cluster.text}`);
  const gatewayIp = firstHost(pod);
  const confDir = absolute('confDir', opts.confDir);
  const binDir = absolute('binDir', opts.binDir ?? DEFAULT_CNI_BIN_DIR);
  const dataDir = absolute('dataDir', opts.dataDir);
  const bridgeName = opts.bridgeName ?? 'cni0';
  if (!BRIDGE_NAME.test(bridgeName)) throw new RangeError(`bridgeName: ${JSON.stringify(bridgeName)} must be 1-15 characters of [A-Za-z0-9_.-]`);
  const networkName = opts.networkName ?? 'tskube';
  if (!NETWORK_NAME.test(networkName)) throw new RangeError(`networkName: ${JSON.stringify(networkName)} must match ${NETWORK_NAME.source}`);
  if (opts.mtu !== undefined && (!Number.isInteger(opts.mtu) || opts.mtu < 576 || opts.mtu > 65535)) {
    throw new RangeError(`mtu: ${opts.mtu} must be an integer in 576..65535`);
  }
  const confFileName = opts.confFileName ?? DEFAULT_CONFLIST_NAME;
  if (!/^[A-Za-z0-9_.-]+\.conflist$/.test(confFileName)) throw new RangeError(`confFileName: ${JSON.stringify(confFileName)} must be a file name ending in .conflist`);
  const nftTable = validateTableName(opts.nftTable ?? `tskube-${bridgeName}`);
  const proto = validateRouteProtocol(opts.routeProtocol ?? DEFAULT_ROUTE_PROTOCOL);
  const procSysDir = absolute('procSysDir', opts.procSysDir ?? '/proc/sys');
  const exec = opts.exec ?? runCommand;
  const log = (opts.logger ?? silentLogger()).child({ bridge: bridgeName, podCidr: pod.text });

  const ipamDataDir = join(dataDir, 'cni', 'ipam');
  const conflist = renderNodeConflist({
    networkName,
    bridgeName,
    podCidr: pod.text,
    ipamDataDir,
    hairpin: opts.hairpin ?? true,
    ...(opts.mtu === undefined ? {} : { mtu: opts.mtu }),
  });
  const conflistText = serializeConflist(conflist);
  const conflistPath = join(confDir, confFileName);
  const masqScript = renderMasqueradeScript({ table: nftTable, podCidr: pod.text, excludeCidr: (cluster ?? pod).text });
  let peers: PeerRoute[] = [];

  async function reconcileRoutes(signal?: AbortSignal): Promise<RouteChanges> {
    const existing = await listOwnRoutes(exec, proto, signal);
    const changes = await applyRoutePlan(exec, proto, planPeerRoutes(peers, existing), signal);
    if (changes.add.length + changes.replace.length + changes.remove.length > 0) {
      log.info({ add: changes.add, replace: changes.replace, remove: changes.remove, failed: changes.errors.length }, 'peer routes reconciled');
    }
    return changes;
  }

  return {
    conflist,
    conflistPath,
    binDirs: [binDir],
    ipamDataDir,
    bridgeName,
    gatewayIp,
    nftTable,

    async ensure(signal) {
      const errors: Error[] = [];
      const attempt = async <T>(step: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
        try {
          return await fn();
        } catch (err) {
          errors.push(new Error(`${step}: ${(err as Error).message}`, { cause: err }));
          return fallback;
        }
      };
      // Order: forwarding and NAT first, so the first pod started from the new conflist works.
      const sysctlsChanged = await attempt('sysctls', () => ensureNodeSysctls(procSysDir, exec, signal), []);
      await attempt('masquerade', () => applyMasquerade(exec, masqScript, signal), undefined);
      const conflistWritten = await attempt(`writing ${conflistPath}`, () => writeFileIfChanged(conflistPath, conflistText), false);
      const noRoutes: RouteChanges = { add: [], replace: [], remove: [], errors: [] };
      const routes = await attempt('peer routes', () => reconcileRoutes(signal), noRoutes);
      errors.push(...routes.errors.map((e) => new Error(`peer routes: ${e.message}`, { cause: e })));
      if (conflistWritten) log.info({ path: conflistPath }, 'CNI network config written');
      if (sysctlsChanged.length > 0) log.info({ sysctls: sysctlsChanged }, 'sysctls set');
      if (errors.length > 0) {
        throw new AggregateError(errors, `node network ensure failed: ${errors.map((e) => e.message).join('; ')}`);
      }
      return { conflistWritten, sysctlsChanged, routes };
    },

    async setPeerRoutes(list, signal) {
      peers = validatePeerRoutes(list, pod);
      return reconcileRoutes(signal);
    },

    async teardown(signal) {
      const errors: Error[] = [];
      await unlink(conflistPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') errors.push(new Error(`removing ${conflistPath}: ${err.message}`, { cause: err }));
      });
      await deleteMasquerade(exec, nftTable, signal).catch((err: Error) => void errors.push(err));
      peers = [];
      try {
        const changes = await reconcileRoutes(signal);
        errors.push(...changes.errors);
      } catch (err) {
        errors.push(new Error(`removing peer routes: ${(err as Error).message}`, { cause: err }));
      }
      if (errors.length > 0) throw new AggregateError(errors, `node network teardown failed: ${errors.map((e) => e.message).join('; ')}`);
      log.info('node network torn down');
    },
  };
}
