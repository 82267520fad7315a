import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { busyboxVersion, isStaticElf, majorMinor } from './binary.js';

function elf64(programHeaderTypes: number[]): Buffer {
  const phoff = 64;
  const buf = Buffer.alloc(phoff + programHeaderTypes.length * 56);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2; // ELFCLASS64
  buf[5] = 1; // little endian
  buf.writeBigUInt64LE(BigInt(phoff), 0x20);
  buf.writeUInt16LE(56, 0x36);
  buf.writeUInt16LE(programHeaderTypes.length, 0x38);
  programHeaderTypes.forEach((t, i) => buf.writeUInt32LE(t, phoff + i * 56));
  return buf;
}

describe('busyboxVersion', () => {
  it('reads the banner version', () => {
    const bytes = Buffer.concat([Buffer.alloc(100), Buffer.from('BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)\0'), Buffer.alloc(10)]);
    expect(busyboxVersion(bytes)).toBe('1.35.0');
  });
  it('skips markers that are not followed by a version', () => {
    expect(busyboxVersion(Buffer.from('BusyBox v%s\0...BusyBox v1.36.1 multi-call'))).toBe('1.36.1');
  });
  it('returns undefined without a banner', () => {
    expect(busyboxVersion(Buffer.from('hello'))).toBeUndefined();
  });
  it('majorMinor', () => {
    expect(majorMinor('1.35.0')).toBe('1.35');
    expect(() => majorMinor('1')).toThrow(RangeError);
  });
});

describe('isStaticElf', () => {
  it('sees a PT_INTERP header as dynamic', () => {
    expect(isStaticElf(elf64([6, 3, 1]))).toBe(false);
    expect(isStaticElf(elf64([1, 1, 4]))).toBe(true);
  });
  it('rejects non-ELF bytes', () => {
    expect(() => isStaticElf(Buffer.alloc(64))).toThrow(RangeError);
  });
  it('agrees with the real binaries of this machine', async () => {
    expect(isStaticElf(await readFile(process.execPath))).toBe(false);
    const busybox = await readFile('/bin/busybox').catch(() => undefined);
    if (busybox) expect(isStaticElf(busybox)).toBe(true);
  });
});
