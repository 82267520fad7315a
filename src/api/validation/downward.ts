/**
 * Downward API selectors shared by env vars and downwardAPI volume files: `fieldRef` (pod fields)
 * and `resourceFieldRef` (container resources), as upstream `validateObjectFieldSelector` and
 * `validateContainerResourceFieldSelector` (v1.32).
 */
import type { ObjectFieldSelector, ResourceFieldSelector } from '../container.js';
import { formatQuantity, parseQuantity, QuantityError } from '../quantity.js';
import { invalid, notSupported, required, type ErrorList, type FieldPath } from './field.js';
import { isQualifiedName } from './names.js';

/** Pod fields an env var may reference, sorted as upstream lists them. */
export const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]; // prettier-ignore
/** Pod fields a downwardAPI volume file may reference. */
export const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const HUGEPAGE_PREFIXES = ['limits.hugepages-', 'requests.hugepages-'];

/** Fields upstream `ConvertDownwardAPIFieldLabel` knows for pods (`spec.host` is an old alias). */
const CONVERTIBLE = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid',
  'spec.nodeName', 'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName',
  'status.phase', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]); // prettier-ignore

/** Upstream `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['app']` -> path and subscript. */
function splitSubscript(fieldPath: string): { path: string; subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const inner = fieldPath.slice(0, -2);
  const at = inner.indexOf("['");
  if (at <= 0) return undefined;
  return { path: inner.slice(0, at), subscript: inner.slice(at + 2) };
}

function convertFieldLabel(apiVersion: string, label: string): { path: string } | { error: string } {
  if (apiVersion !== 'v1') return { error: `unsupported pod version: ${apiVersion}` };
  const sub = splitSubscript(label);
  if (sub) {
    if (sub.path === 'metadata.annotations' || sub.path === 'metadata.labels') return { path: label };
    return { error: `field label does not support subscript: ${label}` };
  }
  if (label === 'spec.host') return { path: 'spec.nodeName' };
  return CONVERTIBLE.has(label) ? { path: label } : { error: `field label not supported: ${label}` };
}

/** `fieldRef`: apiVersion `v1` (defaulted), a supported path, label/annotation subscripts qualified. */
export function validateObjectFieldSelector(fs: ObjectFieldSelector, allowed: readonly string[], path: FieldPath): ErrorList {
  if (!fs.apiVersion) return [required(path.child('apiVersion'))];
  if (!fs.fieldPath) return [required(path.child('fieldPath'))];
  const converted = convertFieldLabel(fs.apiVersion, fs.fieldPath);
  if ('error' in converted) return [invalid(path.child('fieldPath'), fs.fieldPath, `error converting fieldPath: ${converted.error}`)];
  const sub = splitSubscript(converted.path);
  if (sub) {
    if (sub.path === 'metadata.annotations') return isQualifiedName(sub.subscript.toLowerCase()).map((m) => invalid(path, sub.subscript.toLowerCase(), m));
    if (sub.path === 'metadata.labels') return isQualifiedName(sub.subscript).map((m) => invalid(path, sub.subscript, m));
    return [invalid(path, sub.path, 'does not support subscript')];
  }
  if (!allowed.includes(converted.path)) return [notSupported(path.child('fieldPath'), converted.path, allowed)];
  return [];
}

const DIVISORS: Record<string, { allowed: ReadonlySet<string>; message: string }> = {
  cpu: { allowed: new Set(['1m', '1']), message: "only divisor's values 1m and 1 are supported with the cpu resource" },
  memory: {
    allowed: new Set(['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei']),
    message: "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource",
  },
};
const STORAGE_MESSAGE =
  "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource";
const HUGEPAGES_MESSAGE =
  "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the hugepages resource";

function validateDivisor(resource: string, divisor: string | undefined, path: FieldPath): ErrorList {
  if (divisor === undefined) return [];
  let text: string;
  try {
    const q = parseQuantity(divisor);
    if (q.unscaled === 0n) return [];
    text = formatQuantity(q);
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    return [invalid(path.child('divisor'), String(divisor), err.message)];
  }
  const kind = resource.replace(/^(limits|requests)\./, '');
  const memoryLike = DIVISORS.memory?.allowed ?? new Set<string>();
  const errs: ErrorList = [];
  const rule = DIVISORS[kind];
  if (rule && resource !== kind && !rule.allowed.has(text)) errs.push(invalid(path.child('divisor'), resource, rule.message));
  if (kind === 'ephemeral-storage' && resource !== kind && !memoryLike.has(text)) errs.push(invalid(path.child('divisor'), resource, STORAGE_MESSAGE));
  if (HUGEPAGE_PREFIXES.some((p) => resource.startsWith(p)) && !memoryLike.has(text)) errs.push(invalid(path.child('divisor'), resource, HUGEPAGES_MESSAGE));
  return errs;
}

/** `resourceFieldRef`; in a volume the container name is required. */
export function validateResourceFieldSelector(fs: ResourceFieldSelector, path: FieldPath, volume: boolean): ErrorList {
  const errs: ErrorList = [];
  if (volume && !fs.containerName) errs.push(required(path.child('containerName')));
  else if (!fs.resource) errs.push(required(path.child('resource')));
  else if (!RESOURCE_FIELD_PATHS.includes(fs.resource) && !HUGEPAGE_PREFIXES.some((p) => fs.resource.startsWith(p))) {
    errs.push(notSupported(path.child('resource'), fs.resource, RESOURCE_FIELD_PATHS));
  }
  errs.push(...validateDivisor(fs.resource ?? '', fs.divisor, path));
  return errs;
}
