/**
 * Per-key exponential back-off as upstream's `flowcontrol.Backoff` (no jitter, as the kubelet uses
 * it): the first failure waits `initialMs`, each further one doubles the wait up to `maxMs`, and a
 * key that has not failed for `resetAfterMs` starts again from `initialMs`. The kubelet keeps one
 * for crash loops (key: `containerBackOffKey`, event time: the exited container's finish time) and
 * one for image pulls (key: `imageBackOffKey`, checked against the last failure).
 *
 * Stateful but clock-free: every method takes `now` in epoch ms, so tests drive time by hand. No
 * timers; call `gc(now)` now and then to forget idle keys. Not safe for concurrent mutation, which
 * JavaScript does not have.
 */
import type { Container, Pod } from '../../api/index.js';
import { podFullName } from '../../api/index.js';
import { formatGoDuration } from '../../lib/go-format.js';

export interface BackOffOptions {
  /** First delay. Default 10 s (upstream `backOffPeriod`). */
  initialMs?: number;
  /** Longest delay. Default 300 s (upstream `MaxContainerBackOff`). */
  maxMs?: number;
  /** A key idle this long starts over and may be collected. Default 2 × maxMs = 10 min, as upstream. */
  resetAfterMs?: number;
}

interface Entry {
  delayMs: number;
  lastUpdateMs: number;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`BackOff: ${name} must be a positive number of ms, got ${value}`);
  return value;
}

export class BackOff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: BackOffOptions = {}) {
    this.initialMs = positive('initialMs', opts.initialMs ?? 10_000);
    this.maxMs = positive('maxMs', opts.maxMs ?? 300_000);
    if (this.maxMs < this.initialMs) throw new RangeError(`BackOff: maxMs (${this.maxMs}) is below initialMs (${this.initialMs})`);
    this.resetAfterMs = positive('resetAfterMs', opts.resetAfterMs ?? 2 * this.maxMs);
  }

  /** The current delay of `key`; 0 when it has none. */
  get(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /**
   * Records a failure observed at `now` for an event at `eventTime` (default `now`) and returns the
   * new delay: `initialMs` for a new or expired key, else double the last, capped at `maxMs`.
   */
  next(key: string, now: number, eventTime: number = now): number {
    const entry = this.#entries.get(key);
    const delayMs = !entry || this.#expired(entry, eventTime) ? this.initialMs : Math.min(entry.delayMs * 2, this.maxMs);
    this.#entries.set(key, { delayMs, lastUpdateMs: now });
    return delayMs;
  }

  /**
   * Whether `key` is still waiting at `now` since its last failure (upstream
   * `IsInBackOffSinceUpdate`; the image puller's check).
   */
  isInBackOff(key: string, now: number): boolean {
    const entry = this.#entries.get(key);
    if (!entry || this.#expired(entry, now)) return false;
    return now - entry.lastUpdateMs < entry.delayMs;
  }

  /**
   * Whether less than the current delay has passed since `eventTime` (upstream `IsInBackOffSince`;
   * the crash-loop check with `eventTime` = when the container last finished).
   */
  isInBackOffSince(key: string, eventTime: number, now: number): boolean {
    const entry = this.#entries.get(key);
    if (!entry || this.#expired(entry, eventTime)) return false;
    return now - eventTime < entry.delayMs;
  }

  /** Forgets `key` (e.g. after a successful image pull). */
  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets every key idle for longer than `resetAfterMs` at `now`. */
  gc(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.lastUpdateMs > this.resetAfterMs) this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  #expired(entry: Entry, at: number): boolean {
    return at - entry.lastUpdateMs > this.resetAfterMs;
  }
}

/** Upstream `GetStableKey`: one crash-loop key per pod, container and spec hash. */
export function containerBackOffKey(pod: Pod, container: Container, hash: string): string {
  const { name = '', namespace = '', uid = '' } = pod.metadata;
  return `${name}_${namespace}_${uid}_${container.name}_${hash}`;
}

/** Upstream image-pull back-off key: one per pod and image. */
export function imageBackOffKey(pod: Pod, image: string): string {
  return `${pod.metadata.uid ?? ''}_${image}`;
}

export { formatGoDuration };

/** The CrashLoopBackOff waiting message, word for word as upstream's `doBackOff`. */
export function crashLoopBackOffMessage(pod: Pod, containerName: string, delayMs: number): string {
  return `back-off ${formatGoDuration(delayMs)} restarting failed container=${containerName} pod=${podFullName(pod)}`;
}

/**
 * The ImagePullBackOff waiting message: upstream's `Back-off pulling image "<image>"`, followed by
 * `: ErrImagePull: <error>` with the last pull error when known, so the registry's answer stays
 * visible while backing off.
 */
export function imagePullBackOffMessage(image: string, lastPullError?: string): string {
  const base = `Back-off pulling image ${JSON.stringify(image)}`;
  return lastPullError ? `${base}: ErrImagePull: ${lastPullError}` : base;
}
