/**
 * The etcd3 client as the etcd backend uses it: connection options, one place that classifies
 * etcd3/gRPC errors, and the retry loop that turns a member going away into a short wait instead
 * of an error.
 */
import {
  ClientRuntimeError,
  Etcd3,
  EtcdLeaseInvalidError,
  EtcdWatchStreamEnded,
  GRPCAbortedError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCInternalError,
  GRPCResourceExhastedError,
  GRPCUnavailableError,
  GRPCUnknownError,
  type IKeyValue,
  type IOptions,
} from 'etcd3';
import type { Logger } from '../../lib/logger.js';
import { abortable, sleep } from './async.js';
import { StorageError, UnavailableError } from './errors.js';
import type { KeyValue } from './types.js';

type FaultPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/**
 * A global fault policy that runs the call once. The etcd3 default retries every recoverable error
 * three times inside the client, including after a write reached etcd and only its answer was lost;
 * the backend retries itself instead, where it knows whether a call was a write and can check
 * whether a retried write had in fact been applied. The per-host circuit breaker stays as it is.
 */
const runOnce: FaultPolicy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
  execute: async (fn, signal) => fn({ signal: signal ?? new AbortController().signal }),
};

export interface ClientOptions {
  endpoints: string[];
  /** Deadline of each unary call (ms). */
  callTimeoutMs: number;
  /** Largest gRPC message accepted (bytes); Kubernetes raises etcd's 4 MiB default to 2 GiB too. */
  maxReceiveMessageBytes: number;
}

export function createClient(opts: ClientOptions): Etcd3 {
  if (opts.endpoints.length === 0) throw new RangeError('etcd: at least one endpoint is required');
  return new Etcd3({
    hosts: opts.endpoints.map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`)),
    grpcOptions: {
      'grpc.max_receive_message_length': opts.maxReceiveMessageBytes,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + opts.callTimeoutMs }),
    faultHandling: { global: runOnce },
  });
}

const TRANSIENT_MESSAGES = [
  'etcdserver: no leader',
  'etcdserver: leader changed',
  'etcdserver: request timed out',
  'etcdserver: server stopped',
  'etcdserver: too many requests',
  'etcdserver: not capable',
];

const TRANSIENT_CLASSES = [
  GRPCUnavailableError,
  GRPCDeadlineExceededError,
  GRPCCancelledError,
  GRPCInternalError,
  GRPCUnknownError,
  GRPCAbortedError,
  EtcdWatchStreamEnded,
  EtcdLeaseInvalidError,
  ClientRuntimeError,
];

/**
 * True for failures another attempt (maybe on another member) can cure: no connection, deadline,
 * leader election, an open circuit breaker, an expired lease to be replaced.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof StorageError) return false;
  if (TRANSIENT_CLASSES.some((cls) => err instanceof cls)) return true;
  // Every member's circuit breaker is open (cockatiel's error, which etcd3 does not re-export).
  if (err.name === 'BrokenCircuitError' || err.constructor.name === 'BrokenCircuitError') return true;
  return TRANSIENT_MESSAGES.some((m) => err.message.includes(m));
}

export const isCompactedMessage = (err: unknown): boolean =>
  err instanceof Error && err.message.includes('required revision has been compacted');
export const isFutureRevisionMessage = (err: unknown): boolean =>
  err instanceof Error && err.message.includes('required revision is a future revision');
export const isTooLargeMessage = (err: unknown): boolean =>
  err instanceof Error &&
  (err.message.includes('request is too large') || err instanceof GRPCResourceExhastedError);

/**
 * True for transient failures that certainly left etcd untouched: the call never reached a member
 * (no connection, circuit open) or was refused before any proposal. Other transient failures of a
 * write (deadline, "request timed out", "leader changed", a dropped connection) are ambiguous:
 * the write may have been applied.
 */
function notApplied(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ClientRuntimeError || err instanceof EtcdLeaseInvalidError) return true;
  if (err.name === 'BrokenCircuitError' || err.constructor.name === 'BrokenCircuitError') return true;
  return ['No connection established', 'ECONNREFUSED', 'etcdserver: too many requests'].some((m) => err.message.includes(m));
}

export interface RetryOptions {
  /** Give up (UnavailableError) when no attempt succeeded for this long (ms). */
  retryTimeoutMs: number;
  logger: Logger;
}

export interface Attempt {
  /** 1 for the first call. */
  n: number;
  /** An earlier attempt failed in a way that may have applied it (see `notApplied`). */
  maybeApplied: boolean;
}

/**
 * Runs `op` until it succeeds, fails for good, or transient failures have lasted `retryTimeoutMs`
 * (then `UnavailableError`). A write told `maybeApplied` may find its own earlier attempt done.
 * Backoff 50 ms doubling to 1 s; aborting stops at once.
 */
export async function withRetry<T>(
  what: string,
  opts: RetryOptions,
  signal: AbortSignal | undefined,
  op: (attempt: Attempt) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + opts.retryTimeoutMs;
  let delay = 50;
  let maybeApplied = false;
  for (let n = 1; ; n++) {
    signal?.throwIfAborted();
    try {
      return await abortable(op({ n, maybeApplied }), signal);
    } catch (err) {
      if (signal?.aborted || !isTransient(err)) throw err;
      maybeApplied ||= !notApplied(err);
      if (Date.now() + delay > deadline) {
        throw new UnavailableError(`etcd: ${what} failed for ${opts.retryTimeoutMs} ms: ${(err as Error).message}`, { cause: err });
      }
      opts.logger.debug({ err, attempt: n, what }, 'etcd call failed, retrying');
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 1000);
    }
  }
}

/** Keys of the backend are stored under `keyPrefix` (a namespace); this maps both ways. */
export class KeyCodec {
  constructor(private readonly keyPrefix: string) {}

  encode(key: string): Buffer {
    return Buffer.from(this.keyPrefix + key, 'utf8');
  }

  decode(key: Buffer): string {
    return key.toString('utf8').slice(this.keyPrefix.length);
  }

  kv(raw: IKeyValue): KeyValue {
    return {
      key: this.decode(raw.key),
      value: raw.value.toString('utf8'),
      createRevision: Number(raw.create_revision),
      modRevision: Number(raw.mod_revision),
    };
  }
}
