/**
 * Whether a new copy of a desired pod asks for a sync, as upstream's `podsDifferSemantically`
 * (pkg/kubelet/config): only the spec, labels, annotations and the deletion fields matter. A
 * status or resourceVersion change, most often the echo of the kubelet's own status write coming
 * back through the watch, only refreshes the stored copy; syncing on it would re-read the runtime
 * once more per status write of every pod. Pure.
 */
import type { Pod } from '../../api/index.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function podsDifferSemantically(existing: Pod, next: Pod): boolean {
  const a = existing.metadata;
  const b = next.metadata;
  return !(
    same(existing.spec, next.spec) &&
    same(a.labels, b.labels) &&
    same(a.annotations, b.annotations) &&
    same(a.deletionTimestamp, b.deletionTimestamp) &&
    same(a.deletionGracePeriodSeconds, b.deletionGracePeriodSeconds)
  );
}
