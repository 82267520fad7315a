/**
 * The pod cache (upstream pkg/kubelet/container/cache.go): the latest runtime status of every pod,
 * written by the PLEG, read by the pod workers. Its point is `getNewerThan`: a worker that synced at
 * time T waits for a status observed at or after T, so it never acts twice on the same stale view.
 */
import type { PodRuntimeStatus } from './types.js';

export interface PodCacheEntry {
  /** null when the runtime holds nothing for the pod, or when inspecting it failed (`error` set). */
  status: PodRuntimeStatus | null;
  /** Why the last inspection failed; the PLEG retries on its next relist. */
  error: Error | null;
  /** Clock time (ms) the status was observed at; 0 for a pod not in the cache. */
  modified: number;
}

/**
 * Entries are shared, not copied: treat them as read-only. Every method is synchronous and safe to
 * call from anywhere; only `getNewerThan` waits.
 */
export interface PodCache {
  /** The cached entry; a pod not in the cache has no visible sandboxes or containers. */
  get(uid: string): PodCacheEntry;
  /**
   * Resolves with the entry once it was modified at or after `minTime`, or once the cache's global
   * timestamp (`updateTime`, set after each complete relist) is at or after `minTime`, whichever
   * comes first; at once if already so. Rejects with the signal's reason when it aborts first.
   * Waiters are resolved in bulk by `set` and `updateTime`; nothing polls.
   */
  getNewerThan(uid: string, minTime: number, signal?: AbortSignal): Promise<PodCacheEntry>;
  /** Stores what one inspection found, observed at `timestamp`, and wakes the pod's waiters it satisfies. */
  set(uid: string, status: PodRuntimeStatus | null, error: Error | null, timestamp: number): void;
  /** Forgets a pod gone from the runtime. Wakes nobody: the next `updateTime` does. */
  delete(uid: string): void;
  /** Every pod's status is at least as new as `timestamp`; wakes every waiter it satisfies. */
  updateTime(timestamp: number): void;
  /** The global timestamp, null before the first `updateTime`. */
  time(): number | null;
}

interface Waiter {
  minTime: number;
  resolve(entry: PodCacheEntry): void;
}

/**
 * Note on resolution: the clock has millisecond resolution (upstream's has nanoseconds), so "at or
 * after" can pair a sync and a relist that started in the same millisecond; callers that need a
 * strict order pass `lastSync + 1`.
 */
export function createPodCache(): PodCache {
  const pods = new Map<string, PodCacheEntry>();
  const waiters = new Map<string, Set<Waiter>>();
  let globalTime: number | null = null;

  const get = (uid: string): PodCacheEntry => pods.get(uid) ?? { status: null, error: null, modified: 0 };

  /** Upstream `getIfNewerThan`, with "at or after" on both timestamps. */
  const getIfNewerThan = (uid: string, minTime: number): PodCacheEntry | null => {
    const entry = pods.get(uid);
    const globalNewer = globalTime !== null && globalTime >= minTime;
    if (entry) return entry.modified >= minTime || globalNewer ? entry : null;
    return globalNewer ? get(uid) : null;
  };

  /** Upstream `notify`: resolves the pod's waiters whose minTime `timestamp` reaches. */
  const notify = (uid: string, timestamp: number): void => {
    const set = waiters.get(uid);
    if (!set) return;
    for (const w of set) {
      if (w.minTime > timestamp) continue;
      set.delete(w);
      w.resolve(get(uid));
    }
    if (set.size === 0) waiters.delete(uid);
  };

  return {
    get,
    getNewerThan(uid, minTime, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const ready = getIfNewerThan(uid, minTime);
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const onAbort = (): void => {
          waiters.get(uid)?.delete(waiter);
          if (waiters.get(uid)?.size === 0) waiters.delete(uid);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          minTime,
          resolve: (entry) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(entry);
          },
        };
        let set = waiters.get(uid);
        if (!set) waiters.set(uid, (set = new Set()));
        set.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    set(uid, status, error, timestamp) {
      pods.set(uid, { status, error, modified: timestamp });
      notify(uid, timestamp);
    },
    delete(uid) {
      pods.delete(uid);
    },
    updateTime(timestamp) {
      globalTime = timestamp;
      for (const uid of [...waiters.keys()]) notify(uid, timestamp);
    },
    time: () => globalTime,
  };
}
