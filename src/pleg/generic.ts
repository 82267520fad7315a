/**
 * The relisting PLEG (upstream pkg/kubelet/pleg/generic.go): every period it lists the runtime's
 * sandboxes and containers, turns the differences from the previous relist into pod lifecycle
 * events, re-inspects the pods that changed into the pod cache, and tells subscribers.
 */
import type { CriRuntime, Labels } from '../cri/index.js';
import { realClock, type Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import { createPodCache, type PodCache } from './cache.js';
import { formatGoDuration } from '../lib/go-format.js';
import { computePodEvents, groupPods, podUidsOf } from './events.js';
import { inspectPod } from './status.js';
import type { PlegHealth, PodLifecycleEvent, RelistInfo, RuntimePod } from './types.js';

export interface PlegOptions {
  /** The only runtime calls made: ListPodSandbox, ListContainers, PodSandboxStatus, ContainerStatus. */
  runtime: Pick<CriRuntime, 'sandboxes' | 'containers'>;
  /** Where pod statuses go; default a new one (read it back as `pleg.cache`). */
  cache?: PodCache;
  /**
   * Inspect the pods with events (PodSandboxStatus/ContainerStatus) into the cache. Default true.
   * A consumer that reads the runtime itself on every sync (tskube's pod workers do) turns it off:
   * the PLEG then only lists and emits, and the cache stays empty.
   */
  inspectPods?: boolean;
  /** Pause between the end of one relist and the start of the next; default 1000 (upstream 1 s). */
  relistPeriodMs?: number;
  /** `healthy()` fails when the last successful relist started longer ago; default 180_000 (3 min). */
  relistThresholdMs?: number;
  /**
   * Deadline of each list call, and of the whole inspection phase of one relist, so one relist
   * takes at most about twice this however hung the runtime is; default 10_000.
   */
  callTimeoutMs?: number;
  /** The pod a sandbox or container belongs to; undefined or '' skips it. Default: the kubelet's uid label. */
  podUidOf?: (labels: Labels) => string | undefined;
  clock?: Clock;
  logger?: Logger;
  /** Told about every relist when it ends (metrics); called synchronously, must not throw. */
  onRelist?: (info: RelistInfo) => void;
}

/** Called synchronously during a relist: it must only enqueue (e.g. the pod uid into a work queue). */
export type PodLifecycleEventHandler = (event: PodLifecycleEvent) => void;

export interface Pleg {
  readonly cache: PodCache;
  /**
   * Relists now and then `relistPeriodMs` after each relist ends, until `signal` aborts; resolves
   * after that. Rejects only when already running.
   */
  run(signal: AbortSignal): Promise<void>;
  /**
   * One relist now. Relists never overlap: a call made while one runs waits for it, then runs its
   * own. Never rejects: failures are logged and retried by the next relist.
   */
  relist(signal?: AbortSignal): Promise<RelistInfo>;
  /** Adds a handler of the events of every later relist; returns the unsubscribe function. */
  subscribe(handler: PodLifecycleEventHandler): () => void;
  /** For the kubelet's /healthz, with upstream's messages. */
  healthy(): PlegHealth;
  /** The last completed relist, null before the first. */
  lastRelist(): RelistInfo | null;
}

/** Pods inspected at once in one relist. */
const INSPECT_CONCURRENCY = 8;
const POD_UID_LABEL = 'io.kubernetes.pod.uid';

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Runs `fn` over `items`, at most `limit` at a time. `fn` must not reject. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Creates a PLEG; nothing runs until `run` or `relist`. Throws RangeError on bad options. */
export function createPleg(opts: PlegOptions): Pleg {
  const { runtime } = opts;
  const cache = opts.cache ?? createPodCache();
  const inspectPods = opts.inspectPods ?? true;
  const relistPeriodMs = positive(opts.relistPeriodMs, 1000, 'relistPeriodMs');
  const relistThresholdMs = positive(opts.relistThresholdMs, 180_000, 'relistThresholdMs');
  const callTimeoutMs = positive(opts.callTimeoutMs, 10_000, 'callTimeoutMs');
  const podUidOf = opts.podUidOf ?? ((labels: Labels): string | undefined => labels[POD_UID_LABEL]);
  const clock = opts.clock ?? realClock;
  const log = (opts.logger ?? silentLogger()).child({ component: 'pleg' });

  const handlers = new Set<PodLifecycleEventHandler>();
  /** Upstream `podRecords.old`: per pod, the relist its events were last computed against and delivered. */
  const records = new Map<string, RuntimePod>();
  /** Pods whose inspection failed: inspected again next relist even without new events. */
  let reinspect = new Set<string>();
  let lastSuccessAt: number | null = null;
  let last: RelistInfo | null = null;
  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  const never = new AbortController().signal;

  const advance = (uid: string, pod: RuntimePod | undefined): void => {
    if (pod) records.set(uid, pod);
    else records.delete(uid);
  };

  /**
   * Upstream `updateCache`: false when the inspection failed (the error is cached for the workers).
   * `deadline` (wall-clock ms, as CRI deadlines are) is shared by every inspection of one relist.
   */
  async function updateCache(uid: string, pod: RuntimePod | undefined, timestamp: number, deadline: number, signal: AbortSignal): Promise<boolean> {
    if (!pod) {
      cache.delete(uid);
      return true;
    }
    if (!inspectPods) return true;
    try {
      const timeoutMs = deadline - Date.now();
      if (timeoutMs <= 0) throw new Error(`no time left to inspect the pod: this relist's ${callTimeoutMs} ms inspection deadline passed`);
      const status = await inspectPod(runtime, pod, cache.get(uid).status?.ips ?? [], { signal, timeoutMs });
      cache.set(uid, status, null, timestamp);
      return true;
    } catch (err) {
      if (!signal.aborted) log.warn({ err, podUid: uid }, 'unable to inspect pod; will retry on the next relist');
      cache.set(uid, null, asError(err), timestamp);
      return false;
    }
  }

  function emit(events: readonly PodLifecycleEvent[]): void {
    for (const event of events) {
      if (event.type === 'ContainerDied') {
        const exitCode = cache.get(event.podUid).status?.containers.find((c) => c.id === event.data)?.exitCode;
        log.debug({ podUid: event.podUid, containerId: event.data, exitCode }, 'container finished');
      }
      for (const handler of handlers) {
        try {
          handler(event);
        } catch (err) {
          log.error({ err, event }, 'PLEG event handler threw');
        }
      }
    }
  }

  /**
   * One relist (upstream `Relist`), numbered steps:
   * 1. list sandboxes and containers (each with a deadline); on failure stop: nothing changes;
   * 2. group by pod uid and compute each pod's events against its record;
   * 3. inspect pods with events, and pods whose last inspection failed, into the cache (one shared
   *    deadline); a pod whose inspection fails keeps its old record, so its events come again;
   * 4. set the cache's global timestamp to the relist's start;
   * 5. emit the events of the pods inspected successfully, except ContainerChanged (as upstream).
   * The cache timestamps are the relist's start: every status was read after it.
   */
  async function relistOnce(signal: AbortSignal): Promise<RelistInfo> {
    const startedAt = clock.now();
    const info = (fields: Partial<RelistInfo>): RelistInfo =>
      (last = { startedAt, durationMs: clock.now() - startedAt, succeeded: true, pods: 0, events: 0, failedPods: 0, ...fields });
    const callOpts = { signal, timeoutMs: callTimeoutMs };
    let current: Map<string, RuntimePod>;
    try {
      const [sandboxes, containers] = await Promise.all([
        runtime.sandboxes.listPodSandbox(undefined, callOpts),
        runtime.containers.listContainers(undefined, callOpts),
      ]);
      current = groupPods(sandboxes, containers, podUidOf);
    } catch (err) {
      if (!signal.aborted) log.error({ err }, 'unable to list pods from the runtime');
      return info({ succeeded: false });
    }
    lastSuccessAt = startedAt;

    const changed = new Map<string, PodLifecycleEvent[]>();
    // Pods that failed inspection are looked at even when gone without a record, to clear their error.
    for (const uid of new Set([...podUidsOf(records, current), ...reinspect])) {
      const events = computePodEvents(uid, records.get(uid), current.get(uid));
      if (events.length > 0 || reinspect.has(uid)) changed.set(uid, events);
      else advance(uid, current.get(uid));
    }

    const deadline = Date.now() + callTimeoutMs;
    const failed = new Set<string>();
    await forEachLimit([...changed.keys()], INSPECT_CONCURRENCY, async (uid) => {
      if (!(await updateCache(uid, current.get(uid), startedAt, deadline, signal))) failed.add(uid);
    });
    if (signal.aborted) return info({ succeeded: false, pods: current.size });

    const events: PodLifecycleEvent[] = [];
    for (const [uid, podEvents] of changed) {
      if (failed.has(uid)) continue;
      advance(uid, current.get(uid));
      events.push(...podEvents.filter((e) => e.type !== 'ContainerChanged'));
    }
    reinspect = failed;
    cache.updateTime(startedAt);
    emit(events);
    return info({ pods: current.size, events: events.length, failedPods: failed.size });
  }

  const pleg: Pleg = {
    cache,
    relist(signal = never) {
      const run = tail.then(async () => {
        let info: RelistInfo;
        try {
          info = await relistOnce(signal);
        } catch (err) {
          log.error({ err }, 'relist failed');
          info = last = { startedAt: clock.now(), durationMs: 0, succeeded: false, pods: 0, events: 0, failedPods: 0 };
        }
        opts.onRelist?.(info);
        return info;
      });
      tail = run;
      return run;
    },
    async run(signal) {
      if (running) throw new Error('PLEG is already running');
      running = true;
      try {
        while (!signal.aborted) {
          await pleg.relist(signal);
          await clock.sleep(relistPeriodMs, signal).catch(() => undefined);
        }
      } finally {
        running = false;
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    healthy() {
      if (lastSuccessAt === null) return { ok: false, message: 'pleg has yet to be successful' };
      const elapsed = clock.now() - lastSuccessAt;
      if (elapsed > relistThresholdMs) {
        return { ok: false, message: `pleg was last seen active ${formatGoDuration(elapsed)} ago; threshold is ${formatGoDuration(relistThresholdMs)}` };
      }
      return { ok: true, message: '' };
    },
    lastRelist: () => last,
  };
  return pleg;
}
