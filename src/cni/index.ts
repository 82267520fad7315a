/**
 * Pod networking through CNI: the exec protocol (plugins and chains), the node network manager
 * (conflist, masquerade, sysctls, peer routes) and the repair mechanisms the kubelet drives (IPAM
 * allocations and veths of sandboxes that are gone). containerd runs the plugins for pods itself;
 * nothing here sits in the per-pod path.
 */
export {
  CNI_ERROR_CODES,
  CniError,
  cniErrorCodeOf,
  isCniError,
  isRetryable,
  isUnknownContainer,
  type CniErrorCode,
  type CniWellKnownErrorCode,
} from './errors.js';
export type * from './types.js';
export { DEFAULT_PLUGIN_TIMEOUT_MS, findPlugin, invokePlugin, renderCniArgs, type InvokePluginOptions } from './exec.js';
export { addChain, checkChain, delChain, invokeChain, KNOWN_BROKEN_CHECKS, pluginConfig, type ChainOptions } from './chain.js';
export { parseResult, parseVersionInfo } from './result.js';
export {
  HOST_LOCAL_DEFAULT_DATA_DIR,
  hostLocalDir,
  NODE_CNI_VERSION,
  parseNetworkConfigList,
  readNetworkConfigList,
  renderNodeConflist,
  serializeConflist,
  writeFileIfChanged,
  type NodeConflistOptions,
} from './conflist.js';
export { readCachedResult, LIBCNI_CACHE_DIR, type CachedResult } from './cache.js';
export { renderMasqueradeScript } from './masquerade.js';
export { NODE_SYSCTLS, readSysctl } from './sysctl.js';
export { DEFAULT_ROUTE_PROTOCOL, planPeerRoutes, type OwnRoute, type PeerRoute, type RouteChanges, type RoutePlan } from './routes.js';
export {
  createNodeNetwork,
  DEFAULT_CNI_BIN_DIR,
  DEFAULT_CONFLIST_NAME,
  type EnsureResult,
  type NodeNetwork,
  type NodeNetworkOptions,
} from './node-network.js';
export {
  listIpamAllocations,
  releaseStaleAllocations,
  type IpamAllocation,
  type ReleaseFailure,
  type ReleaseResult,
  type ReleaseStaleOptions,
} from './ipam-gc.js';
export { listStaleVeths, removeStaleVeths, type RemoveStaleVethsResult, type StaleVeth, type StaleVethOptions } from './veths.js';
export { removeLeakedNetns, type LeakedNetnsOptions } from './netns.js';
