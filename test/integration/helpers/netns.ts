import { readdir, readlink, stat, unlink } from 'node:fs/promises';
import { execa } from 'execa';

const NETNS_DIR = '/var/run/netns';

/** Named CNI network namespaces (`cni-*`) present now. */
export async function cniNetnsNames(): Promise<Set<string>> {
  const names = await readdir(NETNS_DIR).catch(() => [] as string[]);
  return new Set(names.filter((n) => n.startsWith('cni-')));
}

/** Inodes of the network namespaces some process is in. */
async function netnsInUse(): Promise<Set<string>> {
  const inUse = new Set<string>();
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const link = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
    const m = /^net:\[(\d+)\]$/.exec(link);
    if (m?.[1]) inUse.add(m[1]);
  }
  return inUse;
}

/**
 * Removes CNI network namespaces created since `before` that no process is in. containerd 1.6
 * leaves such namespaces behind when it is killed during RunPodSandbox or when both the CNI ADD
 * and its cleanup DEL fail; a test that provokes that removes them. Namespaces of others (present
 * before, or in use) are never touched.
 */
export async function removeLeakedNetns(before: ReadonlySet<string>): Promise<string[]> {
  const inUse = await netnsInUse();
  const removed: string[] = [];
  for (const name of await cniNetnsNames()) {
    if (before.has(name)) continue;
    const path = `${NETNS_DIR}/${name}`;
    const ino = await stat(path).then((s) => String(s.ino), () => '');
    if (ino && inUse.has(ino)) continue;
    await execa('umount', ['-l', path], { reject: false });
    await unlink(path).catch(() => undefined);
    removed.push(name);
  }
  return removed;
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
