/**
 * Garbage collection of host-local IPAM allocations whose sandbox is gone. The mechanism only: the
 * kubelet decides when to run it and which sandboxes are live.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { silentLogger } from '../lib/logger.js';
import { delChain } from './chain.js';
import { hostLocalDir } from './conflist.js';
import type { NetworkConfigList } from './types.js';

export interface IpamAllocation {
  ip: string;
  /** The owner: the sandbox id containerd passed as CNI_CONTAINERID. */
  containerId: string;
  ifName: string;
  /** The allocation file. */
  path: string;
  /** When it was allocated (the file's mtime). */
  mtimeMs: number;
}

/**
 * host-local's allocations of one network: every file `<dataDir>/<networkName>/<ip>` holds the
 * container id and the interface name on separate lines (older host-local versions wrote the id
 * alone: ifName is then ''). `last_reserved_ip.N`, `lock` and anything not named like an IP are
 * skipped. A missing directory means no allocations.
 */
export async function listIpamAllocations(dataDir: string, networkName: string): Promise<IpamAllocation[]> {
  return listAllocationsIn(join(dataDir, networkName));
}

async function listAllocationsIn(dir: string): Promise<IpamAllocation[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`listing IPAM allocations in ${dir} failed: ${(err as Error).message}`, { cause: err });
  }
  const out: IpamAllocation[] = [];
  for (const name of names.sort()) {
    if (isIP(name) === 0) continue;
    const path = join(dir, name);
    try {
      const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      const [containerId = '', ifName = ''] = text.split(/\r?\n/).map((l) => l.trim());
      out.push({ ip: name, containerId, ifName, path, mtimeMs: st.mtimeMs });
    } catch (err) {
      // Released between readdir and read: no longer an allocation.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`reading IPAM allocation ${path} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

export interface ReleaseStaleOptions {
  /** The node's conflist: its host-local `dataDir` and `name` locate the allocations; its plugins get the DEL. */
  conflist: NetworkConfigList;
  binDirs: readonly string[];
  /** Sandbox ids the runtime knows (ListPodSandbox, any state). Allocations of other ids are stale. */
  liveContainerIds: ReadonlySet<string>;
  /**
   * Allocations younger than this are kept even if their owner is not live: containerd 1.6 runs CNI
   * ADD before the sandbox appears in ListPodSandbox. Default 60000.
   */
  minAgeMs?: number;
  /** Per plugin call. */
  timeoutMs?: number;
  now?: () => number;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface ReleaseFailure {
  containerId: string;
  ifName: string;
  error: Error;
}

export interface ReleaseResult {
  /** Allocations freed. */
  released: IpamAllocation[];
  /** Stale but younger than minAgeMs: left for a later run. */
  deferred: IpamAllocation[];
  failed: ReleaseFailure[];
}

/**
 * For each (container id, ifName) owning allocations but not live, runs the conflist's DEL with that
 * container id and no netns (the netns is gone or unknown; spec: DEL must succeed without it), so
 * host-local frees the IPs, portmap drops the mappings and bandwidth its ifb device. Then re-reads
 * the allocations: an owner whose files survive a successful DEL is reported as failed. Never
 * throws for one owner's failure; safe to run concurrently with pod creation thanks to minAgeMs.
 */
export async function releaseStaleAllocations(opts: ReleaseStaleOptions): Promise<ReleaseResult> {
  const dir = hostLocalDir(opts.conflist);
  if (!dir) throw new RangeError(`conflist ${opts.conflist.name} has no plugin with host-local IPAM`);
  const log = (opts.logger ?? silentLogger()).child({ network: opts.conflist.name });
  const now = (opts.now ?? Date.now)();
  const minAgeMs = opts.minAgeMs ?? 60_000;
  const result: ReleaseResult = { released: [], deferred: [], failed: [] };

  const owners = new Map<string, IpamAllocation[]>();
  for (const a of await listAllocationsIn(dir)) {
    if (opts.liveContainerIds.has(a.containerId)) continue;
    if (now - a.mtimeMs < minAgeMs) {
      result.deferred.push(a);
      continue;
    }
    const key = `${a.containerId}\n${a.ifName}`;
    owners.set(key, [...(owners.get(key) ?? []), a]);
  }

  for (const allocations of owners.values()) {
    const first = allocations[0];
    if (!first) continue;
    const { containerId, ifName } = first;
    if (!containerId) {
      result.failed.push({ containerId, ifName, error: new Error(`IPAM allocation ${first.path} names no container`) });
      continue;
    }
    try {
      await delChain(opts.conflist, {
        binDirs: opts.binDirs,
        containerId,
        ifName: ifName || 'eth0',
        netns: '',
        ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
        ...(opts.signal ? { signal: opts.signal } : {}),
        logger: log,
      });
      result.released.push(...allocations);
      log.info({ containerId, ifName, ips: allocations.map((a) => a.ip) }, 'released stale IPAM allocation');
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      result.failed.push({ containerId, ifName, error: err as Error });
    }
  }

  // An IP reused by a new sandbox in the meantime has another owner: that is not a survivor.
  const owned = (a: IpamAllocation): string => `${a.path}\n${a.containerId}`;
  const left = new Set((await listAllocationsIn(dir)).map(owned));
  const survivors = result.released.filter((a) => left.has(owned(a)));
  if (survivors.length > 0) {
    result.released = result.released.filter((a) => !left.has(owned(a)));
    for (const a of survivors) {
      result.failed.push({ containerId: a.containerId, ifName: a.ifName, error: new Error(`DEL succeeded but ${a.path} (${a.ip}) is still allocated`) });
    }
  }
  return result;
}
