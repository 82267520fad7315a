import type { KeyValue } from './types.js';

/** Stable codes of storage errors; safe to branch on (and to map to HTTP statuses). */
export type StorageErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Compacted'
  | 'FutureRevision'
  | 'TooLarge'
  | 'WatchOverflow'
  | 'Unavailable'
  | 'Closed';

/** Base class of every error a backend reports on purpose. */
export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  readonly code: StorageErrorCode;
  /** The key the operation was about, when there is one. */
  readonly key: string | undefined;

  constructor(code: StorageErrorCode, message: string, options?: { key?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.key = options?.key;
  }
}

/** The key does not exist (update, delete). */
export class NotFoundError extends StorageError {
  override readonly name = 'NotFoundError';
  constructor(key: string) {
    super('NotFound', `key ${JSON.stringify(key)} not found`, { key });
  }
}

/** create of a key that exists; `current` is what is stored. */
export class AlreadyExistsError extends StorageError {
  override readonly name = 'AlreadyExistsError';
  constructor(
    key: string,
    readonly current: KeyValue,
  ) {
    super('AlreadyExists', `key ${JSON.stringify(key)} already exists`, { key });
  }
}

/** A compare-and-swap lost: the key's modRevision is not the expected one. Retry from `current`. */
export class ConflictError extends StorageError {
  override readonly name = 'ConflictError';
  constructor(
    key: string,
    readonly expectedModRevision: number,
    readonly current: KeyValue,
  ) {
    super(
      'Conflict',
      `key ${JSON.stringify(key)} was modified: expected revision ${expectedModRevision}, found ${current.modRevision}`,
      { key },
    );
  }
}

/** The requested revision is older than the compaction point (Kubernetes: 410 Gone / Expired). */
export class CompactedError extends StorageError {
  override readonly name = 'CompactedError';
  constructor(
    readonly requestedRevision: number,
    /** The compaction point when known (0 when the backend did not say). */
    readonly compactRevision: number,
    options?: { cause?: unknown },
  ) {
    const at = compactRevision > 0 ? ` (compacted at ${compactRevision})` : '';
    super('Compacted', `revision ${requestedRevision} has been compacted${at}`, options);
  }
}

/** A read at a revision the store has not reached yet. */
export class FutureRevisionError extends StorageError {
  override readonly name = 'FutureRevisionError';
  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number,
    options?: { cause?: unknown },
  ) {
    const now = currentRevision > 0 ? ` (current ${currentRevision})` : '';
    super('FutureRevision', `revision ${requestedRevision} is in the future${now}`, options);
  }
}

/** A value over the backend's size limit (etcd's request limit is 1.5 MiB by default). */
export class TooLargeError extends StorageError {
  override readonly name = 'TooLargeError';
  constructor(key: string, size: number, limit: number, options?: { cause?: unknown }) {
    const sz = size >= 0 ? `${size} bytes` : 'the request';
    super('TooLarge', `value of ${JSON.stringify(key)} is too large: ${sz}, limit ${limit}`, { key, ...options });
  }
}

/** A watch whose consumer fell behind a remote stream by more than the buffer holds. */
export class WatchOverflowError extends StorageError {
  override readonly name = 'WatchOverflowError';
  constructor(readonly bufferedEvents: number) {
    super('WatchOverflow', `watch consumer too slow: ${bufferedEvents} events buffered`);
  }
}

/** The store could not be reached (no etcd member answered within the retry budget). */
export class UnavailableError extends StorageError {
  override readonly name = 'UnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('Unavailable', message, options);
  }
}

/** The backend was closed. */
export class ClosedError extends StorageError {
  override readonly name = 'ClosedError';
  constructor(kind: string) {
    super('Closed', `${kind} storage backend is closed`);
  }
}

/** True for a StorageError, optionally of the given code. */
export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const isNotFound = (err: unknown): err is NotFoundError => isStorageError(err, 'NotFound');
export const isAlreadyExists = (err: unknown): err is AlreadyExistsError => isStorageError(err, 'AlreadyExists');
export const isConflict = (err: unknown): err is ConflictError => isStorageError(err, 'Conflict');
export const isCompacted = (err: unknown): err is CompactedError => isStorageError(err, 'Compacted');
export const isFutureRevision = (err: unknown): err is FutureRevisionError => isStorageError(err, 'FutureRevision');
export const isTooLarge = (err: unknown): err is TooLargeError => isStorageError(err, 'TooLarge');
export const isWatchOverflow = (err: unknown): err is WatchOverflowError => isStorageError(err, 'WatchOverflow');
export const isUnavailable = (err: unknown): err is UnavailableError => isStorageError(err, 'Unavailable');
export const isClosed = (err: unknown): err is ClosedError => isStorageError(err, 'Closed');
