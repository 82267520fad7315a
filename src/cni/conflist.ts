/** The node's network configuration list, and reading/writing conflists. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseJsonObject } from './result.js';
import type { NetworkConfigList, PluginConf } from './types.js';

/** The CNI version of generated configs: the newest Debian's plugins (1.1.1) speak. */
export const NODE_CNI_VERSION = '1.0.0';

/** host-local's default data dir, used when a conflist names none. */
export const HOST_LOCAL_DEFAULT_DATA_DIR = '/var/lib/cni/networks';

export interface NodeConflistOptions {
  networkName: string;
  bridgeName: string;
  /** Canonical pod CIDR of this node. */
  podCidr: string;
  /** host-local's `dataDir`: allocations go to `<ipamDataDir>/<networkName>/<ip>`. */
  ipamDataDir: string;
  mtu?: number;
  hairpin: boolean;
}

/**
 * bridge (gateway, hairpin, MTU; no ipMasq: tskube's nftables table masquerades) with host-local
 * IPAM (the pod CIDR, a default route via the bridge), portmap (hostPorts, SNAT for hairpin and
 * localhost) and bandwidth (the bandwidth annotations). Pure.
 */
export function renderNodeConflist(o: NodeConflistOptions): NetworkConfigList {
  const bridge: PluginConf = {
    type: 'bridge',
    bridge: o.bridgeName,
    isGateway: true,
    ipMasq: false,
    hairpinMode: o.hairpin,
    ...(o.mtu === undefined ? {} : { mtu: o.mtu }),
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: o.podCidr }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: o.ipamDataDir,
    },
  };
  return {
    cniVersion: NODE_CNI_VERSION,
    name: o.networkName,
    plugins: [
      bridge,
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      { type: 'bandwidth', capabilities: { bandwidth: true } },
    ],
  };
}

/** The conflist as written to disk: stable key order, two-space indent, trailing newline. Pure. */
export function serializeConflist(list: NetworkConfigList): string {
  return `${JSON.stringify(list, null, 2)}\n`;
}

/** Parses and checks a conflist's shape; a TypeError names the file and the problem. */
export function parseNetworkConfigList(text: string, source: string): NetworkConfigList {
  let o: Record<string, unknown>;
  try {
    o = parseJsonObject(text, source);
  } catch (err) {
    throw new TypeError((err as Error).message, { cause: err });
  }
  if (typeof o.name !== 'string' || o.name === '') throw new TypeError(`${source}: name is missing`);
  if (typeof o.cniVersion !== 'string') throw new TypeError(`${source}: cniVersion is missing`);
  const plugins = o.plugins;
  if (!Array.isArray(plugins) || plugins.length === 0) throw new TypeError(`${source}: plugins must be a non-empty array`);
  plugins.forEach((p: unknown, i) => {
    if (typeof p !== 'object' || p === null || typeof (p as { type?: unknown }).type !== 'string') {
      throw new TypeError(`${source}: plugins[${i}].type is missing`);
    }
  });
  return o as unknown as NetworkConfigList;
}

export async function readNetworkConfigList(path: string): Promise<NetworkConfigList> {
  return parseNetworkConfigList(await readFile(path, 'utf8'), path);
}

/**
 * Where host-local keeps this list's allocations: `<ipam.dataDir>/<name>` of the first plugin with
 * host-local IPAM, or undefined when no plugin uses host-local. Pure.
 */
export function hostLocalDir(list: NetworkConfigList): string | undefined {
  for (const p of list.plugins) {
    const ipam = p.ipam as { type?: unknown; dataDir?: unknown } | undefined;
    if (ipam?.type !== 'host-local') continue;
    const dataDir = typeof ipam.dataDir === 'string' && ipam.dataDir !== '' ? ipam.dataDir : HOST_LOCAL_DEFAULT_DATA_DIR;
    return join(dataDir, list.name);
  }
  return undefined;
}

/**
 * Writes `content` to `path` atomically (temp file in the same dir, then rename) unless the file
 * already has exactly this content, so a watcher (containerd's CNI conf watcher) sees one event per
 * real change and never a half-written file. Resolves true when it wrote.
 */
export async function writeFileIfChanged(path: string, content: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (current === content) return false;
  await mkdir(dirname(path), { recursive: true });
  // A dot-prefixed name without .conf/.conflist/.json: libcni's loader ignores it.
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return true;
}
