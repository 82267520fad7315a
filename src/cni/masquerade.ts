/**
 * Masquerade of pod traffic that leaves the cluster, in an nftables table of tskube's own, so that
 * nothing else's rules are touched and teardown is one `delete table`.
 */
import { CommandError } from '../lib/command.js';
import type { CommandRunner } from './types.js';

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export function validateTableName(name: string, field = 'nftTable'): string {
  if (!TABLE_NAME.test(name)) throw new RangeError(`${field}: ${JSON.stringify(name)} must match ${TABLE_NAME.source}`);
  return name;
}

/**
 * The `nft -f` script that (re)creates `table ip <table>` atomically in one transaction: the
 * declare-then-delete idiom replaces an existing table without a window where it is missing.
 * `excludeCidr` is the cluster CIDR (or the pod CIDR alone when none is known); multicast is never
 * masqueraded. Pure.
 */
export function renderMasqueradeScript(o: { table: string; podCidr: string; excludeCidr: string }): string {
  return [
    `table ip ${o.table}`,
    `delete table ip ${o.table}`,
    `table ip ${o.table} {`,
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${o.podCidr} ip daddr != ${o.excludeCidr} ip daddr != 224.0.0.0/4 masquerade comment "tskube: pods leaving the cluster"`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export async function applyMasquerade(exec: CommandRunner, script: string, signal?: AbortSignal): Promise<void> {
  try {
    await exec('nft', ['-f', '-'], { input: script, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw new Error(`applying the masquerade nftables table failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Deletes the table; a table that does not exist is success. */
export async function deleteMasquerade(exec: CommandRunner, table: string, signal?: AbortSignal): Promise<void> {
  try {
    await exec('nft', ['delete', 'table', 'ip', table], signal ? { signal } : {});
  } catch (err) {
    if (err instanceof CommandError && /No such file or directory/.test(err.stderr)) return;
    throw new Error(`deleting nftables table ip ${table} failed: ${(err as Error).message}`, { cause: err });
  }
}
