import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../lib/command.js';
import type { CommandRunner } from './types.js';
import { processNetnsInodes } from './veths.js';

export interface LeakedNetnsOptions {
  /** Only names with this prefix: containerd's are `cni-`. */
  prefix?: string;
  /** Younger namespaces are kept: containerd creates one before the sandbox's first process. Default 60000. */
  minAgeMs?: number;
  /** Never touched, e.g. the namespaces present before a test. */
  keep?: ReadonlySet<string>;
  netnsDir?: string;
  procDir?: string;
  exec?: CommandRunner;
  now?: () => number;
}

/**
 * Removes named network namespaces (`/var/run/netns/cni-*`) that no process is in and that are
 * older than `minAgeMs`. A ready sandbox always has its pause process in its namespace and
 * containerd removes the namespace when it stops a sandbox, so such namespaces are leaks: containerd
 * 1.6 leaves them when it is killed during RunPodSandbox or when CNI ADD and its cleanup both fail.
 * Returns the names removed.
 */
export async function removeLeakedNetns(opts: LeakedNetnsOptions = {}): Promise<string[]> {
  const netnsDir = opts.netnsDir ?? '/var/run/netns';
  const prefix = opts.prefix ?? 'cni-';
  const minAgeMs = opts.minAgeMs ?? 60_000;
  const now = (opts.now ?? Date.now)();
  const exec = opts.exec ?? runCommand;
  const names = (await readdir(netnsDir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix) && !opts.keep?.has(n));
  if (names.length === 0) return [];
  const inUse = await processNetnsInodes(opts.procDir ?? '/proc');
  const removed: string[] = [];
  for (const name of names) {
    const path = join(netnsDir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st || inUse.has(st.ino) || now - st.mtimeMs < minAgeMs) continue;
    // A namespace file is a bind mount of the namespace: unmount, then remove the mount point.
    await exec('umount', ['-l', path]).catch(() => undefined);
    await unlink(path).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
