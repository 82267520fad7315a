import { describe, expect, it } from 'vitest';
import { checkFieldLabels, parseFieldSelector } from './fields.js';
import { parseLabelSelector } from './labels.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'frontend', n: '5' };

  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=db', false],
    ['missing!=x', true],
    ['app in (web, db)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
    ['n>3', true],
    ['n<3', false],
    ['app>3', false],
    ['tier in (frontend),!missing,app', true],
  ])('%j matches: %s', (sel, want) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(want);
  });

  it('treats an empty value as a value', () => {
    expect(parseLabelSelector('app=').matches({ app: '' })).toBe(true);
    expect(parseLabelSelector('app in ()').matches({ app: '' })).toBe(true);
  });

  it.each([
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a,', "found '', expected: identifier after ','"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    [
      'a@b=c',
      'unable to parse requirement: <nil>: Invalid value: "a@b": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
    ],
    ['n>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
  ])('%j is rejected with upstream text', (sel, message) => {
    expect(() => parseLabelSelector(sel)).toThrow(message);
  });

  it('reports bad values under values[i][key]', () => {
    expect(() => parseLabelSelector('app=a$b')).toThrow(/^unable to parse requirement: values\[0\]\[app\]: Invalid value: "a\$b": a valid label must be/);
  });
});

describe('field selectors', () => {
  const fields = { 'metadata.name': 'web', 'spec.nodeName': '', 'status.phase': 'Running' };

  it.each([
    ['metadata.name=web', true],
    ['metadata.name==web', true],
    ['metadata.name!=web', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['status.phase!=Failed,status.phase!=Succeeded', true],
    ['metadata.name=web,status.phase=Pending', false],
  ])('%j matches: %s', (sel, want) => {
    expect(parseFieldSelector(sel).matches(fields)).toBe(want);
  });

  it('unescapes values and says what a term requires', () => {
    const sel = parseFieldSelector('a=x\\,y,metadata.name=web');
    expect(sel.terms).toContainEqual({ field: 'a', op: '=', value: 'x,y' });
    expect(sel.requires('metadata.name')).toBe('web');
  });

  it('rejects malformed terms and unsupported fields as upstream', () => {
    expect(() => parseFieldSelector('foo')).toThrow("invalid selector: 'foo'; can't understand 'foo'");
    expect(() => parseFieldSelector('a=b\\c')).toThrow('invalid field selector: invalid escape sequence: \\c');
    expect(() => checkFieldLabels(parseFieldSelector('spec.foo=1'), new Set(['metadata.name']))).toThrow('field label not supported: spec.foo');
  });
});
