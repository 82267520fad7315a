/**
 * Pod workers: one serialized sync per pod UID at a time, updates coalesced, as upstream's
 * podWorkers. Built on the shared work queue: an update only enqueues the UID; the handler reads
 * the latest desired pod and the runtime's current state and either syncs or terminates. A pod
 * moves syncing -> terminating -> terminated (then forgotten) and never back: a pod that is
 * wanted again after termination has a new UID (static pods) or is a new object.
 */
import type { Pod, PodStatus } from '../api/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { runWorkers, WorkQueue } from '../lib/workqueue.js';
import { generatePodStatus, POD_UID_LABEL, type RuntimePodStatus } from './decide/index.js';
import type { PodSyncer } from './sync.js';

export type WorkerPhase = 'syncing' | 'terminating';

export interface PodRecord {
  pod: Pod;
  phase: WorkerPhase;
  status?: PodStatus;
}

export interface PodWorkerDeps {
  syncer: PodSyncer;
  readRuntime(pod: { uid: string; name: string; namespace: string }, signal?: AbortSignal): Promise<RuntimePodStatus>;
  /** Removes what a terminated pod leaves: containers, sandboxes, cgroup, volumes, logs. */
  cleanUp(pod: Pod, runtime: RuntimePodStatus, signal?: AbortSignal): Promise<void>;
  hostIPs: readonly string[];
  clock: Clock;
  logger: Logger;
  /** Concurrent syncs of different pods. Default 32. */
  concurrency?: number;
  /** Called whenever a pod's status changes, and with null when the pod is gone. */
  onStatus?(uid: string, pod: Pod, status: PodStatus | null): void;
  /** Observation hooks (metrics). */
  observer?: PodWorkerObserver;
}

/** Upstream's sync types: a pod's first sync, one after a spec change, a resync, a termination. */
export type PodWorkerOperation = 'create' | 'update' | 'sync' | 'kill';

/** Told what the workers did; called synchronously, must not throw. */
export interface PodWorkerObserver {
  /** One pass over a pod ended (successfully or not) after `seconds`. */
  podWorkerDone?(operation: PodWorkerOperation, seconds: number): void;
  /** A pod went from Pending (or no status) to Running, `seconds` after its worker first saw it. */
  podStarted?(seconds: number): void;
}

export interface PodWorkers {
  /** The desired pod changed (or is new): sync it. */
  update(pod: Pod): void;
  /** The pod is no longer wanted: terminate it. `pod` may be a stub built from runtime labels. */
  terminate(pod: Pod): void;
  /** Sync again without a new spec (PLEG event, resync). Unknown UIDs are ignored. */
  resync(uid: string): void;
  /** A newer copy of the pod that asks for no sync (status, resourceVersion): kept for the next one. */
  refresh(pod: Pod): void;
  /** The worker's record of a pod, if it has one. */
  get(uid: string): PodRecord | undefined;
  uids(): string[];
  run(signal: AbortSignal): Promise<void>;
}

function identity(pod: Pod): { uid: string; name: string; namespace: string } {
  return { uid: pod.metadata.uid ?? '', name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '' };
}

/** A pod for a UID the runtime holds but nobody wants: enough to stop and clean it up. */
export function orphanPod(uid: string, name: string, namespace: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { uid, name, namespace, labels: { [POD_UID_LABEL]: uid } }, spec: { containers: [], terminationGracePeriodSeconds: 2 } };
}

export function createPodWorkers(deps: PodWorkerDeps): PodWorkers {
  const records = new Map<string, PodRecord>();
  const queue = new WorkQueue<string>({ clock: deps.clock, baseDelayMs: 500, maxDelayMs: 30_000 });
  const log = deps.logger;
  /** For the observer: when each pod was first seen, and pods whose spec changed since their last pass. */
  const seenAt = new Map<string, number>();
  const specChanged = new Set<string>();

  async function handle(uid: string, signal: AbortSignal): Promise<void> {
    const rec = records.get(uid);
    if (!rec) return;
    const started = deps.clock.now();
    const operation: PodWorkerOperation = rec.phase === 'terminating' ? 'kill' : rec.status === undefined ? 'create' : specChanged.has(uid) ? 'update' : 'sync';
    specChanged.delete(uid);
    try {
      await pass(uid, rec, signal);
    } finally {
      deps.observer?.podWorkerDone?.(operation, (deps.clock.now() - started) / 1000);
    }
  }

  async function pass(uid: string, rec: PodRecord, signal: AbortSignal): Promise<void> {
    const runtime = await deps.readRuntime(identity(rec.pod), signal);
    if (rec.phase === 'syncing') {
      const result = await deps.syncer.syncPod(rec.pod, runtime, signal);
      if (records.get(uid) !== rec) return; // replaced meanwhile: the new record syncs itself
      const after = result.acted ? await deps.readRuntime(identity(rec.pod), signal) : runtime;
      const status = generatePodStatus(rec.pod, after, {
        now: deps.clock.now(),
        previous: rec.status,
        waitingReasons: deps.syncer.waitingReasons(uid),
        hostIPs: deps.hostIPs,
      });
      if (JSON.stringify(status) !== JSON.stringify(rec.status)) {
        if (status.phase === 'Running' && (rec.status === undefined || rec.status.phase === 'Pending')) {
          deps.observer?.podStarted?.((deps.clock.now() - (seenAt.get(uid) ?? deps.clock.now())) / 1000);
        }
        rec.status = status;
        deps.onStatus?.(uid, rec.pod, status);
      }
      if (result.requeueAfterMs !== undefined) queue.addAfter(uid, result.requeueAfterMs);
      if (result.errors.length > 0) throw new Error(result.errors.join('; '));
      return;
    }
    // Terminating: stop everything, then clean up once nothing runs.
    const grace = rec.pod.metadata.deletionGracePeriodSeconds ?? rec.pod.spec.terminationGracePeriodSeconds ?? 30;
    await deps.syncer.killPod(rec.pod, runtime, grace, signal);
    const after = await deps.readRuntime(identity(rec.pod), signal);
    if (after.containers.some((c) => c.state === 'CONTAINER_RUNNING') || after.sandboxes.some((s) => s.state === 'SANDBOX_READY')) {
      throw new Error('pod still has running containers after being killed');
    }
    await deps.cleanUp(rec.pod, after, signal);
    if (records.get(uid) === rec) {
      records.delete(uid);
      seenAt.delete(uid);
      specChanged.delete(uid);
      deps.syncer.forget(uid);
      deps.onStatus?.(uid, rec.pod, null);
      log.info({ pod: `${rec.pod.metadata.namespace}/${rec.pod.metadata.name}`, uid }, 'pod terminated and cleaned up');
    }
  }

  return {
    update(pod) {
      const uid = pod.metadata.uid ?? '';
      const rec = records.get(uid);
      if (rec?.phase === 'terminating') return;
      if (rec) {
        rec.pod = pod;
        specChanged.add(uid);
      } else {
        records.set(uid, { pod, phase: 'syncing' });
        seenAt.set(uid, deps.clock.now());
      }
      queue.add(uid);
    },
    terminate(pod) {
      const uid = pod.metadata.uid ?? '';
      const rec = records.get(uid);
      if (rec) {
        rec.phase = 'terminating';
        rec.pod = pod; // the newest: it carries the deletion grace period
      } else records.set(uid, { pod, phase: 'terminating' });
      queue.add(uid);
    },
    resync(uid) {
      if (records.has(uid)) queue.add(uid);
    },
    refresh(pod) {
      const rec = records.get(pod.metadata.uid ?? '');
      if (rec && rec.phase !== 'terminating') rec.pod = pod;
    },
    get: (uid) => records.get(uid),
    uids: () => [...records.keys()],
    async run(signal) {
      await runWorkers(queue, deps.concurrency ?? 32, (uid) => handle(uid, signal), signal, (uid, err) => {
        if (!signal.aborted) log.warn({ uid, err: (err as Error).message }, 'pod sync failed; retrying with back-off');
      });
    },
  };
}
