import { describe, expect, it } from 'vitest';
import { formatGoDuration, formatGoDurationNs } from './go-format.js';

describe('formatGoDuration (Go time.Duration.String)', () => {
  it.each([
    [0, '0s'],
    [0.000001, '1ns'],
    [0.0011, '1.1µs'],
    [1.5, '1.5ms'],
    [500, '500ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [59_999, '59.999s'],
    [180_000, '3m0s'],
    [180_100, '3m0.1s'],
    [3_600_000, '1h0m0s'],
    [3_723_004, '1h2m3.004s'],
    [-1500, '-1.5s'],
  ])('%s ms is %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it('formats nanoseconds exactly', () => {
    expect(formatGoDurationNs(1n)).toBe('1ns');
    expect(formatGoDurationNs(999_999_999n)).toBe('999.999999ms');
    expect(formatGoDurationNs(1_000_000_001n)).toBe('1.000000001s');
    expect(formatGoDurationNs(100n * 3_600_000_000_000n)).toBe('100h0m0s');
  });
});
