/** Protobuf wire format reading: varints, fixed-width values and length-delimited fields. */

export class WireError extends Error {
  override readonly name = 'WireError';
}

export interface WireField {
  number: number;
  wireType: 0 | 1 | 2 | 5;
  /** Varint (wire type 0) as a BigInt. */
  varint?: bigint;
  /** Length-delimited (2) or fixed (1, 5) bytes. */
  bytes?: Buffer;
}

export function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos++];
    if (b === undefined) throw new WireError('unexpected EOF');
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
  throw new WireError('integer overflow');
}

/** All fields of one message, in wire order. */
export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p] = readVarint(buf, pos);
    pos = p;
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (number <= 0) throw new WireError(`illegal tag ${number}`);
    switch (wireType) {
      case 0: {
        const [v, p2] = readVarint(buf, pos);
        pos = p2;
        out.push({ number, wireType: 0, varint: v });
        break;
      }
      case 1:
      case 5: {
        const len = wireType === 1 ? 8 : 4;
        if (pos + len > buf.length) throw new WireError('unexpected EOF');
        out.push({ number, wireType, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 2: {
        const [len, p2] = readVarint(buf, pos);
        pos = p2;
        const end = pos + Number(len);
        if (len < 0n || end > buf.length) throw new WireError('unexpected EOF');
        out.push({ number, wireType: 2, bytes: buf.subarray(pos, end) });
        pos = end;
        break;
      }
      default:
        throw new WireError(`illegal wireType ${wireType} for field ${number}`);
    }
  }
  return out;
}

/** Varints packed in a length-delimited field (packed repeated scalars). */
export function readPackedVarints(buf: Buffer): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [v, p] = readVarint(buf, pos);
    out.push(v);
    pos = p;
  }
  return out;
}
