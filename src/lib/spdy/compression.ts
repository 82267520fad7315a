import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { decodeHeaderBlock, encodeHeaderBlock, SpdyProtocolError, type SpdyHeaders } from './frames.js';

/**
 * One deflate and one inflate context of a session, both primed with the SPDY/3 dictionary; every
 * block ends with Z_SYNC_FLUSH so the peer can decode it without waiting for more input. Later
 * blocks refer back to earlier ones, so the contexts live as long as the session.
 *
 * Node's zlib streams are asynchronous: callers must not overlap two `compress` (or two
 * `decompress`) calls, and must issue them in frame order. SpdySession serialises them.
 */
export class HeaderCodec {
  private readonly deflater = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  private readonly inflater = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });

  compress(headers: SpdyHeaders): Promise<Buffer> {
    return flushThrough(this.deflater, encodeHeaderBlock(headers));
  }

  async decompress(block: Buffer): Promise<SpdyHeaders> {
    // An empty block is legal on SYN_REPLY/HEADERS and carries no headers.
    if (block.length === 0) return {};
    let raw: Buffer;
    try {
      raw = await flushThrough(this.inflater, block);
    } catch (err) {
      throw new SpdyProtocolError(`cannot decompress SPDY header block: ${(err as Error).message}`, { cause: err });
    }
    return decodeHeaderBlock(raw);
  }

  close(): void {
    this.deflater.close();
    this.inflater.close();
  }
}

/** Feeds `input` and collects everything the stream emits up to a Z_SYNC_FLUSH. */
function flushThrough(z: zlib.Deflate | zlib.Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): void => void chunks.push(c);
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      z.off('data', onData);
      z.off('error', onError);
    };
    z.on('data', onData);
    z.on('error', onError);
    z.write(input);
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    });
  });
}
