/**
 * Field-level validation errors as upstream `k8s.io/apimachinery/pkg/util/validation/field` (v1.32):
 * a path such as `spec.containers[0].image`, an error type, the offending value and a detail, and
 * `message` rendered byte for byte like Go's `(*field.Error).Error()`.
 */
import { goQuote } from '../../lib/go-format.js';

export { goQuote };

/** Upstream `field.ErrorType`; the string is also the `reason` of a Status cause. */
export type ErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

const TYPE_TEXT: Record<ErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Types whose message never shows the value (upstream `ErrorBody`). */
const VALUELESS = new Set<ErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'InternalError']);

/**
 * A value printed as is, without quotes: what Go prints for a `fmt.Stringer` such as a
 * `resource.Quantity` (`Invalid value: 1500m: must be an integer`).
 */
export class RawValue {
  constructor(readonly text: string) {}
}

/** Upstream `omitValue`: the message shows the type only (`TooMany` without a count). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

/**
 * What the bad value may be. Strings are quoted as Go's `%q`, numbers and booleans printed as Go's
 * `%v`, string arrays as Go's `%#v` (`[]string{"a", "b"}`); other objects, which Go prints as a
 * struct dump with pointer addresses that cannot be reproduced, are printed as JSON.
 */
export type BadValue = string | number | bigint | boolean | null | undefined | RawValue | typeof OMIT_VALUE | object;

/** An immutable path to a field, rendered as upstream's `field.Path.String()`. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  /** `fieldPath('spec', 'containers')` is `spec.containers`; no names is the empty root. */
  static of(...names: string[]): FieldPath {
    return new FieldPath(names.join('.'));
  }

  child(...names: string[]): FieldPath {
    const tail = names.join('.');
    return new FieldPath(this.text === '' ? tail : `${this.text}.${tail}`);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  /** A map key, unquoted as upstream: `metadata.annotations[example.com/x]`. */
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

export const fieldPath = FieldPath.of;

/** One validation failure. Plain data plus upstream's renderings; cheap to create in bulk. */
export class FieldError {
  constructor(
    readonly type: ErrorType,
    /** The rendered path, e.g. `spec.containers[0].name`. */
    readonly field: string,
    readonly badValue: BadValue,
    readonly detail: string,
  ) {}

  /** Upstream `ErrorBody()`: the message without the field, as a Status cause carries it. */
  get body(): string {
    let s = TYPE_TEXT[this.type];
    if (!VALUELESS.has(this.type) && this.badValue !== OMIT_VALUE) s += `: ${formatValue(this.badValue)}`;
    if (this.detail !== '') s += `: ${this.detail}`;
    return s;
  }

  /** Upstream `Error()`: `spec.containers[0].name: Required value`. */
  get message(): string {
    return `${this.field}: ${this.body}`;
  }

  toString(): string {
    return this.message;
  }
}

export type ErrorList = FieldError[];

const path = (p: FieldPath | string): string => String(p);

export const notFound = (p: FieldPath | string, value: BadValue): FieldError => new FieldError('FieldValueNotFound', path(p), value, '');

export const required = (p: FieldPath | string, detail = ''): FieldError => new FieldError('FieldValueRequired', path(p), '', detail);

export const duplicate = (p: FieldPath | string, value: BadValue): FieldError => new FieldError('FieldValueDuplicate', path(p), value, '');

export const invalid = (p: FieldPath | string, value: BadValue, detail: string): FieldError =>
  new FieldError('FieldValueInvalid', path(p), value, detail);

/** `supported values: "Always", "Never", "OnFailure"`, in the order given. */
export function notSupported(p: FieldPath | string, value: BadValue, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(', ')}` : '';
  return new FieldError('FieldValueNotSupported', path(p), value, detail);
}

export const forbidden = (p: FieldPath | string, detail: string): FieldError => new FieldError('FieldValueForbidden', path(p), '', detail);

export const tooLong = (p: FieldPath | string, value: BadValue, maxLength: number): FieldError =>
  new FieldError('FieldValueTooLong', path(p), value, `must have at most ${maxLength} bytes`);

/** Negative counts mean unknown, as upstream. */
export function tooMany(p: FieldPath | string, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} items` : 'has too many items';
  return new FieldError('FieldValueTooMany', path(p), actual >= 0 ? actual : OMIT_VALUE, detail);
}

export const internalError = (p: FieldPath | string, err: Error): FieldError => new FieldError('InternalError', path(p), null, err.message);

export const typeInvalid = (p: FieldPath | string, value: BadValue, detail: string): FieldError =>
  new FieldError('FieldValueTypeInvalid', path(p), value, detail);



function formatValue(v: BadValue): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof RawValue) return v.text;
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return `[]string{${v.map(goQuote).join(', ')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Drops repeated messages, keeping the first, as upstream's `ErrorList.ToAggregate()` does. */
export function dedupe(errs: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    if (seen.has(e.message)) return false;
    seen.add(e.message);
    return true;
  });
}

/** Upstream aggregate `Error()`: the one message, or `[a, b]` for several (duplicates removed). */
export function aggregateMessage(errs: readonly FieldError[]): string {
  const unique = dedupe(errs);
  if (unique.length === 0) return '';
  if (unique.length === 1) return unique[0]?.message ?? '';
  return `[${unique.map((e) => e.message).join(', ')}]`;
}
