/**
 * The storage contract of the API server, shaped like etcd v3: a flat, ordered key space of string
 * keys (`/registry/pods/default/web-1`) and string values (objects as JSON text), versioned by one
 * global revision that every write increments by exactly one.
 *
 * Contracts shared by every implementation (and checked by `runBackendContract`):
 * - Revisions are positive safe integers, strictly increasing, shared across keys; a fresh store is
 *   at revision 1 and its first write gets revision 2 (as in etcd). Reads never change the revision.
 * - Keys are compared by Unicode code point (= UTF-8 byte order, etcd's order). A prefix is a plain
 *   string prefix: `/registry/pods/` does not match `/registry/podtemplates/x`, `/registry/pods`
 *   does. Callers end resource prefixes with `/`.
 * - Every method is async, takes an optional `signal`, and rejects with `signal.reason` when it is
 *   aborted. For remote backends aborting stops the waiting, not a write the server already got.
 * - Errors are `StorageError`s with a stable `code` (see errors.ts); bad arguments are `RangeError`s.
 */

/** One key at one revision. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision of the write that created this incarnation of the key. */
  readonly createRevision: number;
  /** Revision of the last write to the key: the object's resourceVersion. */
  readonly modRevision: number;
}

export interface OpOptions {
  signal?: AbortSignal;
}

export interface ReadOptions extends OpOptions {
  /**
   * Read the store as it was at this revision. Must be >= the compaction point (else
   * `CompactedError`) and <= the current revision (else `FutureRevisionError`). Default (or 0, as
   * in etcd): the current revision.
   */
  revision?: number;
}

export type GetOptions = ReadOptions;

export interface GetResult {
  /** The key's value at the read revision; null when absent (never written, deleted or expired). */
  kv: KeyValue | null;
  /** The revision the read observed: `opts.revision` when given, else the current revision. */
  revision: number;
}

export interface ListOptions extends ReadOptions {
  /** At most this many keys (a positive integer). Default: all of them. */
  limit?: number;
  /**
   * First key to return (inclusive); must start with the listed prefix. To continue a paginated
   * list pass the previous page's `nextKey` here and its `revision` as `revision`.
   */
  startKey?: string;
}

export interface ListResult {
  /** Live keys under the prefix, in key order. */
  kvs: KeyValue[];
  /** The revision every page of this list is consistent at (see GetResult.revision). */
  revision: number;
  /** True when `limit` cut the list short. */
  more: boolean;
  /** When `more`: the `startKey` of the next page. */
  nextKey?: string;
}

export interface WriteOptions extends OpOptions {
  /**
   * Expire the key this many seconds after this write: the store then deletes it, with a revision
   * and a `delete` watch event like any delete (Kubernetes' event TTL). A write without it makes
   * the key permanent again (as an etcd put without a lease). Expiry is best effort: it happens
   * at or after the deadline, within about a second on the embedded stores; on etcd the lease is
   * shared by writes with the same TTL for up to min(5% of the TTL, 60 s), so keys may outlive
   * their TTL by that much (Kubernetes' lease reuse).
   */
  ttlSeconds?: number;
}

export interface UpdateOptions extends WriteOptions {
  /** Compare-and-swap: the write happens only if the key's modRevision is this. */
  expectedModRevision: number;
}

export interface DeleteOptions extends OpOptions {
  /** When given, the delete happens only if the key's modRevision is this. */
  expectedModRevision?: number;
}

export interface WriteResult {
  /** The revision of this write: the key's new modRevision. */
  revision: number;
}

export interface DeleteResult {
  revision: number;
  /** The value that was deleted. */
  prevKv: KeyValue;
}

export interface WatchOptions {
  /**
   * Deliver every change with a revision strictly greater than this: pass the `revision` of a list
   * or get to see exactly the changes that followed it. Must not be older than the compaction point.
   */
  fromRevision: number;
  /** Ends the iteration (without an error) when aborted. */
  signal?: AbortSignal;
}

/**
 * A change to one key. Events of one watch arrive in revision order, each exactly once, without
 * gaps. Puts of an existing key and deletes carry the previous value (Kubernetes needs it to filter
 * and to report DELETED objects).
 */
export type WatchEvent =
  | { type: 'put'; revision: number; kv: KeyValue; prevKv: KeyValue | null }
  | { type: 'delete'; revision: number; key: string; prevKv: KeyValue };

/**
 * The storage backend. Implementations: memory (unit tests), SQLite (embedded default), etcd (HA).
 */
export interface Backend {
  /** 'memory' | 'sqlite' | 'etcd', for logs and metrics. */
  readonly kind: string;

  get(key: string, opts?: GetOptions): Promise<GetResult>;

  /** Keys starting with `prefix` at one revision, paginated when `limit` is given. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;

  /** Creates the key; `AlreadyExistsError` (carrying the current kv) if it exists. */
  create(key: string, value: string, opts?: WriteOptions): Promise<WriteResult>;

  /**
   * Replaces the value if the key's modRevision is `expectedModRevision`; else `ConflictError`
   * carrying the current kv (to retry from); `NotFoundError` if the key does not exist.
   */
  update(key: string, value: string, opts: UpdateOptions): Promise<WriteResult>;

  /** Deletes the key (guarded when `expectedModRevision` is given); `NotFoundError` if absent. */
  delete(key: string, opts?: DeleteOptions): Promise<DeleteResult>;

  /**
   * Changes to keys starting with `prefix` after `fromRevision`. Bad arguments (RangeError) and a
   * closed backend (ClosedError) throw at once; the watch itself starts at the first `next()`
   * (`fromRevision` fixes what it sees, so when does not matter). Errors end the iteration:
   * `CompactedError` when the history needed is gone (also when a consumer falls so far behind
   * that the compaction passes it), `WatchOverflowError` when a remote stream outpaces a slow
   * consumer beyond the buffer, `UnavailableError`, `ClosedError`. Consumers re-list on any of
   * them. Breaking out of the loop or aborting the signal releases the watch.
   */
  watch(prefix: string, opts: WatchOptions): AsyncIterable<WatchEvent>;

  /**
   * Discards history before `revision`: reads at older revisions and watches from older revisions
   * fail with `CompactedError` afterwards. Compacting to or below the current compaction point is
   * a no-op; beyond the current revision is a `FutureRevisionError`.
   */
  compact(revision: number, opts?: OpOptions): Promise<void>;

  /** The revision of the last write (1 for a fresh store). */
  currentRevision(opts?: OpOptions): Promise<number>;

  /** Stops timers, ends watches with `ClosedError` and releases the store. Idempotent. */
  close(): Promise<void>;
}

/** Periodic compaction, as the Kubernetes API server does it for etcd. */
export interface CompactionPolicy {
  /** How often to compact, in ms; 0 disables periodic compaction. */
  intervalMs: number;
  /** Revisions of history to keep behind the current one: each run compacts to `current - retainRevisions`. */
  retainRevisions: number;
}
