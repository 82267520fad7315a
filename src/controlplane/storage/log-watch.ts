/**
 * Watches for the embedded backends (memory, SQLite), read from the revision log itself.
 *
 * A watch is a cursor into the log: it reads the events after its cursor a page at a time, hands
 * them to the consumer one by one, and when it has caught up it parks until a write to a key in its
 * range is committed. The log is the buffer, so ordering is the log's order, nothing is ever
 * dropped and a slow consumer costs no memory: it just lags. Only if unread events of its range
 * fall behind the compaction point does its next read fail with `CompactedError` (the consumer
 * re-lists, as Kubernetes clients do on 410 Gone); writes to other ranges move an up-to-date
 * watch along, so compaction never overtakes an idle watch.
 *
 * Requires all writes to go through this process and to call `notify` after each commit, in
 * revision order.
 */
import { ClosedError } from './errors.js';
import { checkKey, checkRevision, inRange, prefixRange, type KeyRange } from './keys.js';
import type { WatchEvent, WatchOptions } from './types.js';

/** The part of a log-backed store a watch reads. Synchronous, so one call sees one state. */
export interface WatchLog {
  /**
   * Up to `limit` events with revision > `after` and key in `range`, in revision order, and
   * `through`: every event of the range up to that revision is in `events` or before `after`.
   * Throws `CompactedError` when `after` is older than the compaction point.
   */
  readAfter(range: KeyRange, after: number, limit: number): { events: WatchEvent[]; through: number };
}

/** One watch's position in the log. */
interface Cursor {
  readonly range: KeyRange;
  /** Every event of the range up to here has been read (and is delivered or in hand). */
  cursor: number;
  /** A write in range landed after the last read, or the last read filled a page (more may follow). */
  dirty: boolean;
  /** Set while parked: resumes the watch. */
  wake: (() => void) | undefined;
}

export interface WatchHubOptions {
  /** Backend kind, for ClosedError messages. */
  kind: string;
  /** Events read from the log per query (default 256). */
  pageSize?: number;
}

export class WatchHub {
  private readonly active = new Set<Cursor>();
  private readonly pageSize: number;
  private closed = false;

  constructor(
    private readonly log: WatchLog,
    private readonly opts: WatchHubOptions,
  ) {
    this.pageSize = opts.pageSize ?? 256;
  }

  /** Call after every committed write, in revision order. Synchronous and O(active watches). */
  notify(key: string, revision: number): void {
    for (const c of this.active) {
      if (inRange(key, c.range)) {
        c.dirty = true;
        c.wake?.();
      } else if (!c.dirty && revision > c.cursor) {
        // Nothing unread in its range: a write elsewhere keeps it caught up, so an idle (or busy
        // but not behind) watch is not overtaken by compaction driven by other keys.
        c.cursor = revision;
      }
    }
  }

  /** Ends every watch with `ClosedError` (at its next step). */
  close(): void {
    this.closed = true;
    for (const c of this.active) c.wake?.();
  }

  /** Number of open watches (for tests and metrics). */
  get size(): number {
    return this.active.size;
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    checkKey(prefix, 'prefix');
    checkRevision(opts.fromRevision, 'fromRevision');
    return this.run(prefixRange(prefix), opts.fromRevision, opts.signal);
  }

  private async *run(range: KeyRange, fromRevision: number, signal: AbortSignal | undefined): AsyncGenerator<WatchEvent> {
    const c: Cursor = { range, cursor: fromRevision, dirty: true, wake: undefined };
    // An abort releases the watch even if the consumer never calls next() again.
    const release = (): void => {
      this.active.delete(c);
      c.wake?.();
    };
    if (signal?.aborted) return;
    this.active.add(c);
    signal?.addEventListener('abort', release, { once: true });
    try {
      for (;;) {
        if (signal?.aborted) return;
        if (this.closed) throw new ClosedError(this.opts.kind);
        const { events, through } = this.log.readAfter(range, c.cursor, this.pageSize);
        c.cursor = Math.max(c.cursor, through);
        c.dirty = events.length === this.pageSize;
        if (events.length === 0) {
          // Parks in the same tick as the read, so no write slips between.
          await new Promise<void>((resolve) => {
            c.wake = resolve;
          });
          c.wake = undefined;
          continue;
        }
        for (const ev of events) {
          yield ev;
          if (signal?.aborted) return;
        }
      }
    } finally {
      signal?.removeEventListener('abort', release);
      this.active.delete(c);
    }
  }
}
