import type { Logger } from '../../lib/logger.js';
import { every } from './async.js';
import { isCompacted } from './errors.js';
import type { Backend, CompactionPolicy } from './types.js';

export function checkCompactionPolicy(policy: CompactionPolicy): void {
  const { intervalMs, retainRevisions } = policy;
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 0) throw new RangeError(`compaction.intervalMs must be a non-negative integer, got ${intervalMs}`);
  if (!Number.isSafeInteger(retainRevisions) || retainRevisions < 1) {
    throw new RangeError(`compaction.retainRevisions must be a positive integer, got ${retainRevisions}`);
  }
}

/**
 * Periodic compaction: every `intervalMs`, compact to `current - retainRevisions`, so history (and
 * with it watch catch-up and old-revision reads) reaches at least `retainRevisions` writes back.
 * Failures are logged and retried at the next tick. Returns a stopper (no-op when disabled).
 */
export function startCompactor(
  backend: Pick<Backend, 'compact' | 'currentRevision'>,
  policy: CompactionPolicy,
  logger: Logger,
): { stop(): Promise<void> } {
  checkCompactionPolicy(policy);
  if (policy.intervalMs === 0) return { stop: async () => undefined };
  let last = 0;
  return every(policy.intervalMs, async () => {
    try {
      const target = (await backend.currentRevision()) - policy.retainRevisions;
      if (target <= last) return;
      const started = performance.now();
      await backend.compact(target);
      last = target;
      logger.debug({ revision: target, ms: Math.round(performance.now() - started) }, 'compacted storage');
    } catch (err) {
      // Someone else (another API server on the same etcd) compacted further: fine.
      if (isCompacted(err)) return;
      logger.warn({ err }, 'periodic compaction failed');
    }
  });
}
