/** The kernel settings the pod network model needs, set through /proc/sys and verified by reading back. */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner } from './types.js';

/** Name (dotted, as `sysctl` shows it) and value. */
export const NODE_SYSCTLS: ReadonlyArray<readonly [string, string]> = [
  // Pods' traffic is routed through the node.
  ['net.ipv4.ip_forward', '1'],
  // Bridged pod-to-pod traffic must pass nftables NAT (pod -> service VIP -> pod on the same bridge).
  ['net.bridge.bridge-nf-call-iptables', '1'],
  // NodePorts on 127.0.0.1 are DNATed to pods.
  ['net.ipv4.conf.all.route_localnet', '1'],
];

export function sysctlPath(procSysDir: string, name: string): string {
  return join(procSysDir, ...name.split('.'));
}

/** The current value of a sysctl, trimmed; errors name it. */
export async function readSysctl(procSysDir: string, name: string): Promise<string> {
  try {
    return (await readFile(sysctlPath(procSysDir, name), 'utf8')).trim();
  } catch (err) {
    throw new Error(`sysctl ${name}: reading ${sysctlPath(procSysDir, name)} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Sets a sysctl unless it already has the value, then reads it back; errors name the sysctl. */
export async function setSysctl(procSysDir: string, name: string, value: string): Promise<boolean> {
  if ((await readSysctl(procSysDir, name)) === value) return false;
  try {
    await writeFile(sysctlPath(procSysDir, name), `${value}\n`);
  } catch (err) {
    throw new Error(`sysctl ${name}=${value}: writing ${sysctlPath(procSysDir, name)} failed: ${(err as Error).message}`, { cause: err });
  }
  const now = await readSysctl(procSysDir, name);
  if (now !== value) throw new Error(`sysctl ${name}=${value} did not stick: it reads back as ${JSON.stringify(now)}`);
  return true;
}

/**
 * Loads br_netfilter when /proc/sys/net/bridge is missing (the module provides it). On kernels with
 * the module built in (as on these machines, which have no modprobe at all), the directory is there
 * and nothing runs.
 */
export async function ensureBrNetfilter(procSysDir: string, exec: CommandRunner, signal?: AbortSignal): Promise<void> {
  const dir = join(procSysDir, 'net', 'bridge');
  if (await access(dir).then(() => true, () => false)) return;
  try {
    await exec('modprobe', ['br_netfilter'], signal ? { signal } : {});
  } catch (err) {
    throw new Error(
      `sysctl net.bridge.bridge-nf-call-iptables: ${dir} is missing and loading br_netfilter failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Sets every NODE_SYSCTLS entry, trying all of them; rejects with an Error listing each failure.
 * Resolves with the names it changed. Never restores old values (they are host-global).
 */
export async function ensureNodeSysctls(procSysDir: string, exec: CommandRunner, signal?: AbortSignal): Promise<string[]> {
  const changed: string[] = [];
  const errors: Error[] = [];
  for (const [name, value] of NODE_SYSCTLS) {
    try {
      if (name.startsWith('net.bridge.')) await ensureBrNetfilter(procSysDir, exec, signal);
      if (await setSysctl(procSysDir, name, value)) changed.push(name);
    } catch (err) {
      errors.push(err as Error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
  return changed;
}
