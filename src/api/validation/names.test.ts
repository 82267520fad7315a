import { describe, expect, it } from 'vitest';
import {
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  regexError,
} from './index.js';

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('regexError', () => {
  it('keeps upstream double space before "or"', () => {
    expect(regexError('m', 'f')).toBe("m (regex used for validation is 'f')");
    expect(regexError('m', 'f', 'a', 'b')).toBe("m (e.g. 'a',  or 'b', regex used for validation is 'f')");
  });
});

describe('DNS names', () => {
  it.each([
    ['app', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['My_App', [LABEL_MSG]],
    ['-app', [LABEL_MSG]],
    ['', [LABEL_MSG]],
    ['my.app', ['must not contain dots']],
  ])('label %j', (value, msgs) => {
    expect(isDNS1123Label(value)).toEqual(msgs);
  });

  it.each([
    ['example.com', []],
    ['Bad_Name', [SUBDOMAIN_MSG]],
    ['a.'.repeat(127) + 'a', ['must be no more than 253 characters']],
  ])('subdomain %j', (value, msgs) => {
    expect(isDNS1123Subdomain(value)).toEqual(msgs);
  });

  it('DNS-1035 labels start with a letter', () => {
    expect(isDNS1035Label('1abc')).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it('generateName prefixes may end with a dash', () => {
    expect(nameIsDNSSubdomain('web-', true)).toEqual([]);
    expect(nameIsDNSSubdomain('web-', false)).toEqual([SUBDOMAIN_MSG]);
    expect(nameIsDNSLabel('kube-', true)).toEqual([]);
  });
});

describe('qualified names and label values', () => {
  it.each([
    ['app', []],
    ['example.com/App_1', []],
    ['invalid label', [`name part ${QNAME_MSG}`]],
    ['/x', ['prefix part must be non-empty']],
    ['Example.com/x', [`prefix part ${SUBDOMAIN_MSG}`]],
    ['example.com/', ['name part must be non-empty', `name part ${QNAME_MSG}`]],
    ['a/b/c', [`a qualified name ${QNAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`]],
    ['x'.repeat(64), ['name part must be no more than 63 characters']],
  ])('key %j', (value, msgs) => {
    expect(isQualifiedName(value)).toEqual(msgs);
  });

  it.each([
    ['', []],
    ['my_value', []],
    ['-01', [LABEL_VALUE_MSG]],
    ['v'.repeat(64), ['must be no more than 63 characters']],
  ])('value %j', (value, msgs) => {
    expect(isValidLabelValue(value)).toEqual(msgs);
  });
});

describe('env var names', () => {
  const STRICT =
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
  it('strict rule (IsEnvVarName), as the kubelet validates static pods', () => {
    expect(isEnvVarName('MY_VAR')).toEqual([]);
    expect(isEnvVarName('1X')).toEqual([STRICT]);
    expect(isEnvVarName('..x')).toEqual(["must not start with '..'"]);
  });
  it('relaxed rule of 1.32 API servers (IsRelaxedEnvVarName)', () => {
    expect(isRelaxedEnvVarName('1 weird:name!')).toEqual([]);
    expect(isRelaxedEnvVarName('A=B')).toEqual(["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
    expect(isRelaxedEnvVarName('tab\there')).toHaveLength(1);
  });
  it('C identifiers', () => {
    expect(isCIdentifier('my_name')).toEqual([]);
    expect(isCIdentifier('my-name')).toEqual([
      "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')",
    ]);
  });
});

describe('ports, keys, IPs', () => {
  it('port numbers', () => {
    expect(isValidPortNum(1)).toEqual([]);
    expect(isValidPortNum(0)).toEqual(['must be between 1 and 65535, inclusive']);
    expect(isValidPortNum(65536)).toEqual(['must be between 1 and 65535, inclusive']);
  });
  it.each([
    ['http', []],
    ['http-metrics-long', ['must be no more than 15 characters']],
    ['8080', ['must contain at least one letter (a-z)']],
    ['a--b', ['must not contain consecutive hyphens']],
    ['-web', ['must not begin or end with a hyphen']],
    ['Web', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
  ])('port name %j', (value, msgs) => {
    expect(isValidPortName(value)).toEqual(msgs);
  });
  it('config map keys', () => {
    expect(isConfigMapKey('key.name')).toEqual([]);
    expect(isConfigMapKey('..')).toEqual(["must not be '..'"]);
    expect(isConfigMapKey('a b')).toEqual([
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
  });
  it('IP addresses, parsed sloppily as 1.32', () => {
    expect(isValidIP('10.0.0.1')).toEqual([]);
    expect(isValidIP('010.000.000.001')).toEqual([]);
    expect(isValidIP('fd00::1')).toEqual([]);
    expect(isValidIP('10.0.0.256')).toEqual(['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  });
});
