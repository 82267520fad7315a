/**
 * The storage layer of the API server: one etcd-shaped `Backend` contract (revisioned get / list /
 * create / compare-and-swap update / delete / watch from a revision / compact, with TTLs) and its
 * three implementations. The API server sees only this entry. Every implementation passes the
 * shared suite in contract.ts (`runBackendContract`, test-only and not exported here).
 */
export type * from './types.js';
export {
  AlreadyExistsError,
  ClosedError,
  CompactedError,
  ConflictError,
  FutureRevisionError,
  NotFoundError,
  StorageError,
  TooLargeError,
  UnavailableError,
  WatchOverflowError,
  isAlreadyExists,
  isClosed,
  isCompacted,
  isConflict,
  isFutureRevision,
  isNotFound,
  isStorageError,
  isTooLarge,
  isUnavailable,
  isWatchOverflow,
  type StorageErrorCode,
} from './errors.js';
export { createMemoryBackend, type MemoryBackendOptions } from './memory.js';
export { openSqliteBackend, DEFAULT_SQLITE_COMPACTION, type SqliteBackend, type SqliteBackendOptions } from './sqlite.js';
export { createEtcdBackend, DEFAULT_ETCD_COMPACTION, type EtcdBackendOptions } from './etcd.js';
