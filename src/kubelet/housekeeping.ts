/**
 * Housekeeping (upstream HandlePodCleanups + container GC + log rotation): what no single pod sync
 * owns. Every pass is idempotent and safe to interrupt: orphaned runtime pods are handed to the pod
 * workers for termination; pod cgroups, pod directories and log directories of pods that are neither
 * wanted nor in the runtime are removed; exited containers beyond the per-pod limit are removed;
 * container logs over the size limit are rotated.
 */
import { readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Container, CriRuntime } from '../cri/index.js';
import { isNotFound } from '../cri/index.js';
import type { Logger } from '../lib/logger.js';
import type { QOSClass } from './pod-resources.js';
import type { RuntimePodSummary } from './runtime-view.js';

export interface HousekeepingDeps {
  cri: Pick<CriRuntime, 'sandboxes' | 'containers'>;
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
export async function removeOrphanedResources(deps: Omit<HousekeepingDeps, 'cri'>, known: ReadonlySet<string>, inRuntime: ReadonlySet<string>): Promise<void> {
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
 * removes sandboxes other than the newest once they are not ready and no container of theirs is
 * left (upstream `evictSandboxes`).
 */
export async function collectPodGarbage(cri: HousekeepingDeps['cri'], pod: RuntimePodSummary, keepPerName = 1, signal?: AbortSignal): Promise<number> {
  let removed = 0;
  const ignoreMissing = (err: unknown): void => {
    if (!isNotFound(err)) throw err;
  };
  const byName = new Map<string, Container[]>();
  for (const c of pod.containers) {
    if (c.state !== 'CONTAINER_EXITED') continue;
    const list = byName.get(c.metadata.name) ?? [];
    list.push(c);
    byName.set(c.metadata.name, list);
  }
  const gone = new Set<string>();
  for (const list of byName.values()) {
    list.sort((a, b) => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0));
    for (const c of list.slice(keepPerName)) {
      await cri.containers.removeContainer(c.id, { signal }).catch(ignoreMissing);
      gone.add(c.id);
      removed++;
    }
  }
  const newest = [...pod.sandboxes].sort((a, b) => (a.createdAt > b.createdAt ? -1 : 1))[0];
  for (const s of pod.sandboxes) {
    if (s === newest || s.state !== 'SANDBOX_NOTREADY') continue;
    if (pod.containers.some((c) => c.podSandboxId === s.id && !gone.has(c.id))) continue;
    await cri.sandboxes.removePodSandbox(s.id, { signal }).catch(ignoreMissing);
    removed++;
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
