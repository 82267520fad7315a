/**
 * Strategies of the stored-and-served kinds outside core workloads (v1.32), reduced to the
 * defaults and rules clients meet: policy PDBs, RBAC (roleRef immutable), storage classes,
 * priority classes (reserved `system-` names, immutable value), CSRs (status and approval written
 * only through their subresources), endpoint slices, and core PVs, PVCs, limit ranges and quotas.
 */
import { fieldPath, forbidden, invalid, nameIsDNSSubdomain, notSupported, required, type FieldError } from '../../../api/validation/index.js';
import { cloneJson, isRecord, recordAt, type KObject } from '../object.js';
import type { StatusStrategy, Strategy } from '../registry/types.js';
import { genericStatusStrategy, genericStrategy, immutable, validateMetaUpdate } from './generic.js';
import { validateLabelSelector } from './template.js';

type Rec = Record<string, unknown>;

function specOf(obj: KObject): Rec {
  if (!isRecord(obj.spec)) obj.spec = {};
  return obj.spec as Rec;
}

export const podDisruptionBudgetStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  generation: 'spec',
  validate(obj) {
    const spec = recordAt(obj, 'spec') ?? {};
    const errs: FieldError[] = [];
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) errs.push(invalid(fieldPath('spec'), new Object(), 'minAvailable and maxUnavailable cannot be both set'));
    const sel = recordAt(spec, 'selector');
    if (sel) errs.push(...validateLabelSelector(sel, fieldPath('spec', 'selector')));
    return errs;
  },
});

export const roleBindingStrategy = (namespaced: boolean): Strategy =>
  genericStrategy({
    namespaced,
    nameFn: nameIsDNSSubdomain,
    validate(obj) {
      const ref = recordAt(obj, 'roleRef');
      const errs: FieldError[] = [];
      if (!ref?.name) errs.push(required(fieldPath('roleRef', 'name')));
      const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
      const kind = typeof ref?.kind === 'string' ? ref.kind : '';
      if (!kinds.includes(kind)) errs.push(notSupported(fieldPath('roleRef', 'kind'), kind, kinds));
      if (ref?.apiGroup !== 'rbac.authorization.k8s.io') errs.push(notSupported(fieldPath('roleRef', 'apiGroup'), typeof ref?.apiGroup === 'string' ? ref.apiGroup : '', ['rbac.authorization.k8s.io']));
      return errs;
    },
    validateUpdate(obj, old) {
      return JSON.stringify(obj.roleRef) === JSON.stringify(old.roleRef) ? [] : [invalid(fieldPath('roleRef'), new Object(), 'cannot change roleRef')];
    },
  });

export const storageClassStrategy: Strategy = genericStrategy({
  namespaced: false,
  nameFn: nameIsDNSSubdomain,
  defaults(obj) {
    obj.reclaimPolicy ??= 'Delete';
    obj.volumeBindingMode ??= 'Immediate';
  },
  validate(obj) {
    return typeof obj.provisioner === 'string' && obj.provisioner !== '' ? [] : [required(fieldPath('provisioner'))];
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if (JSON.stringify(obj.parameters ?? {}) !== JSON.stringify(old.parameters ?? {})) errs.push(forbidden(fieldPath('parameters'), 'updates to parameters are forbidden.'));
    if (obj.provisioner !== old.provisioner) errs.push(forbidden(fieldPath('provisioner'), 'updates to provisioner are forbidden.'));
    if (obj.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden(fieldPath('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'));
    errs.push(...immutable(obj.volumeBindingMode ?? null, old.volumeBindingMode ?? null, 'volumeBindingMode'));
    return errs;
  },
});

/** Upstream `HighestUserDefinablePriority`. */
export const HIGHEST_USER_PRIORITY = 1_000_000_000;

export const priorityClassStrategy: Strategy = genericStrategy({
  namespaced: false,
  nameFn: nameIsDNSSubdomain,
  defaults(obj) {
    obj.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const name = obj.metadata.name ?? '';
    const value = typeof obj.value === 'number' ? obj.value : 0;
    if (name.startsWith('system-') && name !== 'system-node-critical' && name !== 'system-cluster-critical') {
      errs.push(forbidden(fieldPath('metadata', 'name'), "priority class names with 'system-' prefix are reserved"));
    } else if (!name.startsWith('system-') && value > HIGHEST_USER_PRIORITY) {
      errs.push(forbidden(fieldPath('value'), `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
    }
    const policy = typeof obj.preemptionPolicy === 'string' ? obj.preemptionPolicy : '';
    if (!['Never', 'PreemptLowerPriority'].includes(policy)) errs.push(notSupported(fieldPath('preemptionPolicy'), policy, ['Never', 'PreemptLowerPriority']));
    return errs;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    if (obj.value !== old.value) errs.push(forbidden(fieldPath('value'), 'may not be changed in an update.'));
    errs.push(...immutable(obj.preemptionPolicy ?? null, old.preemptionPolicy ?? null, 'preemptionPolicy'));
    return errs;
  },
});

/** The two classes every cluster has (upstream `SystemPriorityClasses`). */
export const SYSTEM_PRIORITY_CLASSES: readonly KObject[] = [
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' }, value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-cluster-critical' }, value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

export const csrStrategy: Strategy = genericStrategy({
  namespaced: false,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj) {
    const spec = recordAt(obj, 'spec') ?? {};
    const errs: FieldError[] = [];
    if (typeof spec.request !== 'string' || spec.request === '') errs.push(required(fieldPath('spec', 'request')));
    if (typeof spec.signerName !== 'string' || spec.signerName === '') errs.push(required(fieldPath('spec', 'signerName')));
    if (!Array.isArray(spec.usages) || spec.usages.length === 0) errs.push(required(fieldPath('spec', 'usages')));
    if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) errs.push(invalid(fieldPath('spec', 'expirationSeconds'), spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
    return errs;
  },
  validateUpdate: (obj, old) => immutable(obj.spec ?? null, old.spec ?? null, 'spec'),
});

/**
 * Upstream's CSR PrepareForCreate: no pre-approved requests, and the requester is who sent the
 * request, whatever the body claims.
 */
export function recordCsrCreator(obj: KObject, user: { name: string; groups: readonly string[] }): void {
  const spec = specOf(obj);
  delete spec.uid;
  delete spec.extra;
  spec.username = user.name;
  spec.groups = [...user.groups];
}

/** `/status` of a CSR: only the issued certificate (and conditions other than approval) change. */
export const csrStatusStrategy: StatusStrategy = genericStatusStrategy();

/** `/approval` of a CSR: only `status.conditions` changes. */
export const csrApprovalStrategy: StatusStrategy = {
  prepareForUpdate(obj, old) {
    const conditions = recordAt(obj, 'status')?.conditions;
    const rv = obj.metadata.resourceVersion;
    for (const k of Object.keys(obj)) delete obj[k];
    Object.assign(obj, cloneJson(old));
    obj.status = { ...(recordAt(old, 'status') ?? {}), ...(conditions === undefined ? {} : { conditions }) };
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
  },
  validateUpdate: (obj, old) => validateMetaUpdate(obj.metadata, old.metadata),
};

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

export const endpointSliceStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  validate(obj) {
    const t = typeof obj.addressType === 'string' ? obj.addressType : '';
    return ADDRESS_TYPES.includes(t) ? [] : [notSupported(fieldPath('addressType'), t, ADDRESS_TYPES)];
  },
  validateUpdate: (obj, old) => immutable(obj.addressType ?? null, old.addressType ?? null, 'addressType'),
});

export const persistentVolumeStrategy: Strategy = genericStrategy({
  namespaced: false,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  defaults(obj) {
    const spec = specOf(obj);
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  validate(obj) {
    const spec = recordAt(obj, 'spec') ?? {};
    const errs: FieldError[] = [];
    if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0) errs.push(required(fieldPath('spec', 'accessModes')));
    if (!recordAt(spec, 'capacity')?.storage) errs.push(required(fieldPath('spec', 'capacity')));
    return errs;
  },
});

export const persistentVolumeClaimStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  defaults(obj) {
    specOf(obj).volumeMode ??= 'Filesystem';
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  validate(obj) {
    const spec = recordAt(obj, 'spec') ?? {};
    const errs: FieldError[] = [];
    if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0) errs.push(required(fieldPath('spec', 'accessModes')));
    if (!recordAt(spec, 'resources', 'requests')?.storage) errs.push(required(fieldPath('spec', 'resources', 'requests').key('storage')));
    return errs;
  },
});

const EVENT_TYPES = ['Normal', 'Warning'];

/** events.k8s.io/v1 Events (upstream `ValidateEventCreate` for v1): the reporting fields are required. */
export const eventsV1Strategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  validate(obj) {
    const errs: FieldError[] = [];
    for (const f of ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason']) {
      if (typeof obj[f] !== 'string' || obj[f] === '') errs.push(required(fieldPath(f)));
    }
    const type = typeof obj.type === 'string' ? obj.type : '';
    if (!EVENT_TYPES.includes(type)) errs.push(notSupported(fieldPath('type'), type, EVENT_TYPES));
    if (typeof obj.note === 'string' && Buffer.byteLength(obj.note) > 1024) errs.push(invalid(fieldPath('note'), '', 'can have at most 1024 characters'));
    return errs;
  },
  validateUpdate: (obj, old) => [
    ...immutable(obj.eventTime ?? null, old.eventTime ?? null, 'eventTime'),
    ...immutable(obj.regarding ?? null, old.regarding ?? null, 'regarding'),
    ...immutable(obj.reportingController ?? null, old.reportingController ?? null, 'reportingController'),
    ...immutable(obj.reportingInstance ?? null, old.reportingInstance ?? null, 'reportingInstance'),
    ...immutable(obj.action ?? null, old.action ?? null, 'action'),
    ...immutable(obj.reason ?? null, old.reason ?? null, 'reason'),
  ],
});

export const resourceQuotaStrategy: Strategy = genericStrategy({ namespaced: true, nameFn: nameIsDNSSubdomain, hasStatus: true });
export const limitRangeStrategy: Strategy = genericStrategy({ namespaced: true, nameFn: nameIsDNSSubdomain });
export const plainClusterRbacStrategy: Strategy = genericStrategy({ namespaced: false, nameFn: nameIsDNSSubdomain });
export const plainNamespacedRbacStrategy: Strategy = genericStrategy({ namespaced: true, nameFn: nameIsDNSSubdomain });
