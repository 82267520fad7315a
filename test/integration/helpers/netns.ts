import { readdir } from 'node:fs/promises';
import { execa } from 'execa';
import { removeLeakedNetns } from '../../../src/cni/index.js';

const NETNS_DIR = '/var/run/netns';

/** Named CNI network namespaces (`cni-*`) present now. */
export async function cniNetnsNames(): Promise<Set<string>> {
  const names = await readdir(NETNS_DIR).catch(() => [] as string[]);
  return new Set(names.filter((n) => n.startsWith('cni-')));
}

/**
 * Removes CNI network namespaces created since `before` that no process is in (see
 * removeLeakedNetns in src/cni); a test that provokes containerd's netns leak cleans up after itself.
 */
export async function removeLeakedNetnsSince(before: ReadonlySet<string>): Promise<string[]> {
  return removeLeakedNetns({ keep: before, minAgeMs: 0 });
}

/** nftables tables (`family name`) present now. */
export async function nftTables(): Promise<Set<string>> {
  const { stdout } = await execa('nft', ['list', 'tables'], { reject: false });
  return new Set(stdout.split('\n').map((l) => l.replace(/^table\s+/, '').trim()).filter(Boolean));
}

/**
 * Deletes the `ip nat` / `ip6 nat` tables that the portmap plugin (through iptables-nft) created
 * during a test, if they were not there before and hold only CNI chains.
 */
export async function removePortmapTables(before: ReadonlySet<string>): Promise<void> {
  for (const table of ['ip nat', 'ip6 nat']) {
    if (before.has(table) || !(await nftTables()).has(table)) continue;
    const { stdout } = await execa('nft', ['list', 'table', ...table.split(' ')], { reject: false });
    const chains = [...stdout.matchAll(/^\s*chain (\S+)/gm)].map((m) => m[1] ?? '');
    const builtin = new Set(['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']);
    if (chains.every((c) => builtin.has(c) || c.startsWith('CNI-'))) await execa('nft', ['delete', 'table', ...table.split(' ')], { reject: false });
  }
}
