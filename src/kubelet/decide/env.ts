/**
 * A container's environment as upstream `makeEnvironmentVariables` (kubelet_pods.go): `envFrom`
 * first (later sources win, invalid names skipped with a warning), then `env` in order, each value
 * `$(VAR)`-expanded against the variables defined so far and the service variables, or resolved
 * from its source (downward API field, container resource, ConfigMap or Secret key). Service
 * variables not shadowed come last.
 *
 * Upstream builds the list from a Go map, so its order is random; ours is deterministic: first
 * definition position, last definition value. Failures throw `ContainerConfigError` with
 * upstream's messages.
 */
import type { ConfigMap, Container, EnvVar, ObjectFieldSelector, Pod, ResourceFieldSelector, ResourceList, Secret } from '../../api/index.js';
import { parseQuantity, toBytes, toMilli, type Quantity } from '../../api/index.js';
import { ContainerConfigError } from './config-error.js';
import { expand, mappingFor } from './expansion.js';
import { goQuote } from '../../lib/go-format.js';

export interface EnvContext {
  /** The pod's IPs, primary first (from the sandbox). */
  podIPs?: readonly string[];
  /** The node's IPs, primary first. */
  hostIPs?: readonly string[];
  /**
   * ConfigMap lookup in the pod's namespace; undefined means not found. Leave the function out
   * when there is no API server (static pods alone): every reference then fails, as upstream.
   */
  getConfigMap?: (name: string) => ConfigMap | undefined;
  /** Secret lookup, like `getConfigMap`. */
  getSecret?: (name: string) => Secret | undefined;
  /** Service link variables (`enableServiceLinks`). */
  serviceEnv?: ReadonlyMap<string, string>;
  /** The node's allocatable resources: the value of `limits.*` for containers without a limit. */
  nodeAllocatable?: ResourceList;
}

export interface EnvResult {
  env: Array<{ name: string; value: string }>;
  /** `InvalidEnvironmentVariableNames` event messages for skipped envFrom keys. */
  warnings: string[];
}

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUPPORTED_FIELD_LABELS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** Upstream `SplitMaybeSubscriptedPath`: `metadata.labels['app']` -> [`metadata.labels`, `app`]. */
function splitSubscript(path: string): [string, string] | null {
  if (!path.endsWith("']")) return null;
  const body = path.slice(0, -2);
  const at = body.indexOf("['");
  if (at <= 0) return null;
  return [body.slice(0, at), body.slice(at + 2)];
}

/** Upstream `FormatMap`: sorted `key="value"` lines. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m?.[k] ?? '')}`)
    .join('\n');
}

/** Upstream `podFieldSelectorRuntimeValue` after `ConvertDownwardAPIFieldLabel`. */
export function fieldRefValue(ref: ObjectFieldSelector, pod: Pod, ctx: EnvContext): string {
  const version = ref.apiVersion ?? 'v1';
  if (version !== 'v1') throw new Error(`unsupported pod version: ${version}`);
  const sub = splitSubscript(ref.fieldPath);
  if (sub) {
    const [path, key] = sub;
    if (path !== 'metadata.annotations' && path !== 'metadata.labels') throw new Error(`field label does not support subscript: ${ref.fieldPath}`);
    const checked = path === 'metadata.annotations' ? key.toLowerCase() : key;
    if (!QUALIFIED_NAME.test(checked) || checked.length > 316) throw new Error(`invalid key subscript in ${ref.fieldPath}: ${key}`);
    return (path === 'metadata.annotations' ? pod.metadata.annotations : pod.metadata.labels)?.[key] ?? '';
  }
  const path = ref.fieldPath === 'spec.host' ? 'spec.nodeName' : ref.fieldPath;
  if (!SUPPORTED_FIELD_LABELS.has(path)) throw new Error(`field label not supported: ${ref.fieldPath}`);
  const hostIPs = (): readonly string[] => {
    if (!ctx.hostIPs || ctx.hostIPs.length === 0) throw new Error('cannot get host IPs: node IP unknown');
    return ctx.hostIPs;
  };
  switch (path) {
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
      return hostIPs()[0] ?? '';
    case 'status.hostIPs':
      return hostIPs().join(',');
    case 'status.podIP':
      return ctx.podIPs?.[0] ?? '';
    case 'status.podIPs':
      return (ctx.podIPs ?? []).join(',');
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    default:
      throw new Error(`unsupported fieldPath: ${path}`);
  }
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a % b === 0n ? a / b : a / b + (a > 0n === b > 0n ? 1n : 0n));

/** Upstream `ExtractContainerResourceValue`, with unset limits defaulted to node allocatable. */
export function resourceFieldRefValue(ref: ResourceFieldSelector, pod: Pod, container: Container, ctx: EnvContext): string {
  let target = container;
  if (ref.containerName) {
    const found = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === ref.containerName);
    if (!found) throw new Error(`container ${ref.containerName} not found`);
    target = found;
  }
  const divisorQ = ref.divisor !== undefined ? parseQuantity(ref.divisor) : undefined;
  const divisor = divisorQ && divisorQ.unscaled !== 0n ? divisorQ : parseQuantity('1');
  const dot = ref.resource.indexOf('.');
  const kind = ref.resource.slice(0, dot);
  const name = ref.resource.slice(dot + 1);
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests')) throw new Error(`unsupported container resource : ${ref.resource}`);
  if (!['cpu', 'memory', 'ephemeral-storage'].includes(name) && !name.startsWith('hugepages-')) {
    throw new Error(`unsupported container resource : ${ref.resource}`);
  }
  const list = kind === 'limits' ? { ...ctx.nodeAllocatable, ...target.resources?.limits } : target.resources?.requests;
  const raw = list?.[name];
  const q: Quantity = raw !== undefined ? parseQuantity(raw) : parseQuantity('0');
  if (name === 'cpu') return String(ceilDiv(toMilli(q), toMilli(divisor)));
  return String(ceilDiv(toBytes(q), toBytes(divisor) || 1n));
}

function decodeSecret(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

/** Builds the container's environment; throws `ContainerConfigError` on a reference it cannot resolve. */
export function makeEnvironmentVariables(pod: Pod, container: Container, ctx: EnvContext = {}): EnvResult {
  const ns = pod.metadata.namespace ?? '';
  const env = new Map<string, string>();
  const warnings: string[] = [];
  const fail = (message: string, cause?: unknown): never => {
    throw new ContainerConfigError(container.name, message, cause === undefined ? undefined : { cause });
  };
  const configMap = (name: string, optional: boolean): ConfigMap | undefined => {
    if (!ctx.getConfigMap) return fail(`couldn't get configMap ${ns}/${name}, no kubeClient defined`);
    const cm = ctx.getConfigMap(name);
    if (!cm && !optional) fail(`configmap "${name}" not found`);
    return cm;
  };
  const secret = (name: string, optional: boolean): Secret | undefined => {
    if (!ctx.getSecret) return fail(`couldn't get secret ${ns}/${name}, no kubeClient defined`);
    const s = ctx.getSecret(name);
    if (!s && !optional) fail(`secret "${name}" not found`);
    return s;
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    let what: string;
    if (from.configMapRef) {
      what = `configMap ${ns}/${from.configMapRef.name ?? ''}`;
      data = configMap(from.configMapRef.name ?? '', from.configMapRef.optional === true)?.data;
    } else if (from.secretRef) {
      what = `secret ${ns}/${from.secretRef.name ?? ''}`;
      const s = secret(from.secretRef.name ?? '', from.secretRef.optional === true);
      data = s?.data ? Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, decodeSecret(v)])) : undefined;
    } else {
      continue;
    }
    const invalid: string[] = [];
    for (const [key, value] of Object.entries(data ?? {})) {
      const name = prefix + key;
      if (ENV_VAR_NAME.test(name)) env.set(name, value);
      else invalid.push(name);
    }
    if (invalid.length > 0) {
      warnings.push(`Keys [${invalid.sort().join(', ')}] from the EnvFrom ${what} were skipped since they are considered invalid environment variable names.`);
    }
  }

  const mapping = mappingFor(env, ctx.serviceEnv ?? new Map());
  /** The value of one `env` entry; undefined when an optional source is missing (the variable is skipped). */
  function resolve(v: EnvVar): string | undefined {
    if (v.value) return expand(v.value, mapping);
    const from = v.valueFrom;
    if (!from) return v.value ?? '';
    try {
      if (from.fieldRef) return fieldRefValue(from.fieldRef, pod, ctx);
      if (from.resourceFieldRef) return resourceFieldRefValue(from.resourceFieldRef, pod, container, ctx);
    } catch (err) {
      if (err instanceof ContainerConfigError) throw err;
      return fail(err instanceof Error ? err.message : String(err), err);
    }
    if (from.configMapKeyRef) {
      const { name = '', key, optional = false } = from.configMapKeyRef;
      const cm = configMap(name, optional);
      const value = cm?.data?.[key];
      if (value === undefined && cm && !optional) fail(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
      return value;
    }
    if (from.secretKeyRef) {
      const { name = '', key, optional = false } = from.secretKeyRef;
      const s = secret(name, optional);
      const value = s?.data?.[key];
      if (value === undefined && s && !optional) fail(`couldn't find key ${key} in Secret ${ns}/${name}`);
      return value === undefined ? undefined : decodeSecret(value);
    }
    return '';
  }

  for (const v of container.env ?? []) {
    const value = resolve(v);
    if (value !== undefined) env.set(v.name, value);
  }

  const out = [...env].map(([name, value]) => ({ name, value }));
  for (const [name, value] of ctx.serviceEnv ?? []) {
    if (!env.has(name)) out.push({ name, value });
  }
  return { env: out, warnings };
}
