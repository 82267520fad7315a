/**
 * SPDY/3 frame codec (draft-mbelshe-httpbis-spdy-00 section 2.2 and 2.6): pure encode/decode of the
 * 8-byte frame header and of each frame type's payload. Header blocks cross this layer still
 * compressed; `HeaderCodec` (compression.ts) owns the zlib contexts because they are per session.
 */

export const SPDY_VERSION = 3;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** FLAG_FIN on DATA, SYN_STREAM, SYN_REPLY and HEADERS. */
export const FLAG_FIN = 0x01;
/** FLAG_UNIDIRECTIONAL on SYN_STREAM. */
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** SETTINGS ids this implementation acts on. */
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

/** Largest payload a frame header can describe (24-bit length). */
export const MAX_FRAME_LENGTH = 0xffffff;

export type Frame =
  | { type: 'DATA'; streamId: number; flags: number; data: Buffer }
  | { type: 'SYN_STREAM'; streamId: number; associatedStreamId: number; priority: number; slot: number; flags: number; headerBlock: Buffer }
  | { type: 'SYN_REPLY'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'HEADERS'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'RST_STREAM'; streamId: number; status: number }
  | { type: 'SETTINGS'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'PING'; id: number }
  | { type: 'GOAWAY'; lastGoodStreamId: number; status: number }
  | { type: 'WINDOW_UPDATE'; streamId: number; delta: number }
  /** A control frame of a type we do not know; the spec says to ignore it. */
  | { type: 'UNKNOWN'; frameType: number; flags: number; payload: Buffer };

export class SpdyProtocolError extends Error {
  readonly code = 'SpdyProtocolError';
}

const STREAM_ID_MASK = 0x7fffffff;

function header(control: boolean, typeOrStream: number, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_LENGTH) throw new RangeError(`SPDY frame payload of ${length} bytes exceeds ${MAX_FRAME_LENGTH}`);
  const b = Buffer.alloc(8);
  if (control) {
    b.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
    b.writeUInt16BE(typeOrStream, 2);
  } else {
    b.writeUInt32BE(typeOrStream & STREAM_ID_MASK, 0);
  }
  b.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return b;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([header(true, type, flags, payload.length), payload]);
}

/** Serialises one frame. Header blocks must already be compressed. */
export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case 'DATA':
      return Buffer.concat([header(false, frame.streamId, frame.flags, frame.data.length), frame.data]);
    case 'SYN_STREAM': {
      const p = Buffer.alloc(10);
      p.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      p.writeUInt32BE(frame.associatedStreamId & STREAM_ID_MASK, 4);
      p.writeUInt8((frame.priority & 0x7) << 5, 8);
      p.writeUInt8(frame.slot & 0xff, 9);
      return control(FrameType.SYN_STREAM, frame.flags, Buffer.concat([p, frame.headerBlock]));
    }
    case 'SYN_REPLY':
    case 'HEADERS': {
      const p = Buffer.alloc(4);
      p.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      const type = frame.type === 'SYN_REPLY' ? FrameType.SYN_REPLY : FrameType.HEADERS;
      return control(type, frame.flags, Buffer.concat([p, frame.headerBlock]));
    }
    case 'RST_STREAM': {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      p.writeUInt32BE(frame.status >>> 0, 4);
      return control(FrameType.RST_STREAM, 0, p);
    }
    case 'SETTINGS': {
      const p = Buffer.alloc(4 + 8 * frame.entries.length);
      p.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((e, i) => {
        p.writeUInt32BE((((e.flags & 0xff) << 24) | (e.id & 0xffffff)) >>> 0, 4 + 8 * i);
        p.writeUInt32BE(e.value >>> 0, 8 + 8 * i);
      });
      return control(FrameType.SETTINGS, frame.flags, p);
    }
    case 'PING': {
      const p = Buffer.alloc(4);
      p.writeUInt32BE(frame.id >>> 0, 0);
      return control(FrameType.PING, 0, p);
    }
    case 'GOAWAY': {
      const p = Buffer.alloc(8);
      p.writeUInt32BE(frame.lastGoodStreamId & STREAM_ID_MASK, 0);
      p.writeUInt32BE(frame.status >>> 0, 4);
      return control(FrameType.GOAWAY, 0, p);
    }
    case 'WINDOW_UPDATE': {
      if (frame.delta < 1 || frame.delta > STREAM_ID_MASK) throw new RangeError(`WINDOW_UPDATE delta ${frame.delta} out of range`);
      const p = Buffer.alloc(8);
      p.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      p.writeUInt32BE(frame.delta & STREAM_ID_MASK, 4);
      return control(FrameType.WINDOW_UPDATE, 0, p);
    }
    case 'UNKNOWN':
      return control(frame.frameType, frame.flags, frame.payload);
  }
}

function need(payload: Buffer, n: number, what: string): void {
  if (payload.length < n) throw new SpdyProtocolError(`${what} frame too short: ${payload.length} bytes, need ${n}`);
}

/**
 * Splits complete frames off the front of `buf`. Returns the frames and the unconsumed rest (an
 * incomplete frame). Throws SpdyProtocolError on a control frame of another SPDY version.
 */
export function decodeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const w0 = buf.readUInt32BE(off);
    const w1 = buf.readUInt32BE(off + 4);
    const flags = w1 >>> 24;
    const length = w1 & 0xffffff;
    if (buf.length - off < 8 + length) break;
    const payload = buf.subarray(off + 8, off + 8 + length);
    off += 8 + length;
    if ((w0 & 0x80000000) === 0) {
      frames.push({ type: 'DATA', streamId: w0 & STREAM_ID_MASK, flags, data: payload });
      continue;
    }
    const version = (w0 >>> 16) & 0x7fff;
    if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    frames.push(decodeControl(w0 & 0xffff, flags, payload));
  }
  return { frames, rest: buf.subarray(off) };
}

function decodeControl(type: number, flags: number, p: Buffer): Frame {
  switch (type) {
    case FrameType.SYN_STREAM:
      need(p, 10, 'SYN_STREAM');
      return {
        type: 'SYN_STREAM',
        streamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        associatedStreamId: p.readUInt32BE(4) & STREAM_ID_MASK,
        priority: p.readUInt8(8) >>> 5,
        slot: p.readUInt8(9),
        flags,
        headerBlock: p.subarray(10),
      };
    case FrameType.SYN_REPLY:
    case FrameType.HEADERS:
      need(p, 4, type === FrameType.SYN_REPLY ? 'SYN_REPLY' : 'HEADERS');
      return {
        type: type === FrameType.SYN_REPLY ? 'SYN_REPLY' : 'HEADERS',
        streamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        flags,
        headerBlock: p.subarray(4),
      };
    case FrameType.RST_STREAM:
      need(p, 8, 'RST_STREAM');
      return { type: 'RST_STREAM', streamId: p.readUInt32BE(0) & STREAM_ID_MASK, status: p.readUInt32BE(4) };
    case FrameType.SETTINGS: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + 8 * n, 'SETTINGS');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const idw = p.readUInt32BE(4 + 8 * i);
        entries.push({ flags: idw >>> 24, id: idw & 0xffffff, value: p.readUInt32BE(8 + 8 * i) });
      }
      return { type: 'SETTINGS', flags, entries };
    }
    case FrameType.PING:
      need(p, 4, 'PING');
      return { type: 'PING', id: p.readUInt32BE(0) };
    case FrameType.GOAWAY:
      // SPDY/2 peers sent only the stream id; tolerate a missing status.
      need(p, 4, 'GOAWAY');
      return { type: 'GOAWAY', lastGoodStreamId: p.readUInt32BE(0) & STREAM_ID_MASK, status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
    case FrameType.WINDOW_UPDATE:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'WINDOW_UPDATE', streamId: p.readUInt32BE(0) & STREAM_ID_MASK, delta: p.readUInt32BE(4) & STREAM_ID_MASK };
    default:
      return { type: 'UNKNOWN', frameType: type, flags, payload: p };
  }
}

/**
 * Header names are lower-case (Go's framer rejects anything else); a value holding several values
 * joins them with NUL, as on the wire.
 */
export type SpdyHeaders = Record<string, string>;

/** The uncompressed name/value block: 32-bit count, then 32-bit-length-prefixed names and values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(entries.length);
  parts.push(n);
  for (const [name, value] of entries) {
    if (name === '' || name !== name.toLowerCase()) throw new RangeError(`SPDY header name ${JSON.stringify(name)} must be non-empty lower case`);
    for (const s of [name, value]) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  need(block, 4, 'header block');
  const n = block.readUInt32BE(0);
  let off = 4;
  const str = (): string => {
    if (block.length - off < 4) throw new SpdyProtocolError('truncated header block');
    const len = block.readUInt32BE(off);
    off += 4;
    if (block.length - off < len) throw new SpdyProtocolError('truncated header block');
    const s = block.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const name = str();
    const value = str();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}\0${value}`;
  }
  return headers;
}
