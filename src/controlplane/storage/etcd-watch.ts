/**
 * One storage watch = one etcd gRPC watch stream, resumed on another member when its stream
 * breaks. The etcd3 client's own Watcher is not used: on reconnect it resumes from the header
 * revision of the last response, which for a watch still catching up is the store's current
 * revision, not the last event sent, so a break during catch-up would skip events. This one
 * resumes from the last event it received + 1 and drops anything at or below it, so the consumer
 * sees every event exactly once across any number of reconnects.
 *
 * etcd pushes; events wait in a buffer for the consumer. A consumer that lets more than
 * `maxBufferedEvents` pile up gets `WatchOverflowError` after the buffered ones (never a gap).
 */
import type { Etcd3, IEvent, IWatchResponse } from 'etcd3';
import type { Logger } from '../../lib/logger.js';
import { CompactedError, UnavailableError, WatchOverflowError } from './errors.js';
import type { KeyCodec } from './etcd-client.js';
import type { WatchEvent } from './types.js';

export interface EtcdWatchContext {
  client: Etcd3;
  codec: KeyCodec;
  logger: Logger;
  /** Give up (UnavailableError) when the stream cannot be re-established for this long. */
  retryTimeoutMs: number;
  maxBufferedEvents: number;
  /** Registers a function that ends the watch with an error (for close()); returns its unregister. */
  track(fail: (err: Error) => void): () => void;
}

type WatchStream = Awaited<ReturnType<Etcd3['watchClient']['watch']>>;

/** Maps an etcd event; null when its previous value is gone (compacted before it was sent). */
function toEvent(codec: KeyCodec, ev: IEvent): WatchEvent | null {
  const revision = Number(ev.kv.mod_revision);
  const prevKv = ev.prev_kv ? codec.kv(ev.prev_kv) : null;
  if (ev.type === 'Delete') {
    return prevKv === null ? null : { type: 'delete', revision, key: codec.decode(ev.kv.key), prevKv };
  }
  const kv = codec.kv(ev.kv);
  if (prevKv === null && kv.createRevision !== kv.modRevision) return null;
  return { type: 'put', revision, kv, prevKv };
}

export async function* etcdWatch(
  ctx: EtcdWatchContext,
  range: { key: Buffer; end: Buffer },
  fromRevision: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<WatchEvent> {
  const buffer: WatchEvent[] = [];
  let head = 0;
  let failure: Error | undefined;
  let wakeConsumer: (() => void) | undefined;
  /** Every event up to here has been received (buffered or delivered). */
  let received = fromRevision;
  let stream: WatchStream | undefined;
  let failingSince = 0;
  let backoff = 100;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const wake = (): void => {
    const w = wakeConsumer;
    wakeConsumer = undefined;
    w?.();
  };
  const dropStream = (): void => {
    const s = stream;
    stream = undefined;
    s?.cancel();
  };
  const fail = (err: Error): void => {
    failure ??= err;
    clearTimeout(retryTimer);
    dropStream();
    wake();
  };

  const onResponse = (s: WatchStream, res: IWatchResponse): void => {
    if (s !== stream || failure !== undefined) return;
    if (res.canceled) {
      const compactRevision = Number(res.compact_revision);
      if (compactRevision > 0) return fail(new CompactedError(received, compactRevision));
      return onBroken(s, new Error(`etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`));
    }
    if (res.created) {
      failingSince = 0;
      backoff = 100;
      return;
    }
    if (res.events.length === 0) {
      // Progress notification: etcd sends them only to watchers that have been sent everything.
      received = Math.max(received, Number(res.header.revision));
      return;
    }
    let last = received;
    for (const raw of res.events) {
      const revision = Number(raw.kv.mod_revision);
      if (revision <= received) continue; // already delivered before a reconnect
      const ev = toEvent(ctx.codec, raw);
      if (ev === null) return fail(new CompactedError(revision - 1, 0));
      buffer.push(ev);
      last = revision;
    }
    received = last;
    if (buffer.length - head > ctx.maxBufferedEvents) fail(new WatchOverflowError(buffer.length - head));
    wake();
  };

  const onBroken = (s: WatchStream | undefined, err: unknown): void => {
    if (s !== stream || failure !== undefined || stopped) return;
    dropStream();
    failingSince ||= Date.now();
    if (Date.now() - failingSince > ctx.retryTimeoutMs) {
      return fail(new UnavailableError(`etcd watch could not be re-established for ${ctx.retryTimeoutMs} ms`, { cause: err }));
    }
    ctx.logger.debug({ err, resumeAt: received + 1, backoffMs: backoff }, 'etcd watch stream broke, resuming');
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 2000);
  };

  function connect(): void {
    if (stopped || failure !== undefined) return;
    ctx.client.watchClient.watch().then(
      (s) => {
        if (stopped || failure !== undefined) return s.cancel();
        stream = s;
        s.on('data', (res) => onResponse(s, res));
        s.on('error', (err) => onBroken(s, err));
        s.on('end', () => onBroken(s, new Error('etcd watch stream ended')));
        s.write({
          create_request: { key: range.key, range_end: range.end, start_revision: String(received + 1), prev_kv: true, progress_notify: true },
        });
      },
      (err: unknown) => {
        stream = undefined;
        onBroken(undefined, err);
      },
    );
  }

  const untrack = ctx.track(fail);
  signal?.addEventListener('abort', wake, { once: true });
  try {
    if (signal?.aborted) return;
    connect();
    for (;;) {
      while (head < buffer.length) {
        if (signal?.aborted) return;
        const ev = buffer[head] as WatchEvent;
        head++;
        if (head > 1024 && head * 2 > buffer.length) {
          buffer.splice(0, head);
          head = 0;
        }
        yield ev;
      }
      if (signal?.aborted) return;
      if (failure !== undefined) throw failure;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    stopped = true;
    clearTimeout(retryTimer);
    dropStream();
    untrack();
    signal?.removeEventListener('abort', wake);
  }
}
