/**
 * Housekeeping (upstream HandlePodCleanups + container GC + log rotation): what no single pod sync
 * owns. Every pass is idempotent and safe to interrupt: orphaned runtime pods are handed to the pod
 * workers for termination; pod cgroups, pod directories and log directories of pods that are neither
 * wanted nor in the runtime are removed; exited containers beyond the per-pod limit are removed;
 * container logs over the size limit are rotated.
 */
import { readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CriRuntime } from '../cri/index.js';
import { isNotFound } from '../cri/index.js';
import type { Logger } from '../lib/logger.js';
import type { RuntimePodStatus } from './decide/index.js';
import type { QOSClass } from './pod-resources.js';
import type { RuntimePodSummary } from './runtime-view.js';

export interface HousekeepingDeps {
  cri: Pick<CriRuntime, 'sandboxes' | 'containers'>;
  listRuntimePods(signal?: AbortSignal): Promise<Map<string, RuntimePodSummary>>;
  listPodCgroups(): Promise<{ uid: string; qosClass: QOSClass }[]>;
  removePodCgroup(uid: string, qosClass: QOSClass): Promise<void>;
  listPodDirs(): Promise<string[]>;
  removePodDir(uid: string): Promise<void>;
  podLogsRoot: string;
  logger: Logger;
}

/** UIDs in `/var/log/pods/<ns>_<name>_<uid>` directory names. */
export function logDirUid(name: string): string | undefined {
  const m = /_([0-9a-f-]{8,})$/.exec(name);
  return m?.[1];
}

/** Removes cgroups, pod dirs and log dirs of pods that are neither known nor in the runtime. */
export async function removeOrphanedResources(deps: HousekeepingDeps, known: ReadonlySet<string>, inRuntime: ReadonlySet<string>): Promise<void> {
  const orphan = (uid: string): boolean => !known.has(uid) && !inRuntime.has(uid);
  for (const cg of await deps.listPodCgroups()) {
    if (orphan(cg.uid)) {
      deps.logger.info({ uid: cg.uid }, 'removing orphaned pod cgroup');
      await deps.removePodCgroup(cg.uid, cg.qosClass);
    }
  }
  for (const uid of await deps.listPodDirs()) {
    if (orphan(uid)) await deps.removePodDir(uid);
  }
  const logDirs = await readdir(deps.podLogsRoot).catch(() => [] as string[]);
  for (const dir of logDirs) {
    const uid = logDirUid(dir);
    if (uid && orphan(uid)) await rm(join(deps.podLogsRoot, dir), { recursive: true, force: true });
  }
}

/**
 * Container GC for a wanted pod (upstream `evictContainers` with MaxPerPodContainer): keeps the
 * newest `keepPerName` exited instances of each container name (the newest is `lastState`), and
 * removes sandboxes other than the newest once they are not ready and hold no containers
 * (upstream `evictSandboxes`: a sandbox goes with its last container).
 */
export async function collectPodGarbage(cri: HousekeepingDeps['cri'], runtime: RuntimePodStatus, keepPerName = 1, signal?: AbortSignal): Promise<number> {
  let removed = 0;
  const seen = new Map<string, number>();
  for (const c of runtime.containers) {
    if (c.state !== 'CONTAINER_EXITED') continue;
    const n = (seen.get(c.name) ?? 0) + 1;
    seen.set(c.name, n);
    if (n > keepPerName) {
      await cri.containers.removeContainer(c.id, { signal }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      removed++;
    }
  }
  for (const s of runtime.sandboxes.slice(1)) {
    if (s.state === 'SANDBOX_NOTREADY' && runtime.containers.length === 0) {
      await cri.sandboxes.removePodSandbox(s.id, { signal });
      removed++;
    }
  }
  return removed;
}

/**
 * Rotates one container's CRI log when it grew past `maxBytes` (upstream ContainerLogManager):
 * renames `N.log` to `N.log.<timestamp>`, asks the runtime to reopen the file, and deletes the
 * oldest rotated files beyond `maxFiles - 1`.
 */
export async function rotateContainerLog(
  cri: Pick<CriRuntime, 'containers'>,
  containerId: string,
  logPath: string,
  opts: { maxBytes: number; maxFiles: number; now: Date },
  signal?: AbortSignal,
): Promise<boolean> {
  const size = await stat(logPath).then((s) => s.size, () => 0);
  if (size <= opts.maxBytes) return false;
  const stamp = opts.now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  await rename(logPath, `${logPath}.${stamp}`);
  try {
    await cri.containers.reopenContainerLog(containerId, { signal });
  } catch (err) {
    // The container stopped meanwhile: put the file back so its log stays readable.
    await rename(`${logPath}.${stamp}`, logPath).catch(() => undefined);
    if (!isNotFound(err)) throw err;
    return false;
  }
  const prefix = `${basename(logPath)}.`;
  const rotated = (await readdir(dirname(logPath))).filter((f) => f.startsWith(prefix)).sort();
  for (const old of rotated.slice(0, Math.max(0, rotated.length - (opts.maxFiles - 1)))) await unlink(join(dirname(logPath), old)).catch(() => undefined);
  return true;
}
