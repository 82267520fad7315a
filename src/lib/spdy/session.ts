import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { HeaderCodec } from './compression.js';
import {
  decodeFrames,
  encodeFrame,
  FLAG_FIN,
  GoAwayStatus,
  RstStatus,
  SETTINGS_INITIAL_WINDOW_SIZE,
  type Frame,
  type SpdyHeaders,
} from './frames.js';

/** SPDY/3 default per-stream window, on both sides, until SETTINGS say otherwise. */
export const DEFAULT_WINDOW_SIZE = 64 * 1024;
const MAX_WINDOW_SIZE = 0x7fffffff;

export interface SpdySessionOptions {
  logger?: Logger;
  /** Largest DATA payload we send in one frame. Default 16 KiB; must be 1..16 MiB-1. */
  maxDataFrameSize?: number;
  /**
   * Whether our sending side waits for the peer's WINDOW_UPDATEs.
   * - true: the spec; a stream stalls once it has sent the peer's window.
   * - 'auto' (default): as true once the peer has sent any WINDOW_UPDATE; until then a stream that
   *   exhausted its window keeps sending. Go's spdystream (containerd's streaming server, kubelet,
   *   kubectl) never sends WINDOW_UPDATE and does no flow control: with `true`, stdin of an exec
   *   into containerd stalls for good after 64 KiB (seen against containerd 1.6).
   * - false: never wait.
   */
  respectPeerWindow?: boolean | 'auto';
}

/** Error of a stream the peer reset (RST_STREAM with a status other than CANCEL). */
export class SpdyStreamResetError extends Error {
  readonly code = 'SpdyStreamReset';
  constructor(
    readonly streamId: number,
    readonly status: number,
  ) {
    super(`SPDY stream ${streamId} reset by peer (status ${status})`);
  }
}

/** The session's transport failed or was closed while the stream was open. */
export class SpdySessionClosedError extends Error {
  readonly code = 'SpdySessionClosed';
}

type Waiter = { resolve: () => void; reject: (err: Error) => void };

/**
 * One client-initiated SPDY stream as a Node Duplex.
 *
 * Contract:
 * - Writes are held until the peer's SYN_REPLY arrives (Go's spdystream drops DATA that reaches a
 *   stream before it replied), then split into DATA frames within the peer's window.
 * - `end()` sends an empty DATA frame with FLAG_FIN: a half-close; the readable side keeps going.
 * - The readable side ends on the peer's FIN, on RST_STREAM CANCEL (what Kubernetes servers send
 *   when they tear a finished session down, after the last data) and when the transport ends
 *   cleanly; data already received is still delivered first.
 * - Any other RST_STREAM status destroys the stream with SpdyStreamResetError: attach an 'error'
 *   listener. A failed transport ends streams like a clean EOF; see `SpdySession.closeError`.
 * - WINDOW_UPDATEs go out as the consumer reads, so a slow reader slows the peer.
 */
export class SpdyStream extends Duplex {
  /** Headers of the peer's SYN_REPLY and later HEADERS frames. */
  readonly replyHeaders: SpdyHeaders = {};
  /** Resolves with the SYN_REPLY headers; rejects if the stream dies first. */
  readonly reply: Promise<SpdyHeaders>;
  /** RST_STREAM status received from the peer, if any. */
  resetStatus: number | undefined;

  private replied = false;
  private resolveReply!: (h: SpdyHeaders) => void;
  private rejectReply!: (err: Error) => void;
  private sendWindow: number;
  private windowWaiters: Waiter[] = [];
  private unacked = 0;
  private localFin = false;
  private remoteFin = false;
  /** The peer no longer accepts data: writes complete without sending. */
  private sendClosed = false;

  constructor(
    readonly id: number,
    readonly headers: SpdyHeaders,
    private readonly session: SpdySession,
    initialSendWindow: number,
  ) {
    super({ allowHalfOpen: true });
    this.sendWindow = initialSendWindow;
    this.reply = new Promise<SpdyHeaders>((resolve, reject) => {
      this.resolveReply = resolve;
      this.rejectReply = reject;
    });
    // Callers that never await the reply must not see an unhandled rejection.
    this.reply.catch(() => undefined);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.sendData(chunk).then(
      () => cb(),
      (err: Error) => (this.sendClosed ? cb() : cb(err)),
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.sendFin().then(
      () => cb(),
      (err: Error) => (this.sendClosed ? cb() : cb(err)),
    );
  }

  override _read(): void {
    this.giveBackWindow();
  }

  /**
   * Every consumption path (read(), flowing mode, pipe) goes through read(): the place to learn
   * that buffered bytes left. `_read` alone is not enough: Node stops calling it until the next push.
   */
  override read(size?: number): ReturnType<Duplex['read']> {
    const chunk: ReturnType<Duplex['read']> = super.read(size);
    this.giveBackWindow();
    return chunk;
  }

  /**
   * Sends WINDOW_UPDATE for what the consumer has taken, in batches of at least a quarter window:
   * few frames, and the peer never sees less than three quarters of its window while we keep up.
   */
  private giveBackWindow(): void {
    const consumed = this.unacked - this.readableLength;
    if (consumed < DEFAULT_WINDOW_SIZE / 4 || this.remoteFin || this.session.isClosed) return;
    this.unacked -= consumed;
    this.session.sendFrame({ type: 'WINDOW_UPDATE', streamId: this.id, delta: consumed });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const open = !(this.localFin && this.remoteFin) && this.resetStatus === undefined;
    if (open && !this.session.isClosed) this.session.sendFrame({ type: 'RST_STREAM', streamId: this.id, status: RstStatus.CANCEL });
    this.failWaiters(err ?? new SpdySessionClosedError(`SPDY stream ${this.id} closed`));
    this.session.forget(this.id);
    cb(err);
  }

  private async sendData(chunk: Buffer): Promise<void> {
    if (!this.replied) await this.reply;
    let off = 0;
    while (off < chunk.length && !this.sendClosed) {
      if (this.sendWindow <= 0) {
        if (this.session.shouldIgnoreWindow()) this.sendWindow = MAX_WINDOW_SIZE;
        else await new Promise<void>((resolve, reject) => this.windowWaiters.push({ resolve, reject }));
        continue;
      }
      const n = Math.min(chunk.length - off, this.sendWindow, this.session.maxDataFrameSize);
      this.sendWindow -= n;
      await this.session.sendFrameAndDrain({ type: 'DATA', streamId: this.id, flags: 0, data: chunk.subarray(off, off + n) });
      off += n;
    }
  }

  private async sendFin(): Promise<void> {
    if (!this.replied) await this.reply;
    if (this.sendClosed || this.localFin) return;
    this.localFin = true;
    await this.session.sendFrameAndDrain({ type: 'DATA', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
  }

  private failWaiters(err: Error): void {
    const waiters = this.windowWaiters;
    this.windowWaiters = [];
    for (const w of waiters) w.reject(err);
    if (!this.replied) this.rejectReply(err);
  }

  /** @internal */
  onReply(headers: SpdyHeaders, fin: boolean): void {
    if (this.replied) return;
    Object.assign(this.replyHeaders, headers);
    this.replied = true;
    this.resolveReply(this.replyHeaders);
    if (fin) this.onRemoteFin();
  }

  /** @internal */
  onHeaders(headers: SpdyHeaders, fin: boolean): void {
    Object.assign(this.replyHeaders, headers);
    this.emit('headers', headers);
    if (fin) this.onRemoteFin();
  }

  /** @internal */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteFin || this.destroyed) return;
    if (data.length > 0) {
      this.unacked += data.length;
      this.push(data);
      // A reader that keeps up consumed it during push(): acknowledge at once.
      this.giveBackWindow();
    }
    if (fin) this.onRemoteFin();
  }

  /** @internal */
  onWindowUpdate(delta: number): void {
    this.sendWindow = Math.min(MAX_WINDOW_SIZE, this.sendWindow + delta);
    const waiters = this.windowWaiters;
    this.windowWaiters = [];
    for (const w of waiters) w.resolve();
  }

  /** @internal SETTINGS changed the initial window: shift the current one by the difference. */
  adjustWindow(delta: number): void {
    if (delta > 0) this.onWindowUpdate(delta);
    else this.sendWindow += delta;
  }

  /** @internal */
  onReset(status: number): void {
    this.resetStatus = status;
    if (status === RstStatus.CANCEL) this.closeGracefully(new SpdySessionClosedError(`SPDY stream ${this.id} cancelled by peer`));
    else this.destroy(new SpdyStreamResetError(this.id, status));
  }

  /**
   * @internal The peer is gone without an error (RST CANCEL, transport EOF, GOAWAY): deliver what
   * was received, end the readable side, and let pending and later writes complete unsent.
   */
  closeGracefully(reason: Error): void {
    this.sendClosed = true;
    const waiters = this.windowWaiters;
    this.windowWaiters = [];
    for (const w of waiters) w.resolve();
    if (!this.replied) this.rejectReply(reason);
    if (!this.remoteFin) {
      this.remoteFin = true;
      this.push(null);
    }
    this.session.forget(this.id);
    // Nobody will ever write to or read more from this stream: free it once the reader has seen
    // the end (or right away if the readable side already finished).
    if (this.readableEnded) this.destroy();
    else this.once('end', () => this.destroy());
  }

  private onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
  }
}

/**
 * A SPDY/3.1 client session over a connected Duplex (usually the socket of an HTTP upgrade).
 * Opens streams with odd ids, answers PINGs, honours SETTINGS_INITIAL_WINDOW_SIZE and GOAWAY, and
 * refuses peer-initiated streams (Kubernetes never pushes).
 *
 * Events: 'close' (err?: Error) once the transport is gone; 'goaway' (lastGoodStreamId, status).
 * Session-level flow control of SPDY/3.1 (WINDOW_UPDATE on stream 0) is accepted but not enforced:
 * Go's SPDY/3 framer, used by every Kubernetes peer, has none.
 */
export class SpdySession extends EventEmitter {
  readonly maxDataFrameSize: number;
  private readonly log: Logger;
  private readonly codec = new HeaderCodec();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly pings = new Map<number, { start: bigint; resolve: (ms: number) => void; reject: (e: Error) => void }>();
  private readonly respectPeerWindow: boolean | 'auto';
  private nextStreamId = 1;
  private nextPingId = 1;
  private peerInitialWindow = DEFAULT_WINDOW_SIZE;
  private peerSentWindowUpdate = false;
  private inbuf: Buffer = Buffer.alloc(0);
  /**
   * Header blocks go through async zlib, yet frames must leave and be handled in order: while a
   * compression (or inflation) is pending, later frames queue behind it on these chains.
   */
  private outChain: Promise<void> = Promise.resolve();
  private outQueued = 0;
  private inChain: Promise<void> = Promise.resolve();
  private goneAway = false;
  private closed = false;
  private drainWaiters: Waiter[] = [];
  /** Why the transport went away, if it failed; undefined while open or after a clean close. */
  closeError: Error | undefined;

  constructor(
    private readonly socket: Duplex,
    opts: SpdySessionOptions = {},
  ) {
    super();
    this.log = opts.logger ?? silentLogger();
    const size = opts.maxDataFrameSize ?? 16 * 1024;
    if (!Number.isInteger(size) || size < 1 || size > 0xffffff) throw new RangeError(`maxDataFrameSize must be 1..16777215, got ${size}`);
    this.maxDataFrameSize = size;
    this.respectPeerWindow = opts.respectPeerWindow ?? 'auto';
    socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    // Frames are handled in order on a promise chain (header blocks inflate asynchronously): a
    // transport that ends right after its last frames (containerd closes once the exit status is
    // written) must shut the session down only after those frames were delivered.
    const transportGone = (err: Error | undefined): void => void this.inChain.then(() => this.shutdown(err));
    socket.on('end', () => transportGone(undefined));
    socket.on('close', () => transportGone(undefined));
    socket.on('error', (err: Error) => transportGone(err));
    socket.on('drain', () => this.wakeDrainWaiters());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Number of streams not yet fully closed. */
  get openStreams(): number {
    return this.streams.size;
  }

  /**
   * Sends SYN_STREAM and returns the stream at once; writes wait for the SYN_REPLY (`stream.reply`).
   * `fin: true` opens it half-closed (nothing to send).
   */
  openStream(headers: SpdyHeaders, opts: { fin?: boolean; priority?: number } = {}): SpdyStream {
    if (this.closed) throw new SpdySessionClosedError('SPDY session is closed');
    if (this.goneAway) throw new SpdySessionClosedError('SPDY session received GOAWAY: no new streams');
    const id = this.nextStreamId;
    if (id > 0x7fffffff) throw new SpdySessionClosedError('SPDY stream ids exhausted');
    this.nextStreamId += 2;
    const stream = new SpdyStream(id, headers, this, this.peerInitialWindow);
    this.streams.set(id, stream);
    void this.enqueue(async () => ({
      type: 'SYN_STREAM',
      streamId: id,
      associatedStreamId: 0,
      priority: opts.priority ?? 0,
      slot: 0,
      flags: opts.fin ? FLAG_FIN : 0,
      headerBlock: await this.codec.compress(headers),
    }));
    if (opts.fin) stream.end();
    return stream;
  }

  /** Round trip time in ms of a PING; rejects if the session closes first. */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(new SpdySessionClosedError('SPDY session is closed'));
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 2) % 0x7fffffff;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { start: process.hrtime.bigint(), resolve, reject });
      this.sendFrame({ type: 'PING', id });
    });
  }

  /** Sends GOAWAY, ends the transport and closes every stream. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.sendFrame({ type: 'GOAWAY', lastGoodStreamId: 0, status: GoAwayStatus.OK });
    this.socket.end();
    this.shutdown(undefined);
  }

  /** Tears the transport down at once; `err` becomes `closeError` and the 'close' argument. */
  destroy(err?: Error): void {
    this.shutdown(err);
    this.socket.destroy();
  }

  /** @internal Sends a frame in order after any queued ones; fire and forget. */
  sendFrame(frame: Frame): void {
    if (this.outQueued === 0) this.writeNow(frame);
    else void this.enqueue(async () => frame);
  }

  /** @internal Sends a frame and waits while the transport's buffer is full. */
  async sendFrameAndDrain(frame: Frame): Promise<void> {
    if (this.closed) throw new SpdySessionClosedError('SPDY session is closed');
    if (this.outQueued === 0) this.writeNow(frame);
    else await this.enqueue(async () => frame);
    if (this.socket.writableNeedDrain && !this.closed) {
      await new Promise<void>((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
    }
  }

  private writeNow(frame: Frame): void {
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(encodeFrame(frame));
  }

  private enqueue(make: () => Promise<Frame>): Promise<void> {
    this.outQueued++;
    const sent = this.outChain.then(async () => {
      try {
        this.writeNow(await make());
      } finally {
        this.outQueued--;
      }
    });
    this.outChain = sent.catch((err: Error) => {
      if (!this.closed) this.protocolError(err);
    });
    return sent;
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** @internal */
  shouldIgnoreWindow(): boolean {
    if (this.respectPeerWindow === 'auto') return !this.peerSentWindowUpdate;
    return !this.respectPeerWindow;
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private onSocketData(chunk: Buffer): void {
    this.inbuf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
    let frames: Frame[];
    try {
      const decoded = decodeFrames(this.inbuf);
      frames = decoded.frames;
      this.inbuf = Buffer.from(decoded.rest);
    } catch (err) {
      this.protocolError(err as Error);
      return;
    }
    for (const frame of frames) {
      this.inChain = this.inChain.then(async () => {
        if (this.closed) return;
        try {
          await this.onFrame(frame);
        } catch (err) {
          this.protocolError(err as Error);
        }
      });
    }
  }

  private protocolError(err: Error): void {
    this.log.warn({ err }, 'SPDY protocol error; closing session');
    this.sendFrame({ type: 'GOAWAY', lastGoodStreamId: 0, status: GoAwayStatus.PROTOCOL_ERROR });
    this.destroy(err);
  }

  private async onFrame(frame: Frame): Promise<void> {
    switch (frame.type) {
      case 'DATA':
        this.streams.get(frame.streamId)?.onData(frame.data, (frame.flags & FLAG_FIN) !== 0);
        return;
      case 'SYN_REPLY': {
        // Always inflate: the zlib context must see every block, even of streams we forgot.
        const headers = await this.codec.decompress(frame.headerBlock);
        this.streams.get(frame.streamId)?.onReply(headers, (frame.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'HEADERS': {
        const headers = await this.codec.decompress(frame.headerBlock);
        this.streams.get(frame.streamId)?.onHeaders(headers, (frame.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'SYN_STREAM':
        await this.codec.decompress(frame.headerBlock);
        this.log.debug({ streamId: frame.streamId }, 'refusing peer-initiated SPDY stream');
        this.sendFrame({ type: 'RST_STREAM', streamId: frame.streamId, status: RstStatus.REFUSED_STREAM });
        return;
      case 'RST_STREAM':
        this.streams.get(frame.streamId)?.onReset(frame.status);
        return;
      case 'SETTINGS':
        for (const e of frame.entries) {
          if (e.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          const delta = e.value - this.peerInitialWindow;
          this.peerInitialWindow = e.value;
          for (const s of this.streams.values()) s.adjustWindow(delta);
        }
        return;
      case 'PING':
        if (frame.id % 2 === 1) {
          const p = this.pings.get(frame.id);
          this.pings.delete(frame.id);
          p?.resolve(Number(process.hrtime.bigint() - p.start) / 1e6);
        } else {
          this.sendFrame({ type: 'PING', id: frame.id });
        }
        return;
      case 'GOAWAY':
        this.goneAway = true;
        this.emit('goaway', frame.lastGoodStreamId, frame.status);
        // Our streams above the last one the peer processed will never be answered.
        for (const s of [...this.streams.values()]) {
          if (s.id > frame.lastGoodStreamId) s.closeGracefully(new SpdySessionClosedError(`SPDY stream ${s.id} refused: peer sent GOAWAY`));
        }
        return;
      case 'WINDOW_UPDATE':
        this.peerSentWindowUpdate = true;
        if (frame.streamId !== 0) this.streams.get(frame.streamId)?.onWindowUpdate(frame.delta);
        return;
      case 'UNKNOWN':
        return;
    }
  }

  private shutdown(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = err;
    const reason = err ?? new SpdySessionClosedError('SPDY session closed');
    // Like spdystream, a lost transport is end-of-stream for readers, not an error: what arrived
    // is still delivered (a peer that resets TCP right after its last frame is common: Kubernetes
    // servers close while our WINDOW_UPDATEs are in flight). `closeError` tells what happened.
    for (const s of [...this.streams.values()]) s.closeGracefully(reason);
    this.streams.clear();
    for (const p of this.pings.values()) p.reject(reason);
    this.pings.clear();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.reject(reason);
    this.codec.close();
    if (!this.socket.writableEnded) this.socket.end();
    this.emit('close', err);
  }
}
