/**
 * The embedded default backend: one SQLite file holding a kine-style revision log (layout, indexes
 * and PRAGMAs in sqlite-schema.ts), read and written synchronously through better-sqlite3, so each
 * operation is one atomic step of this process.
 *
 * - Watches read the log itself (log-watch.ts), woken by an in-process notifier after each commit.
 * - Compaction keeps, per key, the newest row at or before the compaction point (so reads there
 *   still work) and every row after it; it runs every `compaction.intervalMs` (default 60 s,
 *   keeping the last 10,000 revisions) and deletes in chunks between which the event loop runs.
 * - TTL keys are deleted by a sweeper (a delete row and event like any delete).
 * - Restart: the revision continues from sqlite_sequence; every acknowledged write is in the WAL.
 */
import Database from 'better-sqlite3';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { every } from './async.js';
import { checkCompactionPolicy, startCompactor } from './compactor.js';
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
import {
  applyPragmas,
  migrate,
  prepareStatements,
  rowCreateRevision,
  rowEvent,
  rowKv,
  type LogRow,
  type Statements,
  type Synchronous,
} from './sqlite-schema.js';
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

export interface SqliteBackendOptions {
  /** The database file; created with its directory's permissions if missing. */
  path: string;
  /** Default `{ intervalMs: 60_000, retainRevisions: 10_000 }`; intervalMs 0 disables it. */
  compaction?: CompactionPolicy;
  /** 'NORMAL' (default: durable across process crashes) or 'FULL' (fsync per commit). */
  synchronous?: Synchronous;
  /** Largest value accepted, in UTF-8 bytes (default 1.5 MiB, as etcd). */
  maxValueBytes?: number;
  /** How often expired TTL keys are deleted (default 1000 ms). */
  ttlSweepIntervalMs?: number;
  /** How long to wait for the file lock held by another process before failing (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Revisions deleted per compaction transaction (default 5,000). */
  compactionChunk?: number;
  logger?: Logger;
}

export const DEFAULT_SQLITE_COMPACTION: CompactionPolicy = { intervalMs: 60_000, retainRevisions: 10_000 };

type NewRow = Omit<LogRow, 'id'>;

/** A SQLite-backed store; adds file-level introspection to Backend for tests and metrics. */
export interface SqliteBackend extends Backend {
  readonly path: string;
  /** Rows in the revision log (live keys + history + tombstones not yet compacted). */
  logRows(): number;
}

class SqliteStore implements SqliteBackend {
  readonly kind = 'sqlite';
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmt: Statements;
  private readonly appendTx: Database.Transaction<(decide: () => NewRow) => number>;
  private readonly hub: WatchHub;
  private readonly logger: Logger;
  private readonly maxValueBytes: number;
  private readonly chunk: number;
  private rev: number;
  private compacted: number;
  private purged: number;
  private purging: Promise<void> | undefined;
  private closed = false;
  private readonly compactor: { stop(): Promise<void> };
  private readonly ttlSweeper: { stop(): Promise<void> };

  constructor(opts: SqliteBackendOptions) {
    this.path = opts.path;
    this.logger = opts.logger ?? silentLogger();
    this.maxValueBytes = opts.maxValueBytes ?? k.DEFAULT_MAX_VALUE_BYTES;
    this.chunk = opts.compactionChunk ?? 5000;
    const compaction = opts.compaction ?? DEFAULT_SQLITE_COMPACTION;
    checkCompactionPolicy(compaction); // before opening, so a bad option leaves no open file
    this.db = new Database(opts.path, { timeout: opts.busyTimeoutMs ?? 5000 });
    try {
      applyPragmas(this.db, opts.synchronous ?? 'NORMAL');
      migrate(this.db);
      this.stmt = prepareStatements(this.db);
      this.appendTx = this.db.transaction((decide: () => NewRow) => Number(this.stmt.insert.run(decide()).lastInsertRowid));
      this.rev = this.stmt.sequence.get() ?? 1;
      this.compacted = this.stmt.getMeta.get('compact_revision') ?? 0;
      this.purged = this.stmt.getMeta.get('purged_revision') ?? 0;
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.hub = new WatchHub({ readAfter: (range, after, limit) => this.readAfter(range, after, limit) }, { kind: this.kind });
    this.compactor = startCompactor(this, compaction, this.logger);
    this.ttlSweeper = every(opts.ttlSweepIntervalMs ?? 1000, async () => this.expire());
    this.logger.info({ path: this.path, revision: this.rev, compacted: this.compacted }, 'opened sqlite storage');
  }

  async get(key: string, opts?: GetOptions): Promise<GetResult> {
    this.begin(opts);
    k.checkKey(key);
    const revision = k.readRevision(opts?.revision, this.rev, this.compacted);
    const row = this.stmt.at.get(key, revision);
    return { kv: row === undefined || row.deleted ? null : rowKv(row), revision };
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    this.begin(opts);
    const range = k.listRange(prefix, opts?.startKey);
    k.checkLimit(opts?.limit);
    const revision = k.readRevision(opts?.revision, this.rev, this.compacted);
    const limit = opts?.limit ?? -1; // SQLite: a negative LIMIT is no limit
    const stmt = range.end === '' ? this.stmt.listOpen : this.stmt.listBounded;
    const params = { start: range.start, rev: revision, limit: limit < 0 ? -1 : limit + 1, ...(range.end === '' ? {} : { end: range.end }) };
    const rows = stmt.all(params);
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const kvs = rows.map(rowKv);
    return more ? { kvs, revision, more, nextKey: k.keyAfter((kvs[kvs.length - 1] as KeyValue).key) } : { kvs, revision, more };
  }

  async create(key: string, value: string, opts?: WriteOptions): Promise<WriteResult> {
    this.begin(opts);
    this.checkWrite(key, value, opts?.ttlSeconds);
    const revision = this.write(key, () => {
      const latest = this.latest(key);
      if (latest !== undefined && !latest.deleted) throw new AlreadyExistsError(key, rowKv(latest));
      return {
        name: key,
        created: 1,
        deleted: 0,
        create_revision: 0,
        prev_revision: latest?.id ?? 0,
        expires_at: expiry(opts?.ttlSeconds),
        value,
        old_value: null,
      };
    });
    return { revision };
  }

  async update(key: string, value: string, opts: UpdateOptions): Promise<WriteResult> {
    this.begin(opts);
    this.checkWrite(key, value, opts.ttlSeconds);
    k.checkRevision(opts.expectedModRevision, 'expectedModRevision');
    const revision = this.write(key, () => {
      const latest = this.live(key, opts.expectedModRevision);
      return {
        name: key,
        created: 0,
        deleted: 0,
        create_revision: rowCreateRevision(latest),
        prev_revision: latest.id,
        expires_at: expiry(opts.ttlSeconds),
        value,
        old_value: latest.value,
      };
    });
    return { revision };
  }

  async delete(key: string, opts?: DeleteOptions): Promise<DeleteResult> {
    this.begin(opts);
    k.checkKey(key);
    if (opts?.expectedModRevision !== undefined) k.checkRevision(opts.expectedModRevision, 'expectedModRevision');
    let prevKv: KeyValue | undefined;
    const revision = this.write(key, () => {
      const latest = this.live(key, opts?.expectedModRevision);
      prevKv = rowKv(latest);
      return {
        name: key,
        created: 0,
        deleted: 1,
        create_revision: rowCreateRevision(latest),
        prev_revision: latest.id,
        expires_at: null,
        value: null,
        old_value: latest.value,
      };
    });
    if (prevKv === undefined) throw new Error('unreachable: delete without a previous value');
    return { revision, prevKv };
  }

  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent> {
    if (this.closed) throw new ClosedError(this.kind);
    return this.hub.watch(prefix, opts);
  }

  async compact(revision: number, opts?: OpOptions): Promise<void> {
    this.begin(opts);
    k.checkRevision(revision, 'revision');
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    if (revision > this.compacted) {
      // The new point is visible at once (reads and watches check it); rows go in chunks after.
      this.stmt.setMeta.run('compact_revision', revision);
      this.compacted = revision;
    }
    await this.purge();
  }

  async currentRevision(opts?: OpOptions): Promise<number> {
    this.begin(opts);
    return this.rev;
  }

  logRows(): number {
    if (this.closed) throw new ClosedError(this.kind);
    return this.stmt.rowCount.get() ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.close();
    await Promise.all([this.compactor.stop(), this.ttlSweeper.stop(), this.purging]);
    this.db.close();
    this.logger.info({ path: this.path, revision: this.rev }, 'closed sqlite storage');
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

  private latest(key: string): LogRow | undefined {
    return this.stmt.latest.get(key);
  }

  /** The key's current row, checked against the expected modRevision when given. */
  private live(key: string, expectedModRevision: number | undefined): LogRow {
    const latest = this.latest(key);
    if (latest === undefined || latest.deleted) throw new NotFoundError(key);
    if (expectedModRevision !== undefined && latest.id !== expectedModRevision) {
      throw new ConflictError(key, expectedModRevision, rowKv(latest));
    }
    return latest;
  }

  /**
   * Appends the row `decide` returns (it checks preconditions and throws to refuse) in one
   * transaction, then wakes the watches. A unique-index violation means another writer got to the
   * same previous row first (impossible while this process holds the file exclusively): deciding
   * again against the new state reports the precondition failure it is.
   */
  private write(key: string, decide: () => NewRow): number {
    let revision: number;
    let row: NewRow | undefined;
    try {
      revision = this.appendTx.immediate(() => (row = decide()));
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE') decide();
      throw err;
    }
    this.rev = revision;
    // Caught-up watches get the row just written as their event instead of reading it back.
    const written = row as NewRow;
    this.hub.notify(key, revision, () => rowEvent({ ...written, id: revision }));
    return revision;
  }

  private readAfter(range: k.KeyRange, after: number, limit: number): { events: WatchEvent[]; through: number } {
    if (after < this.compacted) throw new CompactedError(after, this.compacted);
    const stmt = range.end === '' ? this.stmt.readAfterOpen : this.stmt.readAfterBounded;
    const rows = stmt.all({ after, start: range.start, limit, ...(range.end === '' ? {} : { end: range.end }) });
    const events = rows.map(rowEvent);
    const last = rows[rows.length - 1];
    return { events, through: rows.length === limit && last !== undefined ? last.id : this.rev };
  }

  /** Deletes superseded rows up to the compaction point, a chunk per transaction. Single-flight. */
  private purge(): Promise<void> {
    this.purging ??= (async () => {
      try {
        while (!this.closed && this.purged < this.compacted) {
          const from = this.purged;
          const to = Math.min(this.compacted, from + this.chunk);
          this.db.transaction(() => {
            this.stmt.purgeSuperseded.run(from, to);
            this.stmt.purgeDeletes.run(from, to);
            this.stmt.setMeta.run('purged_revision', to);
          })();
          this.purged = to;
          await yieldToLoop();
        }
        if (!this.closed) this.vacuum();
      } finally {
        this.purging = undefined;
      }
    })();
    return this.purging;
  }

  /** Returns free pages to the file system once a quarter of the file is free. */
  private vacuum(): void {
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    if (free > 1024 && free * 4 > pages) this.db.pragma(`incremental_vacuum(${free})`);
  }

  /** Deletes keys whose TTL passed, unless they were written again since. */
  private async expire(): Promise<void> {
    if (this.closed) return;
    const rows = this.stmt.expired.all(Date.now());
    for (const row of rows) {
      await this.delete(row.name, { expectedModRevision: row.id }).catch((err: unknown) => {
        this.logger.debug({ err, key: row.name }, 'ttl expiry skipped');
      });
    }
  }
}

function expiry(ttlSeconds: number | undefined): number | null {
  return ttlSeconds === undefined ? null : Date.now() + ttlSeconds * 1000;
}

/** Opens (creating if needed) the store in `opts.path`. Synchronous: SQLite opens in microseconds. */
export function openSqliteBackend(opts: SqliteBackendOptions): SqliteBackend {
  return new SqliteStore(opts);
}
