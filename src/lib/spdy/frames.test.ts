import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HeaderCodec } from './compression.js';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { decodeFrames, decodeHeaderBlock, encodeFrame, encodeHeaderBlock, FLAG_FIN, SpdyProtocolError, type Frame, type SpdyHeaders } from './frames.js';

describe('SPDY/3 frame codec', () => {
  const samples: Frame[] = [
    { type: 'DATA', streamId: 5, flags: FLAG_FIN, data: Buffer.from('hello') },
    { type: 'DATA', streamId: 0x7fffffff, flags: 0, data: Buffer.alloc(0) },
    { type: 'SYN_STREAM', streamId: 3, associatedStreamId: 0, priority: 7, slot: 0, flags: 0, headerBlock: Buffer.from([1, 2, 3]) },
    { type: 'SYN_REPLY', streamId: 3, flags: FLAG_FIN, headerBlock: Buffer.from([9]) },
    { type: 'HEADERS', streamId: 3, flags: 0, headerBlock: Buffer.alloc(0) },
    { type: 'RST_STREAM', streamId: 3, status: 5 },
    { type: 'SETTINGS', flags: 0, entries: [{ flags: 1, id: 7, value: 1 << 20 }, { flags: 0, id: 4, value: 100 }] },
    { type: 'PING', id: 0xfffffffe },
    { type: 'GOAWAY', lastGoodStreamId: 9, status: 2 },
    { type: 'WINDOW_UPDATE', streamId: 1, delta: 0x7fffffff },
  ];

  it('round-trips every frame type', () => {
    const wire = Buffer.concat(samples.map(encodeFrame));
    const { frames, rest } = decodeFrames(wire);
    expect(rest.length).toBe(0);
    expect(frames).toEqual(samples);
  });

  it('lays out the 8-byte header as the spec does', () => {
    expect(encodeFrame({ type: 'PING', id: 1 }).toString('hex')).toBe('8003000600000004' + '00000001');
    expect(encodeFrame({ type: 'DATA', streamId: 1, flags: FLAG_FIN, data: Buffer.from('a') }).toString('hex')).toBe('000000010100000161');
  });

  it('keeps an incomplete frame for later, byte by byte', () => {
    const wire = Buffer.concat(samples.map(encodeFrame));
    const got: Frame[] = [];
    let buf = Buffer.alloc(0);
    for (const byte of wire) {
      buf = Buffer.concat([buf, Buffer.from([byte])]);
      const { frames, rest } = decodeFrames(buf);
      got.push(...frames);
      buf = Buffer.from(rest);
    }
    expect(got).toEqual(samples);
  });

  it('passes unknown control frame types through and rejects other SPDY versions', () => {
    const unknown = encodeFrame({ type: 'UNKNOWN', frameType: 42, flags: 0, payload: Buffer.from('x') });
    expect(decodeFrames(unknown).frames).toEqual([{ type: 'UNKNOWN', frameType: 42, flags: 0, payload: Buffer.from('x') }]);
    const v2 = Buffer.from(unknown);
    v2.writeUInt16BE(0x8002, 0);
    expect(() => decodeFrames(v2)).toThrow(SpdyProtocolError);
    // A control frame too short for its type is a protocol error, not a crash.
    expect(() => decodeFrames(Buffer.from('8003000300000002' + '0001', 'hex'))).toThrow(/RST_STREAM frame too short/);
  });

  it('rejects bad header names and WINDOW_UPDATE deltas', () => {
    expect(() => encodeHeaderBlock({ StreamType: 'x' })).toThrow(/lower case/);
    expect(() => encodeFrame({ type: 'WINDOW_UPDATE', streamId: 1, delta: 0 })).toThrow(RangeError);
  });

  it('encodes header blocks with 32-bit lengths and joins repeated names with NUL', () => {
    const block = encodeHeaderBlock({ streamtype: 'error', port: '8080' });
    expect(block.readUInt32BE(0)).toBe(2);
    expect(decodeHeaderBlock(block)).toEqual({ streamtype: 'error', port: '8080' });
    const twice = Buffer.concat([Buffer.from([0, 0, 0, 2]), block.subarray(4, 4 + 4 + 10 + 4 + 5), block.subarray(4, 4 + 4 + 10 + 4 + 5)]);
    expect(decodeHeaderBlock(twice)).toEqual({ streamtype: 'error\0error' });
    expect(() => decodeHeaderBlock(block.subarray(0, 10))).toThrow(SpdyProtocolError);
  });
});

describe('SPDY/3 header compression', () => {
  it('uses the 1423-byte SPDY/3 dictionary, announced by its Adler-32 in the zlib header', async () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(SPDY3_DICTIONARY.subarray(-7).toString('latin1')).toBe(',enq=0.');
    const block = await new HeaderCodec().compress({ streamtype: 'stdin' });
    expect((block.readUInt16BE(0) % 31)).toBe(0);
    expect(block[1]! & 0x20).toBe(0x20); // FDICT
    // A plain inflater without the dictionary must ask for exactly this one.
    expect(() => zlib.inflateSync(block)).toThrow(/dictionary/i);
    expect(zlib.inflateSync(block, { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH }).length).toBeGreaterThan(0);
  });

  it('round-trips a sequence of blocks through one deflate and one inflate context', async () => {
    const a = new HeaderCodec();
    const b = new HeaderCodec();
    const blocks: SpdyHeaders[] = [
      { streamtype: 'error' },
      { streamtype: 'stdin' },
      { streamtype: 'data', port: '8080', requestid: '0' },
      { streamtype: 'data', port: '8080', requestid: '1' },
      { 'x-long': 'y'.repeat(70_000) },
      { streamtype: 'resize' },
    ];
    const compressed = [];
    for (const h of blocks) compressed.push(await a.compress(h));
    // Later blocks reuse the context: the repeated one is much smaller than its first occurrence.
    expect(compressed[3]!.length).toBeLessThan(compressed[2]!.length);
    for (const [i, c] of compressed.entries()) expect(await b.decompress(c)).toEqual(blocks[i]);
    expect(await b.decompress(Buffer.alloc(0))).toEqual({});
    await expect(new HeaderCodec().decompress(compressed[1]!)).rejects.toThrow(SpdyProtocolError);
    a.close();
    b.close();
  });
});
