/**
 * `resource.Quantity` (k8s.io/apimachinery/pkg/api/resource): parsing, exact arithmetic and the
 * canonical string form, as upstream. A quantity is kept exactly as `unscaled × 10^exponent` with a
 * bigint, so `0.1`, `1.5Gi` and `100m` never round; like upstream, parsing rounds non-zero values
 * finer than 1n up (away from zero) to 1n, caps BinarySI at 2^63-1, and turns a BinarySI value
 * between 0 and 1 into DecimalSI.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The exact value is `unscaled × 10^exponent`. */
  readonly unscaled: bigint;
  readonly exponent: number;
  /** How `formatQuantity` writes it, taken from the suffix it was parsed with. */
  readonly format: QuantityFormat;
}

export type QuantityErrorCode = 'FormatWrong' | 'Numeric' | 'Suffix';

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const MESSAGES: Record<QuantityErrorCode, string> = {
  FormatWrong: `quantities must match the regular expression '${SPLIT_RE}'`,
  Numeric: 'unable to parse numeric part of quantity',
  Suffix: "unable to parse quantity's suffix",
};

/** A string that is not a quantity; `message` is upstream's (ErrFormatWrong/ErrNumeric/ErrSuffix). */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
  readonly code: QuantityErrorCode;
  /** The rejected input. */
  readonly input: string;

  constructor(code: QuantityErrorCode, input: string) {
    super(MESSAGES[code]);
    this.code = code;
    this.input = input;
  }
}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
/** Decimal exponents beyond this are refused instead of building astronomically large bigints. */
const MAX_EXPONENT = 1000;
const MAX_INT64 = (1n << 63n) - 1n;
const NANO = -9;

const ZERO: Quantity = { unscaled: 0n, exponent: 0, format: 'DecimalSI' };

interface Split {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Upstream `parseQuantityString`: sign, digits, optional fraction, suffix letters, exponent digits. */
function split(str: string): Split | QuantityErrorCode {
  let pos = 0;
  let positive = true;
  if (str[0] === '-' || str[0] === '+') {
    positive = str[0] === '+';
    pos++;
  }
  while (str[pos] === '0') pos++;
  if (pos >= str.length) return { positive, num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos);
  let denom = '';
  if (str[pos] === '.') {
    const denomStart = ++pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && 'eEinumkKMGTP'.includes(str[pos] ?? '')) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < str.length) return 'FormatWrong';
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

/** Upstream `suffixHandler.interpret`. */
function interpret(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | null {
  const dec = DECIMAL_SUFFIXES[suffix];
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES[suffix];
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    return { base: 10, exponent: Number.parseInt(suffix.slice(1), 10), format: 'DecimalExponent' };
  }
  return null;
}

/**
 * Parses a quantity such as `100m`, `1.5Gi`, `2e3`, `+0.5`. Numbers are accepted for manifests
 * where YAML turned `cpu: 1` into a number. Throws `QuantityError` on invalid input.
 */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : input;
  if (str === '') throw new QuantityError('FormatWrong', str);
  if (str === '0') return ZERO;
  const parts = split(str);
  if (typeof parts === 'string') throw new QuantityError(parts, str);
  const suffix = interpret(parts.suffix);
  if (!suffix) throw new QuantityError('Suffix', str);
  const digits = parts.num + parts.denom;
  if (digits === '') throw new QuantityError('Numeric', str);
  if (Math.abs(suffix.exponent) > MAX_EXPONENT) throw new QuantityError('Numeric', str);

  let magnitude = BigInt(digits);
  let exponent = -parts.denom.length;
  let format = suffix.format;
  if (suffix.base === 10) exponent += suffix.exponent;
  else magnitude <<= BigInt(suffix.exponent);

  // Round non-zero values up to the smallest representable amount, 1n.
  if (magnitude !== 0n && exponent < NANO) {
    const divisor = 10n ** BigInt(NANO - exponent);
    magnitude = (magnitude + divisor - 1n) / divisor;
    exponent = NANO;
  }
  if (format === 'BinarySI') {
    if (compareParts(magnitude, exponent, MAX_INT64, 0) > 0) {
      magnitude = MAX_INT64;
      exponent = 0;
    }
    if (magnitude !== 0n && compareParts(magnitude, exponent, 1n, 0) < 0) format = 'DecimalSI';
  }
  return { unscaled: parts.positive ? magnitude : -magnitude, exponent, format };
}

/** Like `parseQuantity`, but returns undefined instead of throwing. */
export function tryParseQuantity(input: string | number): Quantity | undefined {
  try {
    return parseQuantity(input);
  } catch (err) {
    if (err instanceof QuantityError) return undefined;
    throw err;
  }
}

function compareParts(a: bigint, ae: number, b: bigint, be: number): -1 | 0 | 1 {
  const e = Math.min(ae, be);
  const x = a * 10n ** BigInt(ae - e);
  const y = b * 10n ** BigInt(be - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `unscaled × 10^(exponent + shift)` as an integer, rounded away from zero (upstream ScaledValue). */
function scaled(q: Quantity, shift: number): bigint {
  const e = q.exponent + shift;
  if (e >= 0) return q.unscaled * 10n ** BigInt(e);
  const divisor = 10n ** BigInt(-e);
  const quotient = q.unscaled / divisor;
  if (quotient * divisor === q.unscaled) return quotient;
  return q.unscaled > 0n ? quotient + 1n : quotient - 1n;
}

/** The value in thousandths, rounded away from zero (upstream `MilliValue`): `0.1` -> 100n. */
export function toMilli(q: Quantity): bigint {
  return scaled(q, 3);
}

/** The integer value, rounded away from zero (upstream `Value`): `1Ki` -> 1024n, `100m` -> 1n. */
export function toBytes(q: Quantity): bigint {
  return scaled(q, 0);
}

/** The value as a float (upstream `AsApproximateFloat64`). */
export function toNumber(q: Quantity): number {
  return Number(`${q.unscaled}e${q.exponent}`);
}

export function isZeroQuantity(q: Quantity): boolean {
  return q.unscaled === 0n;
}

export function cmpQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return compareParts(a.unscaled, a.exponent, b.unscaled, b.exponent);
}

/** a + b in a's format, or b's when a is zero (upstream `Add`). */
export function addQuantity(a: Quantity, b: Quantity): Quantity {
  const e = Math.min(a.exponent, b.exponent);
  const unscaled = a.unscaled * 10n ** BigInt(a.exponent - e) + b.unscaled * 10n ** BigInt(b.exponent - e);
  return { unscaled, exponent: e, format: a.unscaled === 0n ? b.format : a.format };
}

export function quantityFromMilli(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { unscaled: BigInt(milli), exponent: -3, format };
}

export function quantityFromValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { unscaled: BigInt(value), exponent: 0, format };
}

/**
 * The canonical form upstream's `String()` produces: DecimalSI/DecimalExponent with the mantissa
 * an integer and the exponent a multiple of 3 (`1.5` -> `1500m`, `2000` -> `2k`, `1e3` -> `1e3`);
 * BinarySI in powers of 1024 (`1536Mi`), falling back to DecimalSI below 1024 or when fractional.
 */
export function formatQuantity(q: Quantity): string {
  if (q.unscaled === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const exact = q.exponent >= 0 || scaled(q, 0) * 10n ** BigInt(-q.exponent) === q.unscaled;
    const small = cmpQuantity(q, quantityFromValue(-1024)) > 0 && cmpQuantity(q, quantityFromValue(1024)) < 0;
    if (small || !exact) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let amount = scaled(q, 0);
    let power = 0;
    while (power < BINARY_BY_POWER.length - 1 && amount % 1024n === 0n) {
      amount /= 1024n;
      power++;
    }
    return `${amount}${BINARY_BY_POWER[power] ?? ''}`;
  }
  let amount = q.unscaled;
  let exponent = q.exponent;
  while (amount % 10n === 0n) {
    amount /= 10n;
    exponent++;
  }
  while (exponent % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  while (exponent > 18) {
    amount *= 1000n;
    exponent -= 3;
  }
  return `${amount}${DECIMAL_BY_EXPONENT.get(exponent) ?? ''}`;
}
