/**
 * String format checks as upstream `k8s.io/apimachinery/pkg/util/validation` (v1.32): each returns
 * the list of upstream's messages (empty when valid), to be wrapped in `invalid(path, value, msg)`.
 * Lengths are counted in UTF-8 bytes, as Go's `len`.
 */
import { isIP } from 'node:net';

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Upstream `RegexError`, double space before `or` included: `(e.g. 'my-name',  or '123-abc', ...)`. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  const shown = examples.map((e, i) => `${i > 0 ? ' or ' : ''}'${e}', `).join('');
  return `${msg} (e.g. ${shown}regex used for validation is '${fmt}')`;
}

export const maxLenError = (length: number): string => `must be no more than ${length} characters`;
export const emptyError = (): string => 'must be non-empty';
export const inclusiveRangeError = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`;

const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QNAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QNAME_RE = new RegExp(`^${QNAME_FMT}$`);
const QNAME_MAX = 63;

/** A label key or annotation key: `[prefix/]name`, the prefix a DNS subdomain (upstream `IsQualifiedName`). */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    const re = regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc');
    return [`a qualified name ${re} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (byteLength(name) > QNAME_MAX) errs.push(`name part ${maxLenError(QNAME_MAX)}`);
  if (!QNAME_RE.test(name)) errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

/** Container, volume and port names, namespaces (upstream `IsDNS1123Label`, at most 63). */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL_RE.test(value)) {
    // A valid subdomain that is not a label (length already checked) has dots.
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** Most object names (upstream `IsDNS1123Subdomain`, at most 253). */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

const DNS1035_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

/** Service names (upstream `IsDNS1035Label`). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!new RegExp(`^${DNS1035_FMT}$`).test(value)) errs.push(regexError(DNS1035_MSG, DNS1035_FMT, 'my-name', 'abc-123'));
  return errs;
}

const C_ID_FMT = '[A-Za-z_][A-Za-z0-9_]*';
const C_ID_MSG = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";

export function isCIdentifier(value: string): string[] {
  return new RegExp(`^${C_ID_FMT}$`).test(value) ? [] : [regexError(C_ID_MSG, C_ID_FMT, 'my_name', 'MY_NAME', 'MyName')];
}

const ENV_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const ENV_MSG = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";

function chDirPrefix(value: string): string[] {
  if (value === '.') return ["must not be '.'"];
  if (value === '..') return ["must not be '..'"];
  if (value.startsWith('..')) return ["must not start with '..'"];
  return [];
}

/** The strict env var name rule (upstream `IsEnvVarName`); 1.32 applies `isRelaxedEnvVarName` to pods. */
export function isEnvVarName(value: string): string[] {
  const errs = new RegExp(`^${ENV_FMT}$`).test(value) ? [] : [regexError(ENV_MSG, ENV_FMT, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1')];
  return [...errs, ...chDirPrefix(value)];
}

/**
 * Env var names and envFrom prefixes of pods in 1.32 (RelaxedEnvironmentVariableValidation, beta and
 * on by default): any printable ASCII except `=` (upstream `IsRelaxedEnvVarName`).
 */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push(`environment variable name ${emptyError()}`);
  if (/[^\x20-\x7e]|=/.test(value)) {
    errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
  }
  return errs;
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** An IANA_SVC_NAME: at most 15 of `[-a-z0-9]`, a letter, no `--`, no dash at either end. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.startsWith('-') || port.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const MAX_INT32 = 2147483647;
export const isValidUserID = (uid: number): string[] => (uid >= 0 && uid <= MAX_INT32 ? [] : [inclusiveRangeError(0, MAX_INT32)]);
export const isValidGroupID = isValidUserID;

const CM_KEY_FMT = '[-._a-zA-Z0-9]+';
const CM_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

/** ConfigMap and Secret keys (upstream `IsConfigMapKey`). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253));
  if (!new RegExp(`^${CM_KEY_FMT}$`).test(value)) errs.push(regexError(CM_KEY_MSG, CM_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  errs.push(...chDirPrefix(value));
  return errs;
}

const HEADER_FMT = '[-A-Za-z0-9]+';
export function isHTTPHeaderName(value: string): string[] {
  const msg = "a valid HTTP header must consist of alphanumeric characters or '-'";
  return new RegExp(`^${HEADER_FMT}$`).test(value) ? [] : [regexError(msg, HEADER_FMT, 'X-Header-Name')];
}

/** Upstream 1.32 `IsValidIP`, which parses sloppily (IPv4 octets may have leading zeros). */
export function isValidIP(value: string): string[] {
  const octets = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(value);
  const sloppyV4 = octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
  return isIP(value) !== 0 || sloppyV4 ? [] : ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
}

/** Validates a name, or with `prefix` a generateName (a trailing dash is then allowed). */
export type NameFn = (name: string, prefix: boolean) => string[];

/** Upstream `maskTrailingDash`. */
const maskTrailingDash = (name: string): string => (name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name);

/** Upstream `NameIsDNSSubdomain`: pods, config maps, secrets, nodes. */
export const nameIsDNSSubdomain: NameFn = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** Upstream `NameIsDNSLabel`: namespaces. */
export const nameIsDNSLabel: NameFn = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** Upstream `NameIsDNS1035Label`: services. */
export const nameIsDNS1035Label: NameFn = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
