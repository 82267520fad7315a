/**
 * libcni's result cache: containerd (through libcni) stores each ADD's result until the DEL, which
 * is the `prevResult` a CHECK of a containerd-created sandbox needs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJsonObject, parseResult } from './result.js';
import type { CniResult } from './types.js';

/** libcni's default cache dir (`/var/lib/cni`) plus `results`. */
export const LIBCNI_CACHE_DIR = '/var/lib/cni/results';

export interface CachedResult {
  result: CniResult;
  /** `CNI_ARGS` libcni used, as pairs. */
  cniArgs: Array<[string, string]>;
  capabilityArgs: Record<string, unknown>;
}

/**
 * The cached ADD result of `<networkName>-<containerId>-<ifName>`, or undefined when there is none
 * (never added, or already deleted). Rejects when the file exists but cannot be understood.
 */
export async function readCachedResult(o: { networkName: string; containerId: string; ifName?: string; cacheDir?: string }): Promise<CachedResult | undefined> {
  const path = join(o.cacheDir ?? LIBCNI_CACHE_DIR, `${o.networkName}-${o.containerId}-${o.ifName ?? 'eth0'}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const json = parseJsonObject(text, path);
  const raw = json.result;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError(`${path}: no result`);
  const cniArgs = Array.isArray(json.cniArgs) ? (json.cniArgs as Array<[string, string]>) : [];
  const capabilityArgs = typeof json.capabilityArgs === 'object' && json.capabilityArgs !== null ? (json.capabilityArgs as Record<string, unknown>) : {};
  return { result: parseResult(raw as Record<string, unknown>), cniArgs, capabilityArgs };
}
