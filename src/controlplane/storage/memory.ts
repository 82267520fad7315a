/**
 * In-memory backend for unit tests of the API server: the same semantics as the real backends
 * (one global revision, per-key history, a revision log with compaction, TTLs, watches from a
 * revision), nothing persisted. Operations are synchronous underneath, so each is atomic.
 */
import { silentLogger, type Logger } from '../../lib/logger.js';
import { every } from './async.js';
import { startCompactor } from './compactor.js';
import {
  AlreadyExistsError,
  ClosedError,
  CompactedError,
  ConflictError,
  FutureRevisionError,
  NotFoundError,
  TooLargeError,
} from './errors.js';
import * as k from './keys.js';
import { WatchHub } from './log-watch.js';
import type {
  Backend,
  CompactionPolicy,
  DeleteOptions,
  DeleteResult,
  GetOptions,
  GetResult,
  KeyValue,
  ListOptions,
  ListResult,
  OpOptions,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from './types.js';

export interface MemoryBackendOptions {
  /** Periodic compaction; default none (call `compact` explicitly). */
  compaction?: CompactionPolicy;
  /** Largest value accepted, in UTF-8 bytes (default 1.5 MiB, etcd's default request limit). */
  maxValueBytes?: number;
  /** How often expired TTL keys are deleted (default 1000 ms). */
  ttlSweepIntervalMs?: number;
  logger?: Logger;
}

/** A key's value as of a revision; null marks a delete. */
interface Version {
  readonly rev: number;
  readonly kv: KeyValue | null;
}

class MemoryBackend implements Backend {
  readonly kind = 'memory';
  private rev = 1;
  private compacted = 0;
  private closed = false;
  /** Per key, ascending by revision; trimmed by compaction. */
  private readonly history = new Map<string, Version[]>();
  /** Keys of `history`, sorted by compareKeys. */
  private readonly sortedKeys: string[] = [];
  /** Every event after the compaction point, ascending. */
  private log: WatchEvent[] = [];
  /** TTL keys: deadline (ms since epoch) and the revision that set it. */
  private readonly expiries = new Map<string, { at: number; rev: number }>();
  private ttlSweeper: { stop(): Promise<void> } | undefined;
  private readonly hub: WatchHub;
  private readonly compactor: { stop(): Promise<void> };
  private readonly maxValueBytes: number;
  private readonly logger: Logger;

  constructor(private readonly opts: MemoryBackendOptions) {
    this.maxValueBytes = opts.maxValueBytes ?? k.DEFAULT_MAX_VALUE_BYTES;
    this.logger = opts.logger ?? silentLogger();
    this.hub = new WatchHub({ readAfter: (range, after, limit) => this.readAfter(range, after, limit) }, { kind: this.kind });
    this.compactor = startCompactor(this, opts.compaction ?? { intervalMs: 0, retainRevisions: 1 }, this.logger);
  }

  async get(key: string, opts?: GetOptions): Promise<GetResult> {
    this.begin(opts);
    k.checkKey(key);
    const revision = k.readRevision(opts?.revision, this.rev, this.compacted);
    return { kv: this.at(key, revision), revision };
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    this.begin(opts);
    const range = k.listRange(prefix, opts?.startKey);
    k.checkLimit(opts?.limit);
    const revision = k.readRevision(opts?.revision, this.rev, this.compacted);
    const limit = opts?.limit ?? Infinity;
    const kvs: KeyValue[] = [];
    for (let i = this.lowerBound(range.start); i < this.sortedKeys.length; i++) {
      const key = this.sortedKeys[i] as string;
      if (!k.inRange(key, range)) break;
      const kv = this.at(key, revision);
      if (kv === null) continue;
      if (kvs.length === limit) return { kvs, revision, more: true, nextKey: k.keyAfter((kvs[kvs.length - 1] as KeyValue).key) };
      kvs.push(kv);
    }
    return { kvs, revision, more: false };
  }

  async create(key: string, value: string, opts?: WriteOptions): Promise<WriteResult> {
    this.begin(opts);
    this.checkWrite(key, value, opts?.ttlSeconds);
    const current = this.at(key, this.rev);
    if (current !== null) throw new AlreadyExistsError(key, current);
    return { revision: this.put(key, value, null, opts?.ttlSeconds) };
  }

  async update(key: string, value: string, opts: UpdateOptions): Promise<WriteResult> {
    this.begin(opts);
    this.checkWrite(key, value, opts.ttlSeconds);
    k.checkRevision(opts.expectedModRevision, 'expectedModRevision');
    const current = this.at(key, this.rev);
    if (current === null) throw new NotFoundError(key);
    if (current.modRevision !== opts.expectedModRevision) throw new ConflictError(key, opts.expectedModRevision, current);
    return { revision: this.put(key, value, current, opts.ttlSeconds) };
  }

  async delete(key: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.begin(opts);
    k.checkKey(key);
    if (opts?.expectedModRevision !== undefined) k.checkRevision(opts.expectedModRevision, 'expectedModRevision');
    const current = this.at(key, this.rev);
    if (current === null) throw new NotFoundError(key);
    if (opts?.expectedModRevision !== undefined && current.modRevision !== opts.expectedModRevision) {
      throw new ConflictError(key, opts.expectedModRevision, current);
    }
    const revision = this.append(key, null, (rev) => ({ type: 'delete', revision: rev, key, prevKv: current }));
    this.expiries.delete(key);
    return { revision, prevKv: current };
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    if (this.closed) throw new ClosedError(this.kind);
    return this.hub.watch(prefix, opts);
  }

  async compact(revision: number, opts?: OpOptions): Promise<void> {
    this.begin(opts);
    k.checkRevision(revision, 'revision');
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    if (revision <= this.compacted) return;
    this.compacted = revision;
    // Keep, per key, the last version at or before the compaction point (a read there needs it)
    // unless it is a delete; drop the rest of the older history.
    for (const [key, versions] of this.history) {
      let keep = versions.length;
      while (keep > 0 && (versions[keep - 1] as Version).rev > revision) keep--;
      if (keep === 0) continue;
      const base = versions[keep - 1] as Version;
      const from = base.kv === null ? keep : keep - 1;
      if (from > 0) versions.splice(0, from);
      if (versions.length === 0) this.forget(key);
    }
    let drop = 0;
    while (drop < this.log.length && (this.log[drop] as WatchEvent).revision <= revision) drop++;
    this.log = this.log.slice(drop);
  }

  async currentRevision(opts?: OpOptions): Promise<number> {
    this.begin(opts);
    return this.rev;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.close();
    await this.compactor.stop();
    await this.ttlSweeper?.stop();
  }

  private begin(opts: OpOptions | undefined): void {
    if (this.closed) throw new ClosedError(this.kind);
    opts?.signal?.throwIfAborted();
  }

  private checkWrite(key: string, value: string, ttlSeconds: number | undefined): void {
    k.checkKey(key);
    k.checkValue(value);
    k.checkTtl(ttlSeconds);
    const size = k.utf8Size(value, this.maxValueBytes);
    if (size > this.maxValueBytes) throw new TooLargeError(key, size, this.maxValueBytes);
  }

  /** The key's value at `revision` (which must not be compacted away). */
  private at(key: string, revision: number): KeyValue | null {
    const versions = this.history.get(key);
    if (versions === undefined) return null;
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i] as Version;
      if (v.rev <= revision) return v.kv;
    }
    return null;
  }

  private put(key: string, value: string, prev: KeyValue | null, ttlSeconds: number | undefined): number {
    const revision = this.rev + 1;
    const kv: KeyValue = { key, value, createRevision: prev?.createRevision ?? revision, modRevision: revision };
    this.append(key, kv, () => ({ type: 'put', revision, kv, prevKv: prev }));
    if (ttlSeconds === undefined) this.expiries.delete(key);
    else {
      this.expiries.set(key, { at: Date.now() + ttlSeconds * 1000, rev: revision });
      this.ttlSweeper ??= every(this.opts.ttlSweepIntervalMs ?? 1000, async () => this.expire());
    }
    return revision;
  }

  /** Records the next revision: `kv` (null for a delete) in the key's history, `event` in the log. */
  private append(key: string, kv: KeyValue | null, event: (revision: number) => WatchEvent): number {
    const revision = ++this.rev;
    let versions = this.history.get(key);
    if (versions === undefined) {
      versions = [];
      this.history.set(key, versions);
      this.sortedKeys.splice(this.lowerBound(key), 0, key);
    }
    versions.push({ rev: revision, kv });
    const ev = event(revision);
    this.log.push(ev);
    this.hub.notify(key, revision, () => ev);
    return revision;
  }

  private forget(key: string): void {
    this.history.delete(key);
    const i = this.lowerBound(key);
    if (this.sortedKeys[i] === key) this.sortedKeys.splice(i, 1);
  }

  /** Index of the first sorted key >= `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (k.compareKeys(this.sortedKeys[mid] as string, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private readAfter(range: k.KeyRange, after: number, limit: number): { events: WatchEvent[]; through: number } {
    if (after < this.compacted) throw new CompactedError(after, this.compacted);
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.log[mid] as WatchEvent).revision <= after) lo = mid + 1;
      else hi = mid;
    }
    const events: WatchEvent[] = [];
    for (let i = lo; i < this.log.length; i++) {
      const ev = this.log[i] as WatchEvent;
      if (!k.inRange(ev.type === 'put' ? ev.kv.key : ev.key, range)) continue;
      events.push(ev);
      if (events.length === limit) return { events, through: ev.revision };
    }
    return { events, through: this.rev };
  }

  /** Deletes keys whose TTL passed, unless they were written again since. */
  private async expire(): Promise<void> {
    const now = Date.now();
    for (const [key, { at, rev }] of this.expiries) {
      if (at > now) continue;
      this.delete(key, { expectedModRevision: rev }).catch((err: unknown) => {
        this.logger.debug({ err, key }, 'ttl expiry skipped');
      });
    }
  }
}

/** An in-memory backend; see MemoryBackendOptions. */
export function createMemoryBackend(opts: MemoryBackendOptions = {}): Backend {
  return new MemoryBackend(opts);
}
