/** Pure facts read from executable bytes, so a cache hit needs no exec. */

/** The version in a busybox binary's banner (`BusyBox v1.35.0 (...)` -> `1.35.0`), or undefined. */
export function busyboxVersion(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const marker = Buffer.from('BusyBox v', 'latin1');
  let at = text.indexOf(marker);
  while (at !== -1) {
    const rest = text.subarray(at + marker.length, at + marker.length + 32).toString('latin1');
    const m = /^(\d+\.\d+(?:\.\d+)?)[ (\0]/.exec(rest);
    if (m?.[1] !== undefined) return m[1];
    at = text.indexOf(marker, at + 1);
  }
  return undefined;
}

/** `1.35.0` -> `1.35`. */
export function majorMinor(version: string): string {
  const [major, minor] = version.split('.');
  if (major === undefined || minor === undefined) throw new RangeError(`not a version: ${JSON.stringify(version)}`);
  return `${major}.${minor}`;
}

const PT_INTERP = 3;

/**
 * Whether the bytes are an ELF executable without a program interpreter, i.e. one that runs in an
 * empty root filesystem. Throws RangeError when the bytes are not ELF at all.
 */
export function isStaticElf(bytes: Uint8Array): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) throw new RangeError('not an ELF file');
  const is64 = buf[4] === 2;
  const little = buf[5] === 1;
  const u16 = (o: number): number => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number): number => Number(little ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  const phoff = is64 ? u64(0x20) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > buf.length) throw new RangeError('truncated ELF program header table');
    if (u32(off) === PT_INTERP) return false;
  }
  return true;
}
