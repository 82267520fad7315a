import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLAG_FIN, RstStatus, SETTINGS_INITIAL_WINDOW_SIZE } from './frames.js';
import { DEFAULT_WINDOW_SIZE, SpdySession, SpdyStreamResetError, type SpdySessionOptions } from './session.js';
import { connectToPeer, startTestPeer, type TestPeer } from './testing/peer.js';

function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString()));
    stream.on('error', reject);
  });
}

const tick = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SpdySession against a scripted peer', () => {
  let peer: TestPeer;
  let session: SpdySession;
  const open = async (opts?: SpdySessionOptions): Promise<SpdySession> => {
    session = new SpdySession(await connectToPeer(peer), opts);
    return session;
  };
  beforeEach(async () => {
    peer = await startTestPeer();
  });
  afterEach(async () => {
    session?.destroy();
    await peer.close();
  });

  it('opens odd-numbered streams with compressed headers and holds DATA until SYN_REPLY', async () => {
    await open();
    const a = session.openStream({ streamtype: 'error' });
    const b = session.openStream({ streamtype: 'stdin' });
    expect([a.id, b.id]).toEqual([1, 3]);
    b.write('early');
    const syn = await peer.waitFor((f) => f.type === 'SYN_STREAM' && f.streamId === 3);
    expect(syn.headers).toEqual({ streamtype: 'stdin' });
    await tick();
    expect(peer.dataBytes(3)).toBe(0);
    await peer.reply(3);
    await expect(b.reply).resolves.toEqual({});
    const data = await peer.waitFor((f) => f.type === 'DATA' && f.streamId === 3);
    expect(data.type === 'DATA' && data.data.toString()).toBe('early');
  });

  it('half-closes with an empty DATA+FIN and keeps reading until the peer FINs', async () => {
    await open();
    const s = session.openStream({ streamtype: 'stdin' });
    await peer.reply(1);
    s.end('last words');
    const fin = await peer.waitFor((f) => f.type === 'DATA' && (f.flags & FLAG_FIN) !== 0);
    expect(fin.type === 'DATA' && fin.data.length).toBe(0);
    const text = readAll(s);
    peer.send({ type: 'DATA', streamId: 1, flags: 0, data: Buffer.from('still ') });
    peer.send({ type: 'DATA', streamId: 1, flags: FLAG_FIN, data: Buffer.from('talking') });
    await expect(text).resolves.toBe('still talking');
    await tick();
    expect(session.openStreams).toBe(0);
    expect(peer.frames.some((f) => f.type === 'RST_STREAM')).toBe(false);
  });

  it('respects the peer window when told to, resuming on WINDOW_UPDATE and SETTINGS', async () => {
    await open({ respectPeerWindow: true, maxDataFrameSize: 8192 });
    const s = session.openStream({ streamtype: 'stdin' });
    await peer.reply(1);
    s.write(Buffer.alloc(200_000, 1));
    await peer.waitFor(() => peer.dataBytes(1) === DEFAULT_WINDOW_SIZE);
    await tick(50);
    expect(peer.dataBytes(1)).toBe(DEFAULT_WINDOW_SIZE);
    expect(peer.frames.filter((f) => f.type === 'DATA').every((f) => f.type === 'DATA' && f.data.length <= 8192)).toBe(true);
    peer.send({ type: 'WINDOW_UPDATE', streamId: 1, delta: 10_000 });
    await peer.waitFor(() => peer.dataBytes(1) === DEFAULT_WINDOW_SIZE + 10_000);
    // A larger initial window applies to open streams too, by the difference.
    peer.send({ type: 'SETTINGS', flags: 0, entries: [{ flags: 0, id: SETTINGS_INITIAL_WINDOW_SIZE, value: DEFAULT_WINDOW_SIZE + 1000 }] });
    await peer.waitFor(() => peer.dataBytes(1) === DEFAULT_WINDOW_SIZE + 11_000);
    peer.send({ type: 'WINDOW_UPDATE', streamId: 1, delta: 1_000_000 });
    await peer.waitFor(() => peer.dataBytes(1) === 200_000);
  });

  it("by default ('auto') keeps sending to a peer that never sends WINDOW_UPDATE, like Go's spdystream", async () => {
    await open();
    const s = session.openStream({ streamtype: 'stdin' });
    await peer.reply(1);
    s.end(Buffer.alloc(300_000, 2));
    await peer.waitFor((f) => f.type === 'DATA' && (f.flags & FLAG_FIN) !== 0);
    expect(peer.dataBytes(1)).toBe(300_000);
  });

  it('gives window back as the reader consumes, not before', async () => {
    await open();
    const s = session.openStream({ streamtype: 'stdout' });
    await peer.reply(1);
    s.pause();
    const chunk = Buffer.alloc(16_000, 3);
    for (let i = 0; i < 4; i++) peer.send({ type: 'DATA', streamId: 1, flags: 0, data: chunk });
    await tick(100);
    const acked = (): number => peer.frames.reduce((n, f) => (f.type === 'WINDOW_UPDATE' && f.streamId === 1 ? n + f.delta : n), 0);
    // Above the readable high-water mark nothing is read, so at most what Node buffered got acked.
    expect(acked()).toBeLessThanOrEqual(64_000 - s.readableLength);
    let read = 0;
    s.on('data', (c: Buffer) => (read += c.length));
    s.resume();
    await peer.waitFor(() => acked() >= 64_000 - DEFAULT_WINDOW_SIZE / 4);
    expect(read).toBe(64_000);
    expect(acked()).toBeLessThanOrEqual(64_000);
  });

  it('answers server PINGs and measures its own', async () => {
    await open();
    peer.send({ type: 'PING', id: 2 });
    await peer.waitFor((f) => f.type === 'PING' && f.id === 2);
    const rtt = session.ping();
    const ping = await peer.waitFor((f) => f.type === 'PING' && f.id % 2 === 1);
    peer.send({ type: 'PING', id: ping.type === 'PING' ? ping.id : 0 });
    expect(await rtt).toBeGreaterThanOrEqual(0);
  });

  it('ends the readable side after the data on RST CANCEL, and errors on other RST statuses', async () => {
    await open();
    const a = session.openStream({ streamtype: 'stdout' });
    const b = session.openStream({ streamtype: 'stderr' });
    await peer.reply(1);
    await peer.reply(3);
    peer.send({ type: 'DATA', streamId: 1, flags: 0, data: Buffer.from('final output') });
    peer.send({ type: 'RST_STREAM', streamId: 1, status: RstStatus.CANCEL });
    await expect(readAll(a)).resolves.toBe('final output');
    expect(a.resetStatus).toBe(RstStatus.CANCEL);
    a.write('ignored after the reset');
    peer.send({ type: 'RST_STREAM', streamId: 3, status: RstStatus.INTERNAL_ERROR });
    const err = await new Promise<Error>((resolve) => b.once('error', resolve));
    expect(err).toBeInstanceOf(SpdyStreamResetError);
    expect(err).toMatchObject({ status: RstStatus.INTERNAL_ERROR, code: 'SpdyStreamReset' });
  });

  it('resets a stream destroyed locally, refuses peer streams, and stops opening after GOAWAY', async () => {
    await open();
    const s = session.openStream({ streamtype: 'data' });
    await peer.reply(1);
    s.destroy();
    const rst = await peer.waitFor((f) => f.type === 'RST_STREAM' && f.streamId === 1);
    expect(rst.type === 'RST_STREAM' && rst.status).toBe(RstStatus.CANCEL);
    peer.send({ type: 'GOAWAY', lastGoodStreamId: 1, status: 0 });
    await new Promise((r) => session.once('goaway', r));
    expect(() => session.openStream({ streamtype: 'x' })).toThrow(/GOAWAY/);
  });

  it('ends every stream when the transport goes away and reports why', async () => {
    await open();
    const s = session.openStream({ streamtype: 'stdout' });
    await peer.reply(1);
    peer.send({ type: 'DATA', streamId: 1, flags: 0, data: Buffer.from('partial') });
    await tick();
    const closed = new Promise((r) => session.once('close', r));
    peer.hangUp(true);
    await closed;
    await expect(readAll(s)).resolves.toBe('partial');
    expect(session.isClosed).toBe(true);
    expect(session.closeError).toBeDefined();
    expect(() => session.openStream({ streamtype: 'x' })).toThrow(/closed/);
  });

  it('closes with GOAWAY on a protocol error from the peer', async () => {
    await open();
    const closed = new Promise<Error | undefined>((r) => session.once('close', r));
    // A SYN_REPLY whose header block is not valid zlib for our inflate context.
    peer.send({ type: 'SYN_REPLY', streamId: 1, flags: 0, headerBlock: Buffer.from('not zlib') });
    expect(await closed).toBeInstanceOf(Error);
    await peer.waitFor((f) => f.type === 'GOAWAY' && f.status === 1);
  });
});
