/**
 * Container resource requirements as upstream `validateResourceRequirements` with
 * `validateContainerResourceName` (v1.32). Upstream rejects an unparsable quantity while decoding
 * the body; here it is reported on its field with the parser's upstream message, and the checks
 * that need its value are skipped.
 */
import type { ResourceRequirements } from '../container.js';
import { cmpQuantity, formatQuantity, parseQuantity, QuantityError, toBytes, toMilli, type Quantity } from '../quantity.js';
import { duplicate, FieldError, forbidden, invalid, RawValue, required, type ErrorList, type FieldPath } from './field.js';
import { isDNS1123Label, isQualifiedName } from './names.js';

const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage',
  'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps',
  'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]); // prettier-ignore
const INTEGER_RESOURCES = new Set([
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps',
  'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers',
]); // prettier-ignore
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

export const isHugePageResourceName = (name: string): boolean => name.startsWith('hugepages-');

/** Unprefixed, or prefixed with `kubernetes.io/` (upstream `IsNativeResource`). */
export const isNativeResource = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');

/** A vendor resource such as `example.com/gpu` (upstream `IsExtendedResourceName`). */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** Requests may be below limits only for native, non-hugepage resources. */
export const isOvercommitAllowed = (name: string): boolean => isNativeResource(name) && !isHugePageResourceName(name);

const isStandardResourceName = (name: string): boolean =>
  STANDARD_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');

function validateContainerResourceName(name: string, path: FieldPath): ErrorList {
  const errs: ErrorList = isQualifiedName(name).map((msg) => invalid(path, name, msg));
  const unqualified = !name.includes('/');
  if (errs.length === 0 && unqualified && !isStandardResourceName(name)) {
    errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
  }
  if (unqualified) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePageResourceName(name)) {
      errs.push(invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

function parse(value: unknown, path: FieldPath, errs: ErrorList): Quantity | undefined {
  try {
    if (typeof value !== 'string' && typeof value !== 'number') throw new QuantityError('FormatWrong', String(value));
    return parseQuantity(value);
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    errs.push(invalid(path, typeof value === 'string' ? value : String(value), err.message));
    return undefined;
  }
}

/** Non-negative, whole for integer resources, a multiple of the page size for hugepages. */
function validateQuantity(name: string, q: Quantity, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const text = formatQuantity(q);
  if (q.unscaled < 0n) errs.push(invalid(path, text, 'must be greater than or equal to 0'));
  if ((INTEGER_RESOURCES.has(name) || isExtendedResourceName(name)) && toMilli(q) % 1000n !== 0n) {
    errs.push(invalid(path, new RawValue(text), 'must be an integer'));
  }
  return errs;
}

function hugePageError(name: string, q: Quantity, path: FieldPath): ErrorList {
  if (!isHugePageResourceName(name)) return [];
  let divisible = false;
  try {
    const page = parseQuantity(name.slice('hugepages-'.length));
    divisible = page.unscaled > 0n && toMilli(page) % 1000n === 0n && toBytes(q) % toBytes(page) === 0n;
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
  }
  const text = formatQuantity(q);
  return divisible ? [] : [invalid(path, text, `${text} is not positive integer multiple of ${name}`)];
}

/**
 * `resources` of a container. `podClaimNames` are the names in `spec.resourceClaims`, which
 * `resources.claims` must reference.
 */
export function validateContainerResources(
  res: ResourceRequirements | undefined,
  podClaimNames: ReadonlySet<string>,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = new Map<string, Quantity>();
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, value] of Object.entries(res?.limits ?? {})) {
    const p = limPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    const q = parse(value, p, errs);
    if (!q) continue;
    limits.set(name, q);
    errs.push(...validateQuantity(name, q, p), ...hugePageError(name, q, p));
    hugePages ||= isHugePageResourceName(name);
    cpuOrMemory ||= name === 'cpu' || name === 'memory';
  }
  for (const [name, value] of Object.entries(res?.requests ?? {})) {
    const p = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    const q = parse(value, p, errs);
    if (!q) continue;
    errs.push(...validateQuantity(name, q, p));
    const limit = limits.get(name);
    const text = formatQuantity(q);
    if (limit) {
      const cmp = cmpQuantity(q, limit);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(reqPath, text, `must be equal to ${name} limit of ${formatQuantity(limit)}`));
      } else if (cmp > 0) {
        errs.push(invalid(reqPath, text, `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`));
      }
    } else if (!isOvercommitAllowed(name) && !(name in (res?.limits ?? {}))) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    errs.push(...hugePageError(name, q, p));
    hugePages ||= isHugePageResourceName(name);
    cpuOrMemory ||= name === 'cpu' || name === 'memory';
  }
  if (hugePages && !cpuOrMemory) errs.push(forbidden(path, 'HugePages require cpu or memory'));
  errs.push(...validateClaimRefs(res?.claims, podClaimNames, path.child('claims')));
  return errs;
}

/** `resources.claims`: each a name of `spec.resourceClaims`, each claim or request referenced once. */
function validateClaimRefs(claims: ResourceRequirements['claims'], podClaimNames: ReadonlySet<string>, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const seen = new Set<string>();
  (claims ?? []).forEach((claim, i) => {
    const p = path.index(i);
    if (!claim.name) return void errs.push(required(p));
    if (seen.has(claim.name)) {
      errs.push(duplicate(p, claim.name));
    } else {
      const request = claim.request ?? '';
      for (const msg of isDNS1123Label(request)) if (request) errs.push(invalid(p.child('request'), request, msg));
      const key = request ? `${claim.name}/${request}` : claim.name;
      if (seen.has(key)) errs.push(duplicate(p, key));
      else if (!request && [...seen].some((k) => k.startsWith(`${claim.name}/`))) errs.push(duplicate(p, claim.name));
      seen.add(key);
    }
    if (!podClaimNames.has(claim.name)) {
      const names = [...podClaimNames].sort();
      const which = names.length === 0 ? ' which is empty' : `: ${names.join(', ')}`;
      errs.push(new FieldError('FieldValueNotFound', String(p), claim.name, `must be one of the names in pod.spec.resourceClaims${which}`));
    }
  });
  return errs;
}
