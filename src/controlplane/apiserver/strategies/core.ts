/**
 * Strategies of the core kinds besides pods (pkg/registry/core/*, v1.32), reduced to the rules
 * clients meet: defaulting, status handling, the key and size rules of config maps and secrets,
 * immutability, and the namespace/event invariants. Deeper validation of services and nodes
 * comes with the controllers that use them.
 */
import { formatTime } from '../../../api/index.js';
import {
  fieldPath,
  forbidden,
  invalid,
  isConfigMapKey,
  isQualifiedName,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  notSupported,
  required,
  tooLong,
  type FieldError,
} from '../../../api/validation/index.js';
import { arrayAt, cloneJson, isRecord, jsonEqual, recordAt, stringAt, type KObject } from '../object.js';
import type { StatusStrategy, Strategy } from '../registry/types.js';
import { genericStrategy, immutable, validateMetaUpdate } from './generic.js';

type Rec = Record<string, unknown>;

/** Upstream `MaxSecretSize`, also the config map limit. */
export const MAX_SECRET_SIZE = 1024 * 1024;

const base64Size = (v: unknown): number => (typeof v === 'string' ? Buffer.from(v, 'base64').length : 0);

function validateKeys(data: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(isRecord(data) ? data : {})) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(fieldPath(path).key(key), key, msg));
  }
  return errs;
}

/** Upstream's rule for `immutable: true` config maps and secrets. */
function validateImmutableData(obj: KObject, old: KObject, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  const msg = 'field is immutable when `immutable` is set';
  if (obj.immutable !== true) errs.push(forbidden(fieldPath('immutable'), msg));
  for (const f of fields) if (!jsonEqual(obj[f] ?? null, old[f] ?? null)) errs.push(forbidden(fieldPath(f), msg));
  return errs;
}

function validateConfigMap(obj: KObject): FieldError[] {
  const errs = validateKeys(obj.data, 'data');
  const binary = isRecord(obj.binaryData) ? obj.binaryData : {};
  for (const key of Object.keys(isRecord(obj.data) ? obj.data : {})) {
    if (key in binary) errs.push(invalid(fieldPath('data').key(key), key, 'duplicate of key present in binaryData'));
  }
  errs.push(...validateKeys(obj.binaryData, 'binaryData'));
  let size = 0;
  for (const v of Object.values(isRecord(obj.data) ? obj.data : {})) size += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  for (const v of Object.values(binary)) size += base64Size(v);
  if (size > MAX_SECRET_SIZE) errs.push(tooLong(fieldPath(''), '', MAX_SECRET_SIZE));
  return errs;
}

export const configMapStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  validate: validateConfigMap,
  validateUpdate: (obj, old) => [...validateImmutableData(obj, old, ['data', 'binaryData']), ...validateConfigMap(obj)],
});

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

function validateSecret(obj: KObject): FieldError[] {
  const errs = validateKeys(obj.data, 'data');
  let size = 0;
  for (const v of Object.values(isRecord(obj.data) ? obj.data : {})) size += base64Size(v);
  if (size > MAX_SECRET_SIZE) errs.push(tooLong(fieldPath('data'), '', MAX_SECRET_SIZE));
  const data = isRecord(obj.data) ? obj.data : {};
  const type = typeof obj.type === 'string' ? obj.type : '';
  for (const key of SECRET_REQUIRED_KEYS[type] ?? []) if (!(key in data)) errs.push(required(fieldPath('data').key(key)));
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(required(fieldPath('data').key('username')), required(fieldPath('data').key('password')));
  }
  if (type === 'kubernetes.io/service-account-token' && !obj.metadata.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(required(fieldPath('metadata', 'annotations').key('kubernetes.io/service-account.name')));
  }
  return errs;
}

export const secretStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  defaults(obj) {
    if (!obj.type) obj.type = 'Opaque';
    // v1 -> internal conversion: stringData is write-only and wins over data.
    if (isRecord(obj.stringData)) {
      const data: Rec = isRecord(obj.data) ? obj.data : {};
      for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      obj.data = data;
    }
    delete obj.stringData;
  },
  validate: validateSecret,
  validateUpdate: (obj, old) => [...immutable(obj.type ?? '', old.type ?? '', 'type'), ...validateImmutableData(obj, old, ['data']), ...validateSecret(obj)],
});

function validateNamespaceFinalizers(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(obj, 'spec', 'finalizers').forEach((f, i) => {
    const name = String(f);
    const p = fieldPath('spec', 'finalizers').index(i);
    for (const msg of isQualifiedName(name)) errs.push(invalid(p, name, msg));
    if (!name.includes('/') && name !== 'kubernetes') errs.push(invalid(p, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  });
  return errs;
}

/** The label every namespace carries (upstream defaulting and Canonicalize). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export const namespaceStrategy: Strategy = genericStrategy({
  namespaced: false,
  nameFn: nameIsDNSLabel,
  defaults(obj) {
    if (obj.metadata.name) obj.metadata.labels = { ...obj.metadata.labels, [NAMESPACE_NAME_LABEL]: obj.metadata.name };
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
    const spec: Rec = isRecord(obj.spec) ? obj.spec : {};
    const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers : [];
    if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
    spec.finalizers = finalizers;
    obj.spec = spec;
  },
  prepareForUpdate(obj, old) {
    obj.spec = { ...(isRecord(obj.spec) ? obj.spec : {}), finalizers: cloneJson(arrayAt(old, 'spec', 'finalizers')) };
    obj.status = cloneJson(old.status);
  },
  validate: validateNamespaceFinalizers,
  beforeDelete(obj, now) {
    // Upstream's namespace REST: the first delete starts termination; the namespace controller
    // empties the namespace, clears spec.finalizers (PUT .../finalize) and deletes it again.
    if (!obj.metadata.deletionTimestamp) {
      obj.metadata.deletionTimestamp = formatTime(now);
      obj.status = { ...(isRecord(obj.status) ? obj.status : {}), phase: 'Terminating' };
      return 'mark';
    }
    return arrayAt(obj, 'spec', 'finalizers').length > 0 ? 'keep' : 'proceed';
  },
});

/** Upstream's namespace finalize strategy (`PUT namespaces/<name>/finalize`): only `spec.finalizers` changes. */
export const namespaceFinalizeStrategy: StatusStrategy = {
  prepareForUpdate(obj, old) {
    const finalizers = isRecord(obj.spec) ? obj.spec.finalizers : undefined;
    const meta = obj.metadata;
    for (const k of Object.keys(obj)) delete obj[k];
    Object.assign(obj, cloneJson(old));
    obj.metadata = meta;
    obj.spec = { ...(isRecord(old.spec) ? old.spec : {}), ...(finalizers === undefined ? {} : { finalizers }) };
  },
  validateUpdate: (obj, old) => [...validateMetaUpdate(obj.metadata, old.metadata), ...validateNamespaceFinalizers(obj)],
};

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateService(obj: KObject): FieldError[] {
  const spec = recordAt(obj, 'spec') ?? {};
  const errs: FieldError[] = [];
  const type = stringAt(spec, 'type');
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported(fieldPath('spec', 'type'), type, SERVICE_TYPES));
  const ports = arrayAt(spec, 'ports').filter(isRecord);
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && type !== 'ExternalName' && !headless) errs.push(required(fieldPath('spec', 'ports')));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = fieldPath('spec', 'ports').index(i);
    const name = typeof p.name === 'string' ? p.name : '';
    if (ports.length > 1 && name === '') errs.push(required(path.child('name')));
    else if (names.has(name) && name !== '') errs.push(invalid(path.child('name'), name, 'duplicate'));
    names.add(name);
    const port = typeof p.port === 'number' ? p.port : 0;
    if (port < 1 || port > 65535) errs.push(invalid(path.child('port'), port, 'must be between 1 and 65535, inclusive'));
    const proto = typeof p.protocol === 'string' ? p.protocol : '';
    if (!PROTOCOLS.includes(proto)) errs.push(notSupported(path.child('protocol'), proto, PROTOCOLS));
  });
  return errs;
}

export const serviceStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNS1035Label,
  hasStatus: true,
  defaults(obj) {
    if (!isRecord(obj.spec)) obj.spec = {};
    const spec = obj.spec as Rec;
    if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
    if (!spec.type) spec.type = 'ClusterIP';
    for (const p of arrayAt(spec, 'ports')) {
      if (!isRecord(p)) continue;
      if (!p.protocol) p.protocol = 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
    if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
    if (spec.internalTrafficPolicy === undefined && spec.type !== 'ExternalName') spec.internalTrafficPolicy = 'Cluster';
  },
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  validate: validateService,
});

export const nodeStrategy: Strategy = genericStrategy({
  namespaced: false,
  nameFn: nameIsDNSSubdomain,
  prepareForUpdate(obj, old) {
    // Nodes may set status on create; updates of the main resource keep the stored status.
    if (old.status === undefined) delete obj.status;
    else obj.status = cloneJson(old.status);
  },
});

export const eventStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  validate(obj) {
    const ns = obj.metadata.namespace ?? '';
    const involvedNs = stringAt(obj, 'involvedObject', 'namespace');
    const ok = involvedNs === '' ? ns === '' || ns === 'default' || !obj.eventTime : ns === involvedNs;
    return ok ? [] : [invalid(fieldPath('involvedObject', 'namespace'), involvedNs, 'does not match event.namespace')];
  },
});

export const leaseStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  validate(obj) {
    const spec = recordAt(obj, 'spec') ?? {};
    const errs: FieldError[] = [];
    const d = spec.leaseDurationSeconds;
    if (typeof d === 'number' && d <= 0) errs.push(invalid(fieldPath('spec', 'leaseDurationSeconds'), d, 'must be greater than 0'));
    const t = spec.leaseTransitions;
    if (typeof t === 'number' && t < 0) errs.push(invalid(fieldPath('spec', 'leaseTransitions'), t, 'must be greater than or equal to 0'));
    return errs;
  },
});

export const plainNamespacedStrategy: Strategy = genericStrategy({ namespaced: true, nameFn: nameIsDNSSubdomain });
export const plainClusterStrategy: Strategy = genericStrategy({ namespaced: false, nameFn: nameIsDNSSubdomain });
