/**
 * A scriptable SPDY server peer for unit tests only (not exported from index.ts): it records every
 * frame the client sends, decodes header blocks with its own zlib contexts, and lets a test send
 * any frame back.
 */
import net from 'node:net';
import { HeaderCodec } from '../compression.js';
import { decodeFrames, encodeFrame, type Frame, type SpdyHeaders } from '../frames.js';

export type ReceivedFrame = Frame & { headers?: SpdyHeaders };

export interface TestPeer {
  port: number;
  /** Every frame received so far, in order, header blocks decoded into `headers`. */
  frames: ReceivedFrame[];
  send(frame: Frame): void;
  /** Compresses `headers` with the peer's deflate context and sends SYN_REPLY. */
  reply(streamId: number, headers?: SpdyHeaders, flags?: number): Promise<void>;
  /** Resolves with the first received frame (from now or already received) that matches. */
  waitFor(pred: (f: ReceivedFrame) => boolean, timeoutMs?: number): Promise<ReceivedFrame>;
  /** Total DATA bytes received on a stream. */
  dataBytes(streamId: number): number;
  /** Closes the client connection (TCP FIN, or RST when `reset`). */
  hangUp(reset?: boolean): void;
  close(): Promise<void>;
}

export async function startTestPeer(): Promise<TestPeer> {
  const codec = new HeaderCodec();
  const frames: ReceivedFrame[] = [];
  const waiters: { pred: (f: ReceivedFrame) => boolean; resolve: (f: ReceivedFrame) => void }[] = [];
  let conn: net.Socket | undefined;
  let connected!: () => void;
  const gotConn = new Promise<void>((r) => (connected = r));
  let chain = Promise.resolve();
  const server = net.createServer((c) => {
    conn = c;
    connected();
    let buf = Buffer.alloc(0);
    c.on('error', () => undefined);
    c.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const { frames: fs, rest } = decodeFrames(buf);
      buf = Buffer.from(rest);
      for (const f of fs) {
        chain = chain.then(async () => {
          const rf: ReceivedFrame = { ...f };
          if (f.type === 'SYN_STREAM' || f.type === 'SYN_REPLY' || f.type === 'HEADERS') rf.headers = await codec.decompress(f.headerBlock);
          frames.push(rf);
          for (const w of [...waiters]) {
            if (w.pred(rf)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(rf);
            }
          }
        });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const write = async (frame: Frame): Promise<void> => {
    await gotConn;
    conn?.write(encodeFrame(frame));
  };
  let sendChain = Promise.resolve();
  const enqueue = (fn: () => Promise<void>): Promise<void> => (sendChain = sendChain.then(fn));
  return {
    port,
    frames,
    send: (frame) => void enqueue(() => write(frame)),
    reply: (streamId, headers = {}, flags = 0) => enqueue(async () => write({ type: 'SYN_REPLY', streamId, flags, headerBlock: await codec.compress(headers) })),
    waitFor(pred, timeoutMs = 5_000) {
      const found = frames.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
        waiters.push({ pred, resolve: (f) => (clearTimeout(timer), resolve(f)) });
      });
    },
    dataBytes: (streamId) => frames.reduce((n, f) => (f.type === 'DATA' && f.streamId === streamId ? n + f.data.length : n), 0),
    hangUp(reset = false) {
      if (reset) conn?.resetAndDestroy();
      else conn?.end();
    },
    async close() {
      conn?.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      codec.close();
    },
  };
}

/** A client socket to the peer. */
export function connectToPeer(peer: TestPeer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(peer.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}
