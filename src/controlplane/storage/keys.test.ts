import { describe, expect, it } from 'vitest';
import { compareKeys, inRange, keyAfter, listRange, prefixEnd, prefixRange, readRevision } from './keys.js';
import { isCompacted, isFutureRevision } from './errors.js';

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('keys', () => {
  it('compareKeys orders like UTF-8 bytes (etcd, SQLite), unlike JS string comparison', () => {
    const keys = ['a', 'b', 'ab', '', 'é', '\uFFFD', '\uE000', '🚀', '\u{10FFFF}', 'z\u0000', 'z', '名'];
    expect([...keys].sort(compareKeys)).toEqual([...keys].sort(utf8Order));
    expect('\uFFFD' < '🚀').toBe(false); // why compareKeys exists
    expect(compareKeys('\uFFFD', '🚀')).toBeLessThan(0);
  });

  it.each([
    ['/registry/pods/', '/registry/pods0'],
    ['/registry/pods', '/registry/podt'],
    ['a\uD7FF', 'a\uE000'],
    ['a\uFFFF', 'a\u{10000}'],
    ['a\u{10FFFF}', 'b'],
    ['\u{10FFFF}\u{10FFFF}', ''],
  ])('prefixEnd(%j) = %j', (prefix, end) => {
    expect(prefixEnd(prefix)).toBe(end);
  });

  it('a prefix range holds exactly the keys with the prefix', () => {
    const range = prefixRange('/registry/pods/');
    for (const key of ['/registry/pods/a', '/registry/pods/', '/registry/pods/\u{10FFFF}x']) expect(inRange(key, range)).toBe(true);
    for (const key of ['/registry/podtemplates/a', '/registry/pods', '/registry/pods0', '/registry/poda']) expect(inRange(key, range)).toBe(false);
    expect(inRange('\u{10FFFF}\u{10FFFF}z', prefixRange('\u{10FFFF}\u{10FFFF}'))).toBe(true);
  });

  it('list ranges continue after the last key and stay inside the prefix', () => {
    const next = keyAfter('/registry/pods/ns/a');
    expect(compareKeys(next, '/registry/pods/ns/a')).toBeGreaterThan(0);
    expect(compareKeys(next, '/registry/pods/ns/a\u0000\u0000')).toBeLessThan(0);
    expect(listRange('/registry/pods/', next)).toEqual({ start: next, end: '/registry/pods0' });
    expect(() => listRange('/registry/pods/', '/registry/podtemplates/')).toThrow(RangeError);
  });

  it('readRevision checks against the compaction point and the current revision', () => {
    expect(readRevision(undefined, 10, 5)).toBe(10);
    expect(readRevision(0, 10, 5)).toBe(10);
    expect(readRevision(5, 10, 5)).toBe(5);
    const thrown = (f: () => unknown): unknown => {
      try {
        f();
      } catch (err) {
        return err;
      }
      return undefined;
    };
    expect(isCompacted(thrown(() => readRevision(4, 10, 5)))).toBe(true);
    expect(isFutureRevision(thrown(() => readRevision(11, 10, 5)))).toBe(true);
    expect(() => readRevision(1.5, 10, 0)).toThrow(RangeError);
  });
});
