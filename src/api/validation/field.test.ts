import { describe, expect, it } from 'vitest';
import {
  aggregateMessage,
  duplicate,
  fieldPath,
  forbidden,
  goQuote,
  internalError,
  invalid,
  notFound,
  notSupported,
  RawValue,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from './index.js';

describe('field paths', () => {
  it('render children, indexes and unquoted keys as upstream field.Path', () => {
    const p = fieldPath('spec', 'containers').index(0).child('resources', 'limits').key('example.com/gpu');
    expect(String(p)).toBe('spec.containers[0].resources.limits[example.com/gpu]');
    expect(String(fieldPath().child('metadata'))).toBe('metadata');
  });
});

describe('FieldError messages match upstream Error()', () => {
  const p = fieldPath('spec', 'x');
  it.each([
    ['required', required(p), 'spec.x: Required value'],
    ['required with detail', required(fieldPath('metadata', 'name'), 'name or generateName is required'), 'metadata.name: Required value: name or generateName is required'],
    ['invalid string', invalid(p, 'a"b', 'bad'), 'spec.x: Invalid value: "a\\"b": bad'],
    ['invalid number', invalid(p, 70000, 'must be between 1 and 65535, inclusive'), 'spec.x: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ['invalid boolean', invalid(p, true, 'no'), 'spec.x: Invalid value: true: no'],
    ['invalid null', invalid(p, null, 'no'), 'spec.x: Invalid value: null: no'],
    ['invalid Stringer', invalid(p, new RawValue('1500m'), 'must be an integer'), 'spec.x: Invalid value: 1500m: must be an integer'],
    ['invalid []string', invalid(p, ['a', 'b'], 'too many'), 'spec.x: Invalid value: []string{"a", "b"}: too many'],
    ['not found', notFound(p, 'data'), 'spec.x: Not found: "data"'],
    ['duplicate', duplicate(p, 'app'), 'spec.x: Duplicate value: "app"'],
    ['not supported', notSupported(p, 'Sometimes', ['Always', 'OnFailure', 'Never']), 'spec.x: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ['not supported without values', notSupported(p, 'x', []), 'spec.x: Unsupported value: "x"'],
    ['forbidden', forbidden(p, 'may not be set for non-init containers'), 'spec.x: Forbidden: may not be set for non-init containers'],
    ['too long hides the value', tooLong(p, 'x'.repeat(10), 262144), 'spec.x: Too long: must have at most 262144 bytes'],
    ['too many', tooMany(p, 5, 4), 'spec.x: Too many: 5: must have at most 4 items'],
    ['too many, count unknown', tooMany(p, -1, 4), 'spec.x: Too many: must have at most 4 items'],
    ['internal', internalError(p, new Error('boom')), 'spec.x: Internal error: boom'],
    ['type invalid', typeInvalid(p, 'x', 'must be an integer'), 'spec.x: Invalid value: "x": must be an integer'],
  ])('%s', (_name, err, message) => {
    expect(err.message).toBe(message);
    expect(String(err)).toBe(message);
    expect(err.body).toBe(message.slice(`${err.field}: `.length));
  });

  it('carries the upstream cause reason as its type', () => {
    expect([required(p).type, invalid(p, 1, '').type, notSupported(p, '', []).type, tooLong(p, '', 1).type]).toEqual([
      'FieldValueRequired',
      'FieldValueInvalid',
      'FieldValueNotSupported',
      'FieldValueTooLong',
    ]);
  });
});

describe('goQuote is Go strconv.Quote', () => {
  it.each([
    ['plain', '"plain"'],
    ['tab\tnew\nline\r', '"tab\\tnew\\nline\\r"'],
    ['back\\slash "q"', '"back\\\\slash \\"q\\""'],
    ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['\x07\b\f\v', '"\\a\\b\\f\\v"'],
    ['héllo 世界', '"héllo 世界"'],
    ['nb\u00a0sp', '"nb\\u00a0sp"'],
  ])('%j', (input, quoted) => {
    expect(goQuote(input)).toBe(quoted);
  });
});

describe('aggregateMessage', () => {
  const a = required('a');
  const b = invalid('b', 'x', 'bad');
  it('is the single message, or [a, b] without duplicates', () => {
    expect(aggregateMessage([])).toBe('');
    expect(aggregateMessage([a])).toBe('a: Required value');
    expect(aggregateMessage([a, b, required('a')])).toBe('[a: Required value, b: Invalid value: "x": bad]');
    expect(aggregateMessage([a, required('a')])).toBe('a: Required value');
  });
});
