import { describe, expect, it } from 'vitest';
import {
  QuantityError,
  addQuantity,
  cmpQuantity,
  formatQuantity,
  parseQuantity,
  quantityFromMilli,
  toBytes,
  toMilli,
  toNumber,
  tryParseQuantity,
  type QuantityErrorCode,
  type QuantityFormat,
} from './quantity.js';

describe('parseQuantity', () => {
  const cases: Array<{ in: string | number; milli: bigint; value: bigint; format: QuantityFormat; canonical: string }> = [
    { in: '0', milli: 0n, value: 0n, format: 'DecimalSI', canonical: '0' },
    { in: '000', milli: 0n, value: 0n, format: 'DecimalSI', canonical: '0' },
    { in: '1', milli: 1000n, value: 1n, format: 'DecimalSI', canonical: '1' },
    { in: '100m', milli: 100n, value: 1n, format: 'DecimalSI', canonical: '100m' },
    { in: '0.1', milli: 100n, value: 1n, format: 'DecimalSI', canonical: '100m' },
    { in: '.5', milli: 500n, value: 1n, format: 'DecimalSI', canonical: '500m' },
    { in: '1.', milli: 1000n, value: 1n, format: 'DecimalSI', canonical: '1' },
    { in: '1.5', milli: 1500n, value: 2n, format: 'DecimalSI', canonical: '1500m' },
    { in: '+2', milli: 2000n, value: 2n, format: 'DecimalSI', canonical: '2' },
    { in: '-1', milli: -1000n, value: -1n, format: 'DecimalSI', canonical: '-1' },
    { in: '-100m', milli: -100n, value: -1n, format: 'DecimalSI', canonical: '-100m' },
    { in: '2000', milli: 2_000_000n, value: 2000n, format: 'DecimalSI', canonical: '2k' },
    { in: '1500', milli: 1_500_000n, value: 1500n, format: 'DecimalSI', canonical: '1500' },
    { in: '1k', milli: 1_000_000n, value: 1000n, format: 'DecimalSI', canonical: '1k' },
    { in: '128M', milli: 128_000_000_000n, value: 128_000_000n, format: 'DecimalSI', canonical: '128M' },
    { in: '1G', milli: 10n ** 12n, value: 10n ** 9n, format: 'DecimalSI', canonical: '1G' },
    { in: '1E', milli: 10n ** 21n, value: 10n ** 18n, format: 'DecimalSI', canonical: '1E' },
    { in: '1u', milli: 1n, value: 1n, format: 'DecimalSI', canonical: '1u' },
    { in: '1n', milli: 1n, value: 1n, format: 'DecimalSI', canonical: '1n' },
    // Finer than 1n rounds up to 1n: asking for some resource gets some.
    { in: '0.1n', milli: 1n, value: 1n, format: 'DecimalSI', canonical: '1n' },
    { in: '1Ki', milli: 1_024_000n, value: 1024n, format: 'BinarySI', canonical: '1Ki' },
    { in: '128Mi', milli: 134_217_728_000n, value: 134_217_728n, format: 'BinarySI', canonical: '128Mi' },
    { in: '1024Mi', milli: 1_073_741_824_000n, value: 1_073_741_824n, format: 'BinarySI', canonical: '1Gi' },
    { in: '1.5Gi', milli: 1_610_612_736_000n, value: 1_610_612_736n, format: 'BinarySI', canonical: '1536Mi' },
    // Below 1024 a binary quantity prints as decimal.
    { in: '0.5Ki', milli: 512_000n, value: 512n, format: 'BinarySI', canonical: '512' },
    // Between 0 and 1 a binary quantity becomes decimal.
    { in: '0.0001Ki', milli: 103n, value: 1n, format: 'DecimalSI', canonical: '102400u' },
    // BinarySI caps at 2^63-1.
    { in: '8Ei', milli: ((1n << 63n) - 1n) * 1000n, value: (1n << 63n) - 1n, format: 'BinarySI', canonical: '9223372036854775807' },
    { in: '1e3', milli: 1_000_000n, value: 1000n, format: 'DecimalExponent', canonical: '1e3' },
    { in: '1E3', milli: 1_000_000n, value: 1000n, format: 'DecimalExponent', canonical: '1e3' },
    { in: '1.5e3', milli: 1_500_000n, value: 1500n, format: 'DecimalExponent', canonical: '1500' },
    { in: '1e+3', milli: 1_000_000n, value: 1000n, format: 'DecimalExponent', canonical: '1e3' },
    { in: '5e-3', milli: 5n, value: 1n, format: 'DecimalExponent', canonical: '5e-3' },
    // Upstream quirk kept: a lone sign parses as zero.
    { in: '+', milli: 0n, value: 0n, format: 'DecimalSI', canonical: '0' },
    // Numbers, as YAML produces for `cpu: 1` or `cpu: 0.5`.
    { in: 1, milli: 1000n, value: 1n, format: 'DecimalSI', canonical: '1' },
    { in: 0.5, milli: 500n, value: 1n, format: 'DecimalSI', canonical: '500m' },
  ];
  it.each(cases)('$in -> milli $milli, value $value, $format, canonical $canonical', (c) => {
    const q = parseQuantity(c.in);
    expect(toMilli(q)).toBe(c.milli);
    expect(toBytes(q)).toBe(c.value);
    expect(q.format).toBe(c.format);
    expect(formatQuantity(q)).toBe(c.canonical);
  });

  const invalid: Array<{ in: string | number; code: QuantityErrorCode }> = [
    { in: '', code: 'FormatWrong' },
    { in: 'abc', code: 'FormatWrong' },
    { in: '1.2.3', code: 'FormatWrong' },
    { in: '1 Gi', code: 'FormatWrong' },
    { in: '1e3Ki', code: 'FormatWrong' },
    { in: Number.NaN, code: 'FormatWrong' },
    { in: '1K', code: 'Suffix' },
    { in: '1e', code: 'Suffix' },
    { in: '1Gi1', code: 'Suffix' },
    { in: '1m5', code: 'Suffix' },
    { in: 'Mi', code: 'Numeric' },
    { in: '.', code: 'Numeric' },
  ];
  it.each(invalid)('rejects $in with $code', (c) => {
    expect(() => parseQuantity(c.in)).toThrow(QuantityError);
    try {
      parseQuantity(c.in);
    } catch (err) {
      expect(err).toBeInstanceOf(QuantityError);
      expect((err as QuantityError).code).toBe(c.code);
    }
    expect(tryParseQuantity(c.in)).toBeUndefined();
  });

  it('names the problem with upstream words', () => {
    expect(() => parseQuantity('abc')).toThrow(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    expect(() => parseQuantity('1K')).toThrow("unable to parse quantity's suffix");
    expect(() => parseQuantity('Mi')).toThrow('unable to parse numeric part of quantity');
  });
});

describe('quantity arithmetic', () => {
  it('compares across formats exactly', () => {
    expect(cmpQuantity(parseQuantity('1Ki'), parseQuantity('1024'))).toBe(0);
    expect(cmpQuantity(parseQuantity('1k'), parseQuantity('1Ki'))).toBe(-1);
    expect(cmpQuantity(parseQuantity('0.1'), parseQuantity('100m'))).toBe(0);
    expect(cmpQuantity(parseQuantity('1'), parseQuantity('999m'))).toBe(1);
  });

  it('adds exactly and keeps the left format unless it is zero', () => {
    const sum = addQuantity(parseQuantity('100m'), parseQuantity('0.25'));
    expect(toMilli(sum)).toBe(350n);
    expect(formatQuantity(sum)).toBe('350m');
    const bin = addQuantity(parseQuantity('512Mi'), parseQuantity('512Mi'));
    expect(formatQuantity(bin)).toBe('1Gi');
    expect(addQuantity(parseQuantity('0'), parseQuantity('1Gi')).format).toBe('BinarySI');
  });

  it('rounds milli and integer values away from zero', () => {
    expect(toMilli(parseQuantity('1.0001m'))).toBe(2n);
    expect(toMilli(parseQuantity('-1.0001m'))).toBe(-2n);
    expect(toBytes(parseQuantity('1500m'))).toBe(2n);
  });

  it('converts to floats', () => {
    expect(toNumber(parseQuantity('1.5Gi'))).toBe(1610612736);
    expect(toNumber(parseQuantity('250m'))).toBe(0.25);
    expect(formatQuantity(quantityFromMilli(1500n))).toBe('1500m');
  });
});
