import type { CommandResult, RunCommandOptions } from '../lib/command.js';

/** CNI operations (spec 1.0; GC and STATUS are 1.1 and only work with plugins that support 1.1). */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';

/** One plugin's entry in a conflist: `type` names the binary; the rest is plugin-specific. */
export interface PluginConf {
  type: string;
  /** Runtime capabilities the plugin accepts in `runtimeConfig` (e.g. `portMappings`, `bandwidth`). */
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/** A network configuration list (`*.conflist`). */
export interface NetworkConfigList {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
  disableCheck?: boolean;
  disableGC?: boolean;
}

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The netns path for container-side interfaces; absent for host-side ones. */
  sandbox?: string;
}

export interface CniIpConfig {
  /** CIDR notation: `10.88.0.5/24`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A parsed ADD result. `raw` is the plugin's JSON as printed: what goes on as `prevResult`. */
export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: CniDns;
  raw: Record<string, unknown>;
}

/** A VERSION result. */
export interface CniVersionInfo {
  cniVersion: string;
  supportedVersions: string[];
}

/** The exec seam for `ip`, `nft` and `modprobe`: runCommand's signature. */
export type CommandRunner = (file: string, args: readonly string[], opts?: RunCommandOptions) => Promise<CommandResult>;
