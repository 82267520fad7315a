/**
 * apps/v1 strategies (pkg/registry/apps/*, pkg/apis/apps/v1 defaults, v1.32): scheme defaults,
 * status reset on create and kept on update (the status subresource writes it), generation bumped
 * on spec changes, and the validation clients meet (selectors matching template labels,
 * immutable selectors, replicas, rollout parameters).
 */
import { fieldPath, forbidden, invalid, nameIsDNSLabel, nameIsDNSSubdomain, notSupported, required, type FieldError } from '../../../api/validation/index.js';
import { isRecord, recordAt, type KObject } from '../object.js';
import type { Strategy } from '../registry/types.js';
import { genericStrategy, immutable } from './generic.js';
import { defaultTemplate, nonNegative, validateSelectorAndTemplate } from './template.js';

type Rec = Record<string, unknown>;

function specOf(obj: KObject): Rec {
  if (!isRecord(obj.spec)) obj.spec = {};
  return obj.spec as Rec;
}

function record(parent: Rec, key: string): Rec {
  if (!isRecord(parent[key])) parent[key] = {};
  return parent[key] as Rec;
}

/** Upstream's spec.selector immutability on update (apps/v1). */
function selectorImmutable(obj: KObject, old: KObject): FieldError[] {
  return immutable(recordAt(obj, 'spec', 'selector') ?? null, recordAt(old, 'spec', 'selector') ?? null, 'spec.selector');
}

/** `intstr` percentages or non-negative integers (upstream `ValidatePositiveIntOrPercent`). */
function intOrPercent(v: unknown, path: string): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === 'number') return v < 0 ? [invalid(path, v, 'must be greater than or equal to 0')] : [];
  if (typeof v === 'string' && /^\d+%$/.test(v)) return Number(v.slice(0, -1)) > 100 ? [invalid(path, v, 'must not be greater than 100%')] : [];
  return [invalid(path, typeof v === 'string' ? v : String(v), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
}

const isZero = (v: unknown): boolean => v === undefined || v === 0 || v === '0%';

function validateDeployment(obj: KObject): FieldError[] {
  const spec = recordAt(obj, 'spec') ?? {};
  const errs = [...nonNegative(spec.replicas, fieldPath('spec', 'replicas')), ...validateSelectorAndTemplate(obj, 'deployment')];
  const strategy = recordAt(spec, 'strategy') ?? {};
  const type = typeof strategy.type === 'string' ? strategy.type : '';
  const sPath = fieldPath('spec', 'strategy');
  if (type !== 'Recreate' && type !== 'RollingUpdate') errs.push(notSupported(sPath.child('type'), type, ['Recreate', 'RollingUpdate']));
  const ru = recordAt(strategy, 'rollingUpdate');
  if (type === 'Recreate' && ru) errs.push(forbidden(sPath.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
  if (type === 'RollingUpdate' && ru) {
    const p = sPath.child('rollingUpdate');
    errs.push(...intOrPercent(ru.maxUnavailable, p.child('maxUnavailable').toString()), ...intOrPercent(ru.maxSurge, p.child('maxSurge').toString()));
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) errs.push(invalid(p.child('maxUnavailable'), ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...nonNegative(spec.revisionHistoryLimit, fieldPath('spec', 'revisionHistoryLimit')), ...nonNegative(spec.minReadySeconds, fieldPath('spec', 'minReadySeconds')));
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...nonNegative(pds, fieldPath('spec', 'progressDeadlineSeconds')));
    if (pds <= (typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0)) errs.push(invalid(fieldPath('spec', 'progressDeadlineSeconds'), pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export const deploymentStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  generation: 'spec',
  defaults(obj) {
    const spec = specOf(obj);
    spec.replicas ??= 1;
    const strategy = record(spec, 'strategy');
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = record(strategy, 'rollingUpdate');
      ru.maxUnavailable ??= '25%';
      ru.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(spec.template);
  },
  validate: validateDeployment,
  validateUpdate: (obj, old) => [...validateDeployment(obj), ...selectorImmutable(obj, old)],
});

function validateReplicaSet(obj: KObject): FieldError[] {
  const spec = recordAt(obj, 'spec') ?? {};
  return [...nonNegative(spec.replicas, fieldPath('spec', 'replicas')), ...nonNegative(spec.minReadySeconds, fieldPath('spec', 'minReadySeconds')), ...validateSelectorAndTemplate(obj, 'deployment')];
}

export const replicaSetStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  generation: 'spec',
  defaults(obj) {
    const spec = specOf(obj);
    spec.replicas ??= 1;
    defaultTemplate(spec.template);
  },
  validate: validateReplicaSet,
  validateUpdate: (obj, old) => [...validateReplicaSet(obj), ...selectorImmutable(obj, old)],
});

const POD_MANAGEMENT = ['OrderedReady', 'Parallel'];

function validateStatefulSet(obj: KObject): FieldError[] {
  const spec = recordAt(obj, 'spec') ?? {};
  const errs = [...nonNegative(spec.replicas, fieldPath('spec', 'replicas')), ...validateSelectorAndTemplate(obj, 'statefulset')];
  const pm = typeof spec.podManagementPolicy === 'string' ? spec.podManagementPolicy : '';
  if (!POD_MANAGEMENT.includes(pm)) errs.push(notSupported(fieldPath('spec', 'podManagementPolicy'), pm, POD_MANAGEMENT));
  const type = typeof recordAt(spec, 'updateStrategy')?.type === 'string' ? String(recordAt(spec, 'updateStrategy')?.type) : '';
  if (type !== 'OnDelete' && type !== 'RollingUpdate') errs.push(notSupported(fieldPath('spec', 'updateStrategy', 'type'), type, ['OnDelete', 'RollingUpdate']));
  return errs;
}

/** Upstream: a StatefulSet update may change only these spec fields. */
const STS_UPDATABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateStatefulSetUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs = validateStatefulSet(obj);
  const spec = recordAt(obj, 'spec') ?? {};
  const oldSpec = recordAt(old, 'spec') ?? {};
  const keys = new Set([...Object.keys(spec), ...Object.keys(oldSpec)]);
  const changed = [...keys].filter((k) => !STS_UPDATABLE.includes(k) && JSON.stringify(spec[k]) !== JSON.stringify(oldSpec[k]));
  if (changed.length > 0) {
    errs.push(forbidden(fieldPath('spec'), "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return errs;
}

export const statefulSetStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSLabel,
  hasStatus: true,
  generation: 'spec',
  defaults(obj) {
    const spec = specOf(obj);
    spec.replicas ??= 1;
    spec.podManagementPolicy ??= 'OrderedReady';
    const us = record(spec, 'updateStrategy');
    us.type ??= 'RollingUpdate';
    if (us.type === 'RollingUpdate') record(us, 'rollingUpdate').partition ??= 0;
    spec.revisionHistoryLimit ??= 10;
    const retention = record(spec, 'persistentVolumeClaimRetentionPolicy');
    retention.whenDeleted ??= 'Retain';
    retention.whenScaled ??= 'Retain';
    defaultTemplate(spec.template);
  },
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
});

function validateDaemonSet(obj: KObject): FieldError[] {
  const spec = recordAt(obj, 'spec') ?? {};
  const errs = validateSelectorAndTemplate(obj, 'daemonset');
  const us = recordAt(spec, 'updateStrategy') ?? {};
  const type = typeof us.type === 'string' ? us.type : '';
  if (type !== 'OnDelete' && type !== 'RollingUpdate') errs.push(notSupported(fieldPath('spec', 'updateStrategy', 'type'), type, ['OnDelete', 'RollingUpdate']));
  const ru = recordAt(us, 'rollingUpdate');
  if (type === 'RollingUpdate' && ru) {
    const p = fieldPath('spec', 'updateStrategy', 'rollingUpdate');
    errs.push(...intOrPercent(ru.maxUnavailable, p.child('maxUnavailable').toString()), ...intOrPercent(ru.maxSurge, p.child('maxSurge').toString()));
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) errs.push(invalid(p.child('maxUnavailable'), ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  return [...errs, ...nonNegative(spec.revisionHistoryLimit, fieldPath('spec', 'revisionHistoryLimit'))];
}

export const daemonSetStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  generation: 'spec',
  defaults(obj) {
    const spec = specOf(obj);
    const us = record(spec, 'updateStrategy');
    us.type ??= 'RollingUpdate';
    if (us.type === 'RollingUpdate') {
      const ru = record(us, 'rollingUpdate');
      ru.maxUnavailable ??= 1;
      ru.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultTemplate(spec.template);
  },
  validate: validateDaemonSet,
  validateUpdate: (obj, old) => [...validateDaemonSet(obj), ...selectorImmutable(obj, old)],
});

export const controllerRevisionStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  validate(obj) {
    const errs: FieldError[] = [];
    if (obj.data === undefined) errs.push(required(fieldPath('data')));
    errs.push(...nonNegative(obj.revision, fieldPath('revision')));
    return errs;
  },
  validateUpdate: (obj, old) => immutable(obj.data ?? null, old.data ?? null, 'data'),
});
