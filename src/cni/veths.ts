/**
 * Host-side veths on the pod bridge that belong to no running sandbox.
 *
 * A veth never outlives its peer on Linux: deleting either end, or the netns holding the peer,
 * deletes both (checked on kernel 6.18). So "a veth whose peer is gone" does not exist; what leaks
 * is a veth whose peer sits in a network namespace kept alive only by its bind mount (e.g.
 * `/var/run/netns/cni-...` after containerd was killed between CNI ADD and recording the sandbox).
 * The criterion, all of which must hold:
 *  1. a veth enslaved to the bridge whose peer is in another netns (`link_netnsid` present);
 *  2. that netns is named in /var/run/netns (`ip netns list-id`), as containerd's are by default
 *     (a netns with no name and no process cannot exist, so an unnamed one is in use);
 *  3. no process in this PID namespace has it as its network namespace (`/proc/PID/ns/net`): the
 *     sandbox's pause process is gone;
 *  4. the namespace is older than minAgeMs (nsfs mtime = creation time): containerd 1.6 runs CNI
 *     ADD before it starts the pause process.
 * Assumes the kubelet shares the PID namespace of the sandboxes (true for tskube's node agent).
 */
import { readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError, runCommand } from '../lib/command.js';
import type { CommandRunner } from './types.js';

export interface StaleVeth {
  ifName: string;
  ifIndex: number;
  /** The peer's netns as the host sees it. */
  peerNetnsId: number;
  /** The leaked netns; removing the veth does not remove it. */
  netnsPath: string;
}

export interface StaleVethOptions {
  bridgeName: string;
  /** Default 60000. */
  minAgeMs?: number;
  /** Where named network namespaces live: iproute2's `/var/run/netns`. */
  netnsDir?: string;
  procDir?: string;
  exec?: CommandRunner;
  now?: () => number;
  signal?: AbortSignal;
}

interface LinkRow {
  ifname?: string;
  ifindex?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string };
}

function isMissingDevice(err: unknown): boolean {
  return err instanceof CommandError && /does not exist|Cannot find device/.test(err.stderr);
}

/** Inodes of the network namespaces of all processes visible in procDir. */
export async function processNetnsInodes(procDir: string): Promise<Set<number>> {
  const inodes = new Set<number>();
  const pids = (await readdir(procDir)).filter((n) => /^\d+$/.test(n));
  await Promise.all(
    pids.map(async (pid) => {
      const link = await readlink(join(procDir, pid, 'ns', 'net')).catch(() => '');
      const m = /^net:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(Number(m[1]));
    }),
  );
  return inodes;
}

/** The veths on `bridgeName` meeting the criterion above. A missing bridge has none. */
export async function listStaleVeths(opts: StaleVethOptions): Promise<StaleVeth[]> {
  const exec = opts.exec ?? runCommand;
  const run = (args: string[]): ReturnType<CommandRunner> => exec('ip', args, opts.signal ? { signal: opts.signal } : {});
  const netnsDir = opts.netnsDir ?? '/var/run/netns';
  const minAgeMs = opts.minAgeMs ?? 60_000;
  const now = (opts.now ?? Date.now)();

  let links: LinkRow[];
  try {
    links = JSON.parse((await run(['-j', '-d', 'link', 'show', 'master', opts.bridgeName])).stdout || '[]') as LinkRow[];
  } catch (err) {
    if (isMissingDevice(err)) return [];
    throw new Error(`listing the ports of bridge ${opts.bridgeName} failed: ${(err as Error).message}`, { cause: err });
  }
  const candidates = links.filter(
    (l): l is LinkRow & { ifname: string; ifindex: number; link_netnsid: number } =>
      l.linkinfo?.info_kind === 'veth' && typeof l.ifname === 'string' && typeof l.ifindex === 'number' && typeof l.link_netnsid === 'number',
  );
  if (candidates.length === 0) return [];

  const ids = JSON.parse((await run(['-j', 'netns', 'list-id'])).stdout || '[]') as Array<{ nsid?: number; name?: string }>;
  const nameById = new Map(ids.filter((r) => typeof r.nsid === 'number' && r.name).map((r) => [r.nsid as number, r.name as string]));
  const inUse = await processNetnsInodes(opts.procDir ?? '/proc');

  const stale: StaleVeth[] = [];
  for (const l of candidates) {
    const name = nameById.get(l.link_netnsid);
    if (!name) continue;
    const netnsPath = join(netnsDir, name);
    const st = await stat(netnsPath).catch(() => undefined);
    if (!st || inUse.has(st.ino) || now - st.mtimeMs < minAgeMs) continue;
    stale.push({ ifName: l.ifname, ifIndex: l.ifindex, peerNetnsId: l.link_netnsid, netnsPath });
  }
  return stale;
}

export interface RemoveStaleVethsResult {
  removed: StaleVeth[];
  failed: Array<{ veth: StaleVeth; error: Error }>;
}

/**
 * Deletes the stale veths (`ip link del`, which removes the peer too); one already gone counts as
 * removed. The leaked namespaces stay: they are the runtime's (see `netnsPath`).
 */
export async function removeStaleVeths(opts: StaleVethOptions): Promise<RemoveStaleVethsResult> {
  const exec = opts.exec ?? runCommand;
  const result: RemoveStaleVethsResult = { removed: [], failed: [] };
  for (const veth of await listStaleVeths(opts)) {
    try {
      await exec('ip', ['link', 'del', veth.ifName], opts.signal ? { signal: opts.signal } : {});
      result.removed.push(veth);
    } catch (err) {
      if (isMissingDevice(err)) result.removed.push(veth);
      else result.failed.push({ veth, error: new Error(`deleting stale veth ${veth.ifName} failed: ${(err as Error).message}`, { cause: err }) });
    }
  }
  return result;
}
