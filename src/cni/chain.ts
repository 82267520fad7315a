/**
 * Running a network configuration list (spec "Network configuration list runtime semantics"): ADD
 * in order threading `prevResult`, DEL in reverse order, CHECK in order with the ADD's result.
 */
import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import { silentLogger } from '../lib/logger.js';
import { isUnknownContainer } from './errors.js';
import { invokePlugin } from './exec.js';
import { parseResult } from './result.js';
import type { CniResult, NetworkConfigList, PluginConf } from './types.js';

export interface ChainOptions {
  binDirs: readonly string[];
  containerId: string;
  /** Netns path; required for ADD and CHECK. For DEL it may be empty or point to a netns that no longer exists. */
  netns?: string;
  /** Default `eth0`. */
  ifName?: string;
  /** `CNI_ARGS`, e.g. `{ IgnoreUnknown: '1', K8S_POD_NAME: 'web' }`. */
  args?: Readonly<Record<string, string>>;
  /**
   * Runtime capability values by capability name (`portMappings`, `bandwidth`, ...). Each plugin gets
   * in its `runtimeConfig` only those it declares in its `capabilities`.
   */
  capabilityArgs?: Readonly<Record<string, unknown>>;
  /** The ADD result (`CniResult.raw` or a cached result): required for CHECK, passed to DEL when given. */
  prevResult?: Readonly<Record<string, unknown>>;
  /**
   * CHECK only: plugin types to leave out. Debian's plugins 1.1.1 have two CHECK bugs (fixed
   * upstream later): `bandwidth` panics (nil pointer, exit 2) when the pod has no bandwidth limits,
   * and `portmap` fails with a hostPort on IPv4-only pods ("could not check ipv6 dnat: chain CNI-DN-...
   * not found"). See KNOWN_BROKEN_CHECKS.
   */
  skipCheck?: ReadonlySet<string>;
  /** Per plugin; see invokePlugin. */
  timeoutMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

/** Plugin types whose CHECK is broken in containernetworking-plugins 1.1.1 (Debian 12); see ChainOptions.skipCheck. */
export const KNOWN_BROKEN_CHECKS: ReadonlySet<string> = new Set(['bandwidth', 'portmap']);

/**
 * The stdin config of one plugin of a list: the plugin's own keys, the list's `name` and
 * `cniVersion`, `prevResult` when given, and `runtimeConfig` with the capabilities it declares. Pure.
 */
export function pluginConfig(
  list: Pick<NetworkConfigList, 'name' | 'cniVersion'>,
  plugin: PluginConf,
  opts: { prevResult?: Readonly<Record<string, unknown>>; capabilityArgs?: Readonly<Record<string, unknown>> } = {},
): Record<string, unknown> {
  const config: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(plugin.capabilities ?? {})) {
    const value = opts.capabilityArgs?.[cap];
    if (enabled && value !== undefined) runtimeConfig[cap] = value;
  }
  if (Object.keys(runtimeConfig).length > 0) config.runtimeConfig = runtimeConfig;
  if (opts.prevResult) config.prevResult = opts.prevResult;
  return config;
}

function common(list: NetworkConfigList, opts: ChainOptions, plugin: PluginConf, netns: string | undefined, prevResult?: Readonly<Record<string, unknown>>) {
  return {
    binDirs: opts.binDirs,
    plugin: plugin.type,
    containerId: opts.containerId,
    ifName: opts.ifName ?? 'eth0',
    ...(netns === undefined ? {} : { netns }),
    ...(opts.args ? { args: opts.args } : {}),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.signal ? { signal: opts.signal } : {}),
    config: pluginConfig(list, plugin, {
      ...(prevResult ? { prevResult } : {}),
      ...(opts.capabilityArgs ? { capabilityArgs: opts.capabilityArgs } : {}),
    }),
  };
}

/**
 * ADD: runs the plugins in order, each getting the previous one's result as `prevResult`; resolves
 * with the last result. On failure it rejects with the failing plugin's CniError and does not roll
 * back: the caller must run `delChain` (as containerd does), which is safe to repeat.
 */
export async function addChain(list: NetworkConfigList, opts: ChainOptions): Promise<CniResult> {
  let prev: CniResult | undefined;
  for (const plugin of list.plugins) {
    prev = await invokePlugin({ ...common(list, opts, plugin, opts.netns, prev?.raw), command: 'ADD' });
  }
  if (!prev) throw new RangeError(`conflist ${list.name} has no plugins`);
  return prev;
}

/**
 * DEL: runs every plugin in reverse order even when one fails, then rejects with the first failure
 * (the others are logged). Idempotent: a plugin answering UnknownContainer (3) counts as success,
 * and a netns path that no longer exists is passed as empty (spec: DEL must work without a netns),
 * so a DEL for a sandbox that is long gone still frees its IP.
 */
export async function delChain(list: NetworkConfigList, opts: ChainOptions): Promise<void> {
  const log = opts.logger ?? silentLogger();
  const netns = opts.netns && (await exists(opts.netns)) ? opts.netns : '';
  const errors: unknown[] = [];
  for (const plugin of [...list.plugins].reverse()) {
    try {
      await invokePlugin({ ...common(list, opts, plugin, netns, opts.prevResult), command: 'DEL' });
    } catch (err) {
      if (isUnknownContainer(err)) continue;
      if (opts.signal?.aborted) throw err;
      log.warn({ err, plugin: plugin.type, containerId: opts.containerId }, 'CNI DEL failed; continuing with the remaining plugins');
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
}

/**
 * CHECK: runs the plugins in order, each with the ADD's final result as `prevResult`. Resolves when
 * all agree the container's networking is as configured; a list with `disableCheck` resolves at once.
 */
export async function checkChain(list: NetworkConfigList, opts: ChainOptions): Promise<void> {
  if (list.disableCheck) return;
  if (!opts.prevResult) throw new RangeError('prevResult is required for CHECK (the ADD result)');
  parseResult({ ...opts.prevResult });
  for (const plugin of list.plugins) {
    if (opts.skipCheck?.has(plugin.type)) continue;
    await invokePlugin({ ...common(list, opts, plugin, opts.netns, opts.prevResult), command: 'CHECK' });
  }
}

/** ADD, DEL or CHECK of a whole list; see addChain, delChain, checkChain. */
export function invokeChain(list: NetworkConfigList, opts: ChainOptions & { command: 'ADD' }): Promise<CniResult>;
export function invokeChain(list: NetworkConfigList, opts: ChainOptions & { command: 'DEL' | 'CHECK' }): Promise<void>;
export async function invokeChain(list: NetworkConfigList, opts: ChainOptions & { command: 'ADD' | 'DEL' | 'CHECK' }): Promise<CniResult | void> {
  switch (opts.command) {
    case 'ADD':
      return addChain(list, opts);
    case 'DEL':
      return delChain(list, opts);
    case 'CHECK':
      return checkChain(list, opts);
    default: {
      const never: never = opts.command;
      throw new RangeError(`command must be ADD, DEL or CHECK, got ${String(never)}`);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
