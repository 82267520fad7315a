/**
 * The HA backend: etcd v3 through the `etcd3` client, with one etcd key per storage key (under an
 * optional `keyPrefix` namespace) and etcd's own revisions.
 *
 * - create = txn(if create_revision == 0 then put else get); update = txn(if mod_revision ==
 *   expected then put else get); a guarded delete likewise. Failed comparisons carry the current kv.
 * - list pages through etcd (`listPageSize` keys per range, continuing at key + "\0") at the
 *   revision of the first page, so a list of any size stays under gRPC message limits.
 * - Calls go to any member; a transient failure (member down, leader election, deadline) is
 *   retried on another member for up to `retryTimeoutMs`, then reported as `UnavailableError`.
 *   A write retried after an ambiguous failure (deadline, leader change: it may have been applied)
 *   that then finds its own value in place succeeds, for create and update (another writer storing
 *   the very same bytes meanwhile is not told apart; for API objects with uids and timestamps it
 *   does not happen). A delete in that case reports NotFound. Failures that certainly did not
 *   reach etcd (connection refused, circuit open) are retried without that reconciliation.
 * - TTLs are leases shared per TTL (etcd-leases.ts); watches are etcd watch streams resumed
 *   gap-free across member failures (etcd-watch.ts).
 */
import { EtcdLeaseInvalidError, type Etcd3, type IKeyValue, type IRequestOp, type ITxnResponse } from 'etcd3';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { startCompactor } from './compactor.js';
import {
  createClient,
  isCompactedMessage,
  isFutureRevisionMessage,
  isTooLargeMessage,
  KeyCodec,
  withRetry,
  type Attempt,
} from './etcd-client.js';
import { LeaseCache } from './etcd-leases.js';
import { etcdWatch } from './etcd-watch.js';
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

export interface EtcdBackendOptions {
  /** Client URLs of the members (`http://10.0.0.1:2379` or `10.0.0.1:2379`). */
  endpoints: string[];
  /** Namespace prepended to every key in etcd (default ''); lets clusters or tests share an etcd. */
  keyPrefix?: string;
  /** Deadline of each call to a member (default 5000 ms). */
  callTimeoutMs?: number;
  /** How long transient failures are retried before `UnavailableError` (default 15,000 ms). */
  retryTimeoutMs?: number;
  /** Keys per range request when listing (default 500). */
  listPageSize?: number;
  /** Largest value accepted, in UTF-8 bytes (default 1.5 MiB = etcd's default request limit). */
  maxValueBytes?: number;
  /** Largest gRPC message accepted (default 2 GiB - 1, as the Kubernetes API server). */
  maxReceiveMessageBytes?: number;
  /** Events a watch buffers for a slow consumer before failing with WatchOverflowError (default 10,000). */
  maxBufferedEvents?: number;
  /**
   * Periodic compaction; default `{ intervalMs: 300_000, retainRevisions: 10_000 }` (Kubernetes
   * compacts every 5 min). Several API servers compacting one etcd is harmless. 0 disables it.
   */
  compaction?: CompactionPolicy;
  logger?: Logger;
}

export const DEFAULT_ETCD_COMPACTION: CompactionPolicy = { intervalMs: 300_000, retainRevisions: 10_000 };

const NUL = Buffer.from([0]);

class EtcdBackend implements Backend {
  readonly kind = 'etcd';
  private readonly client: Etcd3;
  private readonly codec: KeyCodec;
  private readonly keyPrefix: string;
  private readonly logger: Logger;
  private readonly retry: { retryTimeoutMs: number; logger: Logger };
  private readonly pageSize: number;
  private readonly maxValueBytes: number;
  private readonly leases: LeaseCache;
  private readonly watches = new Set<(err: Error) => void>();
  private readonly compactor: { stop(): Promise<void> };
  private closed = false;

  constructor(private readonly opts: EtcdBackendOptions) {
    this.keyPrefix = opts.keyPrefix ?? '';
    this.codec = new KeyCodec(this.keyPrefix);
    this.logger = opts.logger ?? silentLogger();
    this.retry = { retryTimeoutMs: opts.retryTimeoutMs ?? 15_000, logger: this.logger };
    this.pageSize = opts.listPageSize ?? 500;
    k.checkLimit(this.pageSize);
    this.maxValueBytes = opts.maxValueBytes ?? k.DEFAULT_MAX_VALUE_BYTES;
    this.client = createClient({
      endpoints: opts.endpoints,
      callTimeoutMs: opts.callTimeoutMs ?? 5000,
      maxReceiveMessageBytes: opts.maxReceiveMessageBytes ?? 2 ** 31 - 1,
    });
    this.leases = new LeaseCache(async (ttl) => (await this.client.leaseClient.leaseGrant({ TTL: ttl })).ID);
    this.compactor = startCompactor(this, opts.compaction ?? DEFAULT_ETCD_COMPACTION, this.logger);
  }

  async get(key: string, opts?: GetOptions): Promise<GetResult> {
    this.begin(opts);
    k.checkKey(key);
    const requested = this.readRevision(opts?.revision);
    const res = await this.call('get', opts, () => this.client.kv.range({ key: this.codec.encode(key), revision: requested }), requested);
    const raw = res.kvs[0];
    return { kv: raw === undefined ? null : this.codec.kv(raw), revision: requested || Number(res.header.revision) };
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    this.begin(opts);
    const range = k.listRange(prefix, opts?.startKey);
    k.checkLimit(opts?.limit);
    let revision = this.readRevision(opts?.revision);
    const limit = opts?.limit ?? Infinity;
    const end = this.rangeEnd(prefix);
    let start = this.codec.encode(range.start);
    const kvs: KeyValue[] = [];
    for (;;) {
      const pageLimit = Math.min(this.pageSize, limit - kvs.length);
      const res = await this.call(
        'list',
        opts,
        () => this.client.kv.range({ key: start, range_end: end, limit: pageLimit, revision }),
        revision,
      );
      revision ||= Number(res.header.revision);
      for (const raw of res.kvs) kvs.push(this.codec.kv(raw));
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || last === undefined) return { kvs, revision, more: false };
      if (kvs.length >= limit) return { kvs, revision, more: true, nextKey: k.keyAfter(this.codec.decode(last.key)) };
      start = Buffer.concat([last.key, NUL]);
    }
  }

  async create(key: string, value: string, opts?: WriteOptions): Promise<WriteResult> {
    this.begin(opts);
    this.checkWrite(key, value, opts?.ttlSeconds);
    const ekey = this.codec.encode(key);
    return this.write('create', key, opts, opts?.ttlSeconds, async (attempt) => {
      const put = await this.putOp(ekey, value, opts?.ttlSeconds);
      const res = await this.client.kv.txn({
        compare: [{ key: ekey, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [put],
        failure: [{ request_range: { key: ekey } }],
      });
      if (res.succeeded) return { revision: Number(res.header.revision) };
      const current = this.currentOf(res);
      if (current === null) throw new Error(`etcd: create of ${key} failed its comparison but the key is absent`);
      // A retry finding the value it wrote after an ambiguous failure: that attempt was applied.
      if (attempt.maybeApplied && current.value === value) return { revision: current.createRevision };
      throw new AlreadyExistsError(key, current);
    });
  }

  async update(key: string, value: string, opts: UpdateOptions): Promise<WriteResult> {
    this.begin(opts);
    this.checkWrite(key, value, opts.ttlSeconds);
    k.checkRevision(opts.expectedModRevision, 'expectedModRevision');
    const expected = opts.expectedModRevision;
    const ekey = this.codec.encode(key);
    return this.write('update', key, opts, opts.ttlSeconds, async (attempt) => {
      const put = await this.putOp(ekey, value, opts.ttlSeconds);
      const res = await this.client.kv.txn({
        // mod_revision is 0 for an absent key, so "== expected" alone could create it.
        compare: [
          { key: ekey, target: 'Mod', result: 'Equal', mod_revision: expected },
          { key: ekey, target: 'Create', result: 'Greater', create_revision: 0 },
        ],
        success: [put],
        failure: [{ request_range: { key: ekey } }],
      });
      if (res.succeeded) return { revision: Number(res.header.revision) };
      const current = this.currentOf(res);
      if (current === null) throw new NotFoundError(key);
      if (attempt.maybeApplied && current.value === value && current.modRevision > expected) return { revision: current.modRevision };
      throw new ConflictError(key, expected, current);
    });
  }

  async delete(key: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.begin(opts);
    k.checkKey(key);
    const expected = opts?.expectedModRevision;
    if (expected !== undefined) k.checkRevision(expected, 'expectedModRevision');
    const ekey = this.codec.encode(key);
    return this.write('delete', key, opts, undefined, async () => {
      const res = await this.client.kv.txn({
        compare: [
          { key: ekey, target: 'Create', result: 'Greater', create_revision: 0 },
          ...(expected === undefined ? [] : [{ key: ekey, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expected }]),
        ],
        success: [{ request_delete_range: { key: ekey, prev_kv: true } }],
        failure: [{ request_range: { key: ekey } }],
      });
      if (res.succeeded) {
        const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
        if (prev === undefined) throw new NotFoundError(key);
        return { revision: Number(res.header.revision), prevKv: this.codec.kv(prev) };
      }
      const current = this.currentOf(res);
      if (current === null) throw new NotFoundError(key);
      throw new ConflictError(key, expected ?? 0, current);
    });
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    if (this.closed) throw new ClosedError(this.kind);
    k.checkKey(prefix, 'prefix');
    k.checkRevision(opts.fromRevision, 'fromRevision');
    const ctx = {
      client: this.client,
      codec: this.codec,
      logger: this.logger,
      retryTimeoutMs: this.retry.retryTimeoutMs,
      maxBufferedEvents: this.opts.maxBufferedEvents ?? 10_000,
      track: (fail: (err: Error) => void) => {
        this.watches.add(fail);
        return () => this.watches.delete(fail);
      },
    };
    return etcdWatch(ctx, { key: this.codec.encode(prefix), end: this.rangeEnd(prefix) }, opts.fromRevision, opts.signal);
  }

  async compact(revision: number, opts?: OpOptions): Promise<void> {
    this.begin(opts);
    k.checkRevision(revision, 'revision');
    try {
      await withRetry('compact', this.retry, opts?.signal, () => this.client.kv.compact({ revision, physical: false }));
    } catch (err) {
      if (isCompactedMessage(err)) return; // at or below the current compaction point: nothing to do
      if (isFutureRevisionMessage(err)) throw new FutureRevisionError(revision, 0, { cause: err });
      throw err;
    }
  }

  async currentRevision(opts?: OpOptions): Promise<number> {
    this.begin(opts);
    const res = await this.call('currentRevision', opts, () => this.client.kv.range({ key: NUL, limit: 1, keys_only: true }), 0);
    return Number(res.header.revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fail of this.watches) fail(new ClosedError(this.kind));
    await this.compactor.stop();
    this.client.close();
  }

  private begin(opts: OpOptions | undefined): void {
    if (this.closed) throw new ClosedError(this.kind);
    opts?.signal?.throwIfAborted();
  }

  private readRevision(revision: number | undefined): number {
    if (revision === undefined) return 0;
    k.checkRevision(revision, 'revision');
    return revision;
  }

  private checkWrite(key: string, value: string, ttlSeconds: number | undefined): void {
    k.checkKey(key);
    k.checkValue(value);
    k.checkTtl(ttlSeconds);
    const size = k.utf8Size(value, this.maxValueBytes);
    if (size > this.maxValueBytes) throw new TooLargeError(key, size, this.maxValueBytes);
  }

  /** End of the etcd range holding every key under `prefix` ("\0" = no end, as etcd spells it). */
  private rangeEnd(prefix: string): Buffer {
    const end = k.prefixEnd(this.keyPrefix + prefix);
    return end === '' ? NUL : Buffer.from(end, 'utf8');
  }

  /** A read, retried; etcd's revision errors mapped. */
  private async call<T>(what: string, opts: OpOptions | undefined, op: () => Promise<T>, revision: number): Promise<T> {
    try {
      return await withRetry(what, this.retry, opts?.signal, op);
    } catch (err) {
      if (this.closed) throw new ClosedError(this.kind);
      if (isCompactedMessage(err)) throw new CompactedError(revision, 0, { cause: err });
      if (isFutureRevisionMessage(err)) throw new FutureRevisionError(revision, 0, { cause: err });
      throw err;
    }
  }

  /** A write, retried (see the module comment on retried writes). */
  private async write<T>(
    what: string,
    key: string,
    opts: OpOptions | undefined,
    ttlSeconds: number | undefined,
    op: (attempt: Attempt) => Promise<T>,
  ): Promise<T> {
    const attempt = async (a: Attempt): Promise<T> => {
      try {
        return await op(a);
      } catch (err) {
        // The shared lease expired or was revoked: the retry gets a new one.
        if (ttlSeconds !== undefined && err instanceof EtcdLeaseInvalidError) this.leases.invalidate(ttlSeconds);
        throw err;
      }
    };
    try {
      return await withRetry(`${what} ${key}`, this.retry, opts?.signal, attempt);
    } catch (err) {
      if (this.closed) throw new ClosedError(this.kind);
      if (isTooLargeMessage(err)) throw new TooLargeError(key, -1, this.maxValueBytes, { cause: err });
      throw err;
    }
  }

  private async putOp(ekey: Buffer, value: string, ttlSeconds: number | undefined): Promise<IRequestOp> {
    const put = { key: ekey, value: Buffer.from(value, 'utf8') };
    if (ttlSeconds === undefined) return { request_put: put };
    return { request_put: { ...put, lease: await this.leases.get(ttlSeconds) } };
  }

  private currentOf(res: ITxnResponse): KeyValue | null {
    const raw: IKeyValue | undefined = res.responses[0]?.response_range.kvs[0];
    return raw === undefined ? null : this.codec.kv(raw);
  }
}

/** A backend on the etcd cluster at `opts.endpoints`. Connects lazily: errors surface per call. */
export function createEtcdBackend(opts: EtcdBackendOptions): Backend {
  return new EtcdBackend(opts);
}
