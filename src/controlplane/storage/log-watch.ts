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
  /** Every event of the range up to here has been read (and is delivered, in hand or pending). */
  cursor: number;
  /** A write in range landed after the last read, or the last read filled a page (more may follow). */
  dirty: boolean;
  /** Events handed over by `notify` (the next ones after what was read), not yet delivered. */
  pending: WatchEvent[];
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

  /**
   * Call after every committed write, in revision order. Synchronous and O(active watches).
   * `event` (called at most once) builds the write's event: a watch parked after reading
   * everything before it gets the event handed over instead of reading the log again (up to a
   * page of them until it runs). A watch whose consumer is busy reads the log as before, so a
   * slow consumer still costs no memory and still meets the compaction point.
   */
  notify(key: string, revision: number, event?: () => WatchEvent): void {
    let ev: WatchEvent | undefined;
    for (const c of this.active) {
      if (inRange(key, c.range)) {
        if (event && c.wake !== undefined && !c.dirty && c.cursor === revision - 1 && c.pending.length < this.pageSize) {
          c.pending.push((ev ??= event()));
          c.cursor = revision;
        } else {
          c.dirty = true;
        }
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
    const c: Cursor = { range, cursor: fromRevision, dirty: true, pending: [], wake: undefined };
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
        let events: WatchEvent[] = [];
        if (c.pending.length > 0) {
          // Handed over by notify: they follow everything read before, in order.
          events = c.pending;
          c.pending = [];
        } else if (c.dirty) {
          const read = this.log.readAfter(range, c.cursor, this.pageSize);
          events = read.events;
          c.cursor = Math.max(c.cursor, read.through);
          c.dirty = events.length === this.pageSize;
        }
        if (events.length === 0) {
          // Parks in the same tick as the read (or the check that nothing is unread), so no
          // write slips between.
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
