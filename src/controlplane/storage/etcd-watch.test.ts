import type { Etcd3, IEvent, IKeyValue, IWatchRequest, IWatchResponse } from 'etcd3';
import { GRPCUnavailableError, GRPCInvalidArgumentError } from 'etcd3';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.js';
import { isCompacted, isUnavailable, isWatchOverflow } from './errors.js';
import { KeyCodec, withRetry, type Attempt } from './etcd-client.js';
import { etcdWatch, type EtcdWatchContext } from './etcd-watch.js';
import type { WatchEvent } from './types.js';

/** A gRPC watch stream the test drives by hand. */
class FakeStream extends EventEmitter {
  readonly requests: IWatchRequest[] = [];
  canceled = false;
  write(req: IWatchRequest): void {
    this.requests.push(req);
  }
  end(): void {}
  cancel(): void {
    this.canceled = true;
  }
  /** The start_revision this stream was opened at. */
  get start(): string {
    return String(this.requests[0]?.create_request?.start_revision);
  }
}

const kv = (key: string, value: string, create: number, mod: number): IKeyValue => ({
  key: Buffer.from(key),
  value: Buffer.from(value),
  create_revision: String(create),
  mod_revision: String(mod),
  version: '1',
  lease: '0',
});
const put = (key: string, value: string, create: number, mod: number, prev?: IKeyValue): IEvent =>
  ({ type: 'Put', kv: kv(key, value, create, mod), prev_kv: prev }) as IEvent;
const response = (events: IEvent[], extra: Partial<IWatchResponse> = {}): IWatchResponse => ({
  header: { cluster_id: '1', member_id: '1', revision: '0', raft_term: '1' },
  watch_id: '0',
  created: false,
  canceled: false,
  compact_revision: '0',
  cancel_reason: '',
  fragment: false,
  events,
  ...extra,
});

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('etcd watch stream', () => {
  const streams: FakeStream[] = [];
  const ac = new AbortController();
  const ctx = (overrides: Partial<EtcdWatchContext> = {}): EtcdWatchContext => ({
    client: {
      watchClient: {
        watch: async () => {
          const s = new FakeStream();
          streams.push(s);
          return s;
        },
      },
    } as unknown as Etcd3,
    codec: new KeyCodec('/ns'),
    logger: silentLogger(),
    retryTimeoutMs: 5000,
    maxBufferedEvents: 100,
    track: () => () => undefined,
    ...overrides,
  });
  const range = { key: Buffer.from('/ns/registry/pods/'), end: Buffer.from('/ns/registry/pods0') };
  afterEach(() => {
    streams.length = 0;
  });

  it('resumes after a broken stream from the last event + 1 and drops what it already delivered', async () => {
    const it = etcdWatch(ctx(), range, 10, ac.signal)[Symbol.asyncIterator]();
    const first = it.next();
    await until(() => streams.length === 1, 'the first stream');
    const s1 = streams[0] as FakeStream;
    expect(s1.start).toBe('11');
    s1.emit('data', response([], { created: true }));
    const a11 = kv('/ns/registry/pods/a', 'v1', 11, 11);
    s1.emit('data', response([put('/ns/registry/pods/a', 'v1', 11, 11), put('/ns/registry/pods/a', 'v2', 11, 12, a11)]));
    expect((await first).value).toMatchObject({ type: 'put', revision: 11, kv: { key: '/registry/pods/a', value: 'v1' }, prevKv: null });
    expect((await it.next()).value).toMatchObject({ revision: 12, prevKv: { value: 'v1', modRevision: 11 } });

    s1.emit('error', new Error('member went away'));
    await until(() => streams.length === 2, 'the resumed stream');
    const s2 = streams[1] as FakeStream;
    expect(s1.canceled).toBe(true);
    expect(s2.start).toBe('13');
    const a12 = kv('/ns/registry/pods/a', 'v2', 11, 12);
    s2.emit('data', response([put('/ns/registry/pods/a', 'v2', 11, 12, a11), put('/ns/registry/pods/a', 'v3', 11, 13, a12)]));
    // A late event from the dead stream is ignored.
    s1.emit('data', response([put('/ns/registry/pods/x', 'stale', 14, 14)]));
    const next = (await it.next()).value as WatchEvent;
    expect(next).toMatchObject({ revision: 13, kv: { value: 'v3' } });
    await it.return(undefined);
    expect(s2.canceled).toBe(true);
  });

  it('a progress notification moves the resume point', async () => {
    const stop = new AbortController();
    const it = etcdWatch(ctx(), range, 10, stop.signal)[Symbol.asyncIterator]();
    const pending = it.next();
    await until(() => streams.length === 1, 'the first stream');
    const s1 = streams[0] as FakeStream;
    s1.emit('data', response([], { header: { cluster_id: '1', member_id: '1', revision: '50', raft_term: '1' } }));
    s1.emit('end');
    await until(() => streams.length === 2, 'the resumed stream');
    expect((streams[1] as FakeStream).start).toBe('51');
    // Aborting ends a watch that is waiting for events.
    stop.abort();
    expect((await pending).done).toBe(true);
    expect((streams[1] as FakeStream).canceled).toBe(true);
  });

  it('ends with Compacted when etcd cancels for compaction or an old value is gone', async () => {
    const it = etcdWatch(ctx(), range, 10, ac.signal)[Symbol.asyncIterator]();
    const pending = it.next();
    await until(() => streams.length === 1, 'the stream');
    (streams[0] as FakeStream).emit('data', response([], { created: true }));
    (streams[0] as FakeStream).emit('data', response([], { canceled: true, compact_revision: '40' }));
    const err: unknown = await pending.then(() => undefined, (e: unknown) => e);
    expect(isCompacted(err)).toBe(true);

    const it2 = etcdWatch(ctx(), range, 10, ac.signal)[Symbol.asyncIterator]();
    const pending2 = it2.next();
    await until(() => streams.length === 2, 'the second stream');
    // An update without its previous value: etcd could not read it any more.
    (streams[1] as FakeStream).emit('data', response([put('/ns/registry/pods/a', 'v2', 11, 12)]));
    expect(isCompacted(await pending2.then(() => undefined, (e: unknown) => e))).toBe(true);
  });

  it('a consumer that falls too far behind gets every buffered event, then WatchOverflow', async () => {
    const it = etcdWatch(ctx({ maxBufferedEvents: 3 }), range, 10, ac.signal)[Symbol.asyncIterator]();
    const pending = it.next();
    await until(() => streams.length === 1, 'the stream');
    const events = [11, 12, 13, 14, 15].map((r) => put(`/ns/registry/pods/p${r}`, 'v', r, r));
    (streams[0] as FakeStream).emit('data', response(events));
    const got: number[] = [((await pending).value as WatchEvent).revision];
    for (let i = 0; i < 4; i++) got.push(((await it.next()).value as WatchEvent).revision);
    expect(got).toEqual([11, 12, 13, 14, 15]);
    expect(isWatchOverflow(await it.next().then(() => undefined, (e: unknown) => e))).toBe(true);
  });

  it('gives up with Unavailable when the stream cannot be re-established in time', async () => {
    const failing = {
      watchClient: { watch: async () => Promise.reject(new GRPCUnavailableError('connect ECONNREFUSED')) },
    } as unknown as Etcd3;
    const it = etcdWatch(ctx({ client: failing, retryTimeoutMs: 250 }), range, 10, ac.signal)[Symbol.asyncIterator]();
    expect(isUnavailable(await it.next().then(() => undefined, (e: unknown) => e))).toBe(true);
  });
});

describe('etcd call retries', () => {
  const opts = { retryTimeoutMs: 2000, logger: silentLogger() };

  it('retries transient failures and passes the attempt number', async () => {
    const attempts: Attempt[] = [];
    const result = await withRetry('test', opts, undefined, async (attempt) => {
      attempts.push(attempt);
      if (attempt.n === 1) throw new GRPCUnavailableError('14 UNAVAILABLE: No connection established');
      if (attempt.n === 2) throw new GRPCUnavailableError('etcdserver: leader changed');
      return 'ok';
    });
    expect(result).toBe('ok');
    // Refused connections cannot have applied a write; a leader change may have.
    expect(attempts).toEqual([
      { n: 1, maybeApplied: false },
      { n: 2, maybeApplied: false },
      { n: 3, maybeApplied: true },
    ]);
  });

  it('does not retry other errors, and turns lasting failures into Unavailable', async () => {
    let calls = 0;
    await expect(
      withRetry('test', opts, undefined, async () => {
        calls++;
        throw new GRPCInvalidArgumentError('etcdserver: request is too large');
      }),
    ).rejects.toThrow(/too large/);
    expect(calls).toBe(1);
    const err = await withRetry('test', { ...opts, retryTimeoutMs: 200 }, undefined, async () => {
      throw new GRPCUnavailableError('connect ECONNREFUSED');
    }).catch((e: unknown) => e);
    expect(isUnavailable(err)).toBe(true);
  });
});
