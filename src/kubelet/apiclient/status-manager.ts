import type { Pod, PodStatus } from '../../api/index.js';
import { isStaticPod } from '../../api/index.js';
import { isConflictError, isNotFoundError, type KubeClient } from '../../lib/kube/index.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { WorkQueue, runWorkers } from '../../lib/workqueue.js';

/** Where the kubelet's pod statuses go. */
export interface StatusSink {
  /** The pod's newest status; written when it differs from what was last written. */
  setStatus(pod: Pod, status: PodStatus): void;
  /** The pod's containers are gone: a pod being deleted can now be removed from the API. */
  podTerminated(pod: Pod): void;
}

function podPath(pod: Pod): string {
  return `/api/v1/namespaces/${pod.metadata.namespace ?? 'default'}/pods/${pod.metadata.name ?? ''}`;
}

/**
 * The status manager (upstream pkg/kubelet/status): keeps the newest status per pod and writes it
 * through the status subresource from a work queue — so writes are batched per pod (only the
 * newest is sent), retried with back-off, never two at once for one pod — and finishes graceful
 * deletion with a grace-0 DELETE guarded by the pod's UID. A static pod's status goes to its mirror
 * pod; its deletion is the mirror pod sync's business. Failed writes are retried from 200 ms
 * doubling to 10 s (upstream re-syncs statuses every 10 s), so what changed while the API server
 * was away reaches it within 10 s of its return.
 */
export function createStatusManager(client: Pick<KubeClient, 'patch' | 'delete'>, logger: Logger, opts: { clock?: Clock } = {}): StatusSink & { run(signal: AbortSignal): Promise<void> } {
  const queue = new WorkQueue<string>({ baseDelayMs: 200, maxDelayMs: 10_000, clock: opts.clock });
  const pending = new Map<string, { pod: Pod; status?: PodStatus; terminated?: boolean }>();
  const written = new Map<string, string>();

  async function handle(uid: string): Promise<void> {
    const entry = pending.get(uid);
    if (!entry) return;
    const { pod, status, terminated } = entry;
    if (status) {
      const text = JSON.stringify(status);
      if (written.get(uid) !== text) {
        const mirror = isStaticPod(pod);
        try {
          // A static pod's status goes to its mirror pod, whose uid is the API server's own.
          await client.patch(`${podPath(pod)}/status`, mirror ? { status } : { metadata: { uid }, status }, 'merge');
          written.set(uid, text);
        } catch (err) {
          // A missing mirror pod is about to be created: retry. A missing API pod is gone for good.
          if (isNotFoundError(err) && !mirror) return void pending.delete(uid);
          throw err;
        }
      }
    }
    if (terminated && pod.metadata.deletionTimestamp) {
      await client.delete(podPath(pod), { gracePeriodSeconds: 0, preconditions: { uid } }).catch((err: unknown) => {
        if (!isNotFoundError(err) && !isConflictError(err)) throw err;
      });
    }
    if (terminated) {
      pending.delete(uid);
      written.delete(uid);
    }
  }

  return {
    setStatus(pod, status) {
      const uid = pod.metadata.uid ?? '';
      const entry = pending.get(uid);
      pending.set(uid, { ...entry, pod, status });
      queue.add(uid);
    },
    podTerminated(pod) {
      if (isStaticPod(pod)) return;
      const uid = pod.metadata.uid ?? '';
      pending.set(uid, { ...pending.get(uid), pod, terminated: true });
      queue.add(uid);
    },
    run: (signal) =>
      runWorkers(queue, 4, handle, signal, (uid, err) => {
        if (!signal.aborted) logger.warn({ uid, err: (err as Error).message }, 'pod status update failed; retrying');
      }),
  };
}
