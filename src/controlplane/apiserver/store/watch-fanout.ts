/**
 * Watch fan-out: one storage watch per resource prefix feeds every HTTP watcher of that resource
 * (upstream's watch cache, without the cached state). The pump keeps the last `bufferSize` events,
 * so a watcher starting at any revision the buffer covers is served from memory; one starting
 * further back gets its own storage watch (which ends with `CompactedError` when the history is
 * gone: the client then gets 410 Expired and re-lists). Each event is parsed once, when a
 * subscriber first needs it, and shared.
 *
 * Contracts: events reach a subscription in revision order, each once, only if newer than its
 * start revision and under its key prefix. A subscriber whose queue exceeds `queueLimit` (a
 * client not reading) is ended with `WatchOverflowError`; so is every subscriber when the storage
 * watch fails, after which the pump restarts from the current revision. Subscribers re-watch
 * from their last revision, as informers do.
 */
import type { Logger } from '../../../lib/logger.js';
import { silentLogger } from '../../../lib/logger.js';
import { WatchOverflowError, isClosed, type Backend, type WatchEvent } from '../../storage/index.js';
import type { KObject } from '../object.js';
import { decodeKv } from './codec.js';

/** A storage event with its objects decoded (shared between subscribers: never mutate them). */
export interface ObjectEvent {
  readonly type: 'put' | 'delete';
  readonly revision: number;
  readonly key: string;
  /** After a put: the new object. After a delete: its last state, resourceVersion = the delete's revision. */
  readonly obj: KObject;
  /** Before a put of an existing key (null for a creation); for a delete, the deleted object. */
  readonly prev: KObject | null;
}

export interface Subscription extends AsyncIterable<ObjectEvent> {
  /** Every event of this subscription up to this revision has been yielded (for bookmarks). */
  progress(): number;
  /** Ends the iteration; idempotent. */
  close(): void;
}

export interface WatchFanoutOptions {
  backend: Backend;
  /** The resource's key prefix, e.g. `/registry/pods/`. */
  prefix: string;
  /** Events kept for late subscribers (default 2,000; older starts get their own storage watch). */
  bufferSize?: number;
  /** Undelivered events a subscriber may have before it is ended (default 100,000). */
  queueLimit?: number;
  /** Turns stored objects into the resource's shape (`ResourceDef.storageForm.decode`). */
  convert?: (stored: KObject) => KObject;
  /** Delay before restarting a failed storage watch (default 1000 ms). */
  restartDelayMs?: number;
  logger?: Logger;
}

/** Decodes a storage event; a delete's object carries the delete's revision, as upstream. */
export function toObjectEvent(ev: WatchEvent, convert: (stored: KObject) => KObject = (o) => o): ObjectEvent {
  const dec = (kv: Parameters<typeof decodeKv>[0], rv?: number): KObject => convert(decodeKv(kv, rv));
  if (ev.type === 'put') {
    return { type: 'put', revision: ev.revision, key: ev.kv.key, obj: dec(ev.kv), prev: ev.prevKv ? dec(ev.prevKv) : null };
  }
  return { type: 'delete', revision: ev.revision, key: ev.key, obj: dec(ev.prevKv, ev.revision), prev: dec(ev.prevKv) };
}

class Sub implements Subscription {
  readonly queue: ObjectEvent[] = [];
  private wake: (() => void) | undefined;
  private done = false;
  private error: Error | undefined;
  private yielded: number;

  constructor(
    readonly keyPrefix: string,
    readonly from: number,
    private readonly hub: WatchFanout,
  ) {
    this.yielded = from;
  }

  push(ev: ObjectEvent): void {
    this.queue.push(ev);
    this.wake?.();
  }

  end(error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.wake?.();
  }

  progress(): number {
    return this.queue.length === 0 ? Math.max(this.yielded, this.hub.processed) : this.yielded;
  }

  close(): void {
    this.end();
    this.hub.unsubscribe(this);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ObjectEvent> {
    try {
      for (;;) {
        const ev = this.queue.shift();
        if (ev !== undefined) {
          this.yielded = ev.revision;
          yield ev;
          continue;
        }
        if (this.done) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    } finally {
      this.close();
    }
  }
}

/**
 * A storage event in the buffer, decoded when a subscriber first needs it (most events of a busy
 * resource have no watcher of their key): `decoded` is null when the stored object does not decode.
 */
interface Buffered {
  readonly revision: number;
  readonly key: string;
  readonly raw: WatchEvent;
  decoded?: ObjectEvent | null;
}

export class WatchFanout {
  private buffer: Buffered[] = [];
  /** Every event after this revision is in `buffer` (or not yet read from storage). */
  private floor = 0;
  /** The revision up to which storage events have been dispatched. */
  processed = 0;
  private running = false;
  private closed = false;
  private readonly subs = new Set<Sub>();
  private abort: AbortController | undefined;
  private readonly bufferSize: number;
  private readonly queueLimit: number;
  private readonly logger: Logger;

  constructor(private readonly opts: WatchFanoutOptions) {
    this.bufferSize = opts.bufferSize ?? 2_000;
    this.queueLimit = opts.queueLimit ?? 100_000;
    this.logger = opts.logger ?? silentLogger();
  }

  /** Number of live subscriptions served from the shared watch (for tests and metrics). */
  get size(): number {
    return this.subs.size;
  }

  /** Starts the storage watch after `fromRevision`; returns at once. */
  start(fromRevision: number): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.floor = fromRevision;
    this.processed = fromRevision;
    this.buffer = [];
    this.abort = new AbortController();
    void this.pump(fromRevision, this.abort.signal);
  }

  private async pump(fromRevision: number, signal: AbortSignal): Promise<void> {
    try {
      for await (const ev of this.opts.backend.watch(this.opts.prefix, { fromRevision, signal })) {
        this.dispatch({ revision: ev.revision, key: ev.type === 'put' ? ev.kv.key : ev.key, raw: ev });
      }
    } catch (err) {
      if (!this.closed && !isClosed(err)) this.logger.warn({ err, prefix: this.opts.prefix }, 'storage watch failed; restarting');
    }
    this.running = false;
    for (const s of this.subs) s.end(new WatchOverflowError(0));
    this.subs.clear();
    if (this.closed || signal.aborted) return;
    await new Promise((r) => setTimeout(r, this.opts.restartDelayMs ?? 1000));
    if (this.closed) return;
    try {
      this.start(await this.opts.backend.currentRevision());
    } catch (err) {
      this.logger.error({ err, prefix: this.opts.prefix }, 'cannot restart storage watch');
      if (!this.closed) setTimeout(() => void this.restartLater(), this.opts.restartDelayMs ?? 1000);
    }
  }

  private async restartLater(): Promise<void> {
    if (this.closed || this.running) return;
    try {
      this.start(await this.opts.backend.currentRevision());
    } catch {
      if (!this.closed) setTimeout(() => void this.restartLater(), this.opts.restartDelayMs ?? 1000);
    }
  }

  /** The decoded event, decoding it on first use; null (logged once) when it does not decode. */
  private decoded(b: Buffered): ObjectEvent | null {
    if (b.decoded === undefined) {
      try {
        b.decoded = toObjectEvent(b.raw, this.opts.convert);
      } catch (err) {
        this.logger.error({ err, revision: b.revision }, 'skipping undecodable stored object in watch');
        b.decoded = null;
      }
    }
    return b.decoded;
  }

  private dispatch(ev: Buffered): void {
    this.buffer.push(ev);
    // Trimmed in batches (a quarter of the size at a time) so appends stay O(1) amortized.
    if (this.buffer.length > this.bufferSize + Math.ceil(this.bufferSize / 4)) {
      const dropped = this.buffer.length - this.bufferSize;
      this.floor = this.buffer[dropped - 1]?.revision ?? this.floor;
      this.buffer = this.buffer.slice(dropped);
    }
    this.processed = ev.revision;
    for (const s of this.subs) {
      if (ev.revision <= s.from || !ev.key.startsWith(s.keyPrefix)) continue;
      const oe = this.decoded(ev);
      if (oe === null) continue;
      if (s.queue.length >= this.queueLimit) {
        s.end(new WatchOverflowError(s.queue.length));
        this.subs.delete(s);
        continue;
      }
      s.push(oe);
    }
  }

  /**
   * Events after `fromRevision` under `keyPrefix` (which must start with the fan-out's prefix).
   * Served from memory when the buffer covers `fromRevision`, else by a storage watch of its own.
   */
  subscribe(keyPrefix: string, fromRevision: number, signal?: AbortSignal): Subscription {
    if (this.running && fromRevision >= this.floor) {
      const sub = new Sub(keyPrefix, fromRevision, this);
      for (const ev of this.buffer) {
        if (ev.revision <= fromRevision || !ev.key.startsWith(keyPrefix)) continue;
        const oe = this.decoded(ev);
        if (oe !== null) sub.queue.push(oe);
      }
      this.subs.add(sub);
      signal?.addEventListener('abort', () => sub.close(), { once: true });
      return sub;
    }
    return this.direct(keyPrefix, fromRevision, signal);
  }

  unsubscribe(sub: Sub): void {
    this.subs.delete(sub);
  }

  private direct(keyPrefix: string, fromRevision: number, signal: AbortSignal | undefined): Subscription {
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort(), { once: true });
    let yielded = fromRevision;
    const backend = this.opts.backend;
    const convert = this.opts.convert;
    return {
      progress: () => yielded,
      close: () => ac.abort(),
      async *[Symbol.asyncIterator]() {
        for await (const ev of backend.watch(keyPrefix, { fromRevision, signal: ac.signal })) {
          yielded = ev.revision;
          yield toObjectEvent(ev, convert);
        }
      },
    };
  }

  /** Stops the storage watch and ends every subscription. */
  close(): void {
    this.closed = true;
    this.abort?.abort();
    for (const s of this.subs) s.end();
    this.subs.clear();
  }
}
