/**
 * Pods (pkg/registry/core/pod, v1.32): defaulting (scheme defaults plus what the ServiceAccount,
 * Priority and DefaultTolerationSeconds admission plugins add), status reset to Pending with the
 * QoS class on create, spec immutability on update, graceful deletion, and the selectable fields.
 * Not yet: the service account token volume (needs token minting), ephemeral containers, resize.
 */
import { computePodQOS, setPodDefaults, type Pod } from '../../../api/index.js';
import { fieldPath, forbidden, nameIsDNSSubdomain, required, validatePod, type FieldError } from '../../../api/validation/index.js';
import { arrayAt, cloneJson, isRecord, jsonEqual, recordAt, stringAt, type KObject } from '../object.js';
import type { StatusStrategy, Strategy } from '../registry/types.js';
import { genericStatusStrategy, genericStrategy } from './generic.js';

type Rec = Record<string, unknown>;

const DEFAULT_TOLERATIONS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

function addDefaultTolerations(spec: Rec): void {
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  for (const key of DEFAULT_TOLERATIONS) {
    const covered = tolerations.some(
      (t) => isRecord(t) && (t.key === key || (t.operator === 'Exists' && !t.key)) && (t.effect === 'NoExecute' || !t.effect),
    );
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}

function defaults(obj: KObject): void {
  if (!isRecord(obj.spec)) obj.spec = {};
  const spec = obj.spec as Rec;
  // Missing containers default like any list (validation then reports spec.containers).
  if (spec.containers === undefined) spec.containers = [];
  if (!Array.isArray(spec.containers)) return;
  const defaulted = setPodDefaults(obj as unknown as Pod);
  obj.spec = defaulted.spec;
  const s = obj.spec as Rec;
  for (const key of ['containers', 'initContainers']) {
    for (const c of arrayAt(s, key)) if (isRecord(c) && c.resources === undefined) c.resources = {};
  }
  if (!s.serviceAccountName) s.serviceAccountName = 'default';
  s.serviceAccount = s.serviceAccountName;
  if (s.priority === undefined && !s.priorityClassName) s.priority = 0;
  if (s.preemptionPolicy === undefined) s.preemptionPolicy = 'PreemptLowerPriority';
  addDefaultTolerations(s);
}

const UPDATABLE =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A short account of what differs between two specs (upstream prints a cmp.Diff here). */
function specDiff(oldSpec: Rec, newSpec: Rec): string {
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].sort();
  return keys
    .filter((k) => !jsonEqual(oldSpec[k], newSpec[k]))
    .map((k) => `  spec.${k}: ${JSON.stringify(oldSpec[k]) ?? 'null'} -> ${JSON.stringify(newSpec[k]) ?? 'null'}`)
    .join('\n');
}

/** Upstream `ValidatePodUpdate`'s spec rule: only images, deadlines, new tolerations and a grace fix-up may change. */
function validateSpecUpdate(pod: KObject, old: KObject): FieldError[] {
  const newSpec = recordAt(pod, 'spec') ?? {};
  const oldSpec = recordAt(old, 'spec') ?? {};
  const munged = cloneJson(newSpec);
  for (const key of ['containers', 'initContainers']) {
    const olds = arrayAt(oldSpec, key);
    arrayAt(munged, key).forEach((c, i) => {
      const o = olds[i];
      if (isRecord(c) && isRecord(o)) c.image = o.image;
    });
  }
  for (const key of ['activeDeadlineSeconds', 'tolerations']) {
    if (oldSpec[key] === undefined) delete munged[key];
    else munged[key] = oldSpec[key];
  }
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  const errs: FieldError[] = [];
  if (!jsonEqual(munged, oldSpec)) errs.push(forbidden(fieldPath('spec'), `pod updates may not change fields other than ${UPDATABLE}\n${specDiff(oldSpec, munged)}`));
  arrayAt(newSpec, 'containers').forEach((c, i) => {
    if (isRecord(c) && !c.image) errs.push(required(fieldPath('spec', 'containers').index(i).child('image')));
  });
  return errs;
}

/** Upstream `podStrategy.CheckGracefulDelete`. */
function gracePeriod(pod: KObject, requested: number | undefined): number {
  const spec = recordAt(pod, 'spec') ?? {};
  let period = requested ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 0);
  if (!stringAt(spec, 'nodeName')) period = 0;
  const phase = stringAt(pod, 'status', 'phase');
  if (phase === 'Failed' || phase === 'Succeeded') period = 0;
  return period < 0 ? 1 : period;
}

export const podStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  defaults,
  prepareForCreate(obj) {
    const qosClass = Array.isArray(recordAt(obj, 'spec')?.containers) ? computePodQOS(obj as unknown as Pod) : 'BestEffort';
    obj.status = { phase: 'Pending', qosClass };
  },
  validateCreate: (obj) => validatePod(obj as unknown as Pod),
  validateUpdate: validateSpecUpdate,
  gracePeriod,
});

export const podStatusStrategy: StatusStrategy = genericStatusStrategy({
  prepareForUpdate(obj, old) {
    // The QoS class is set at creation and immutable.
    const qos = recordAt(old, 'status')?.qosClass;
    const status = recordAt(obj, 'status');
    if (status && qos !== undefined) status.qosClass = qos;
  },
});

/** Upstream `PodToSelectableFields`. */
export function podFieldLabels(pod: KObject): Record<string, string> {
  const spec = recordAt(pod, 'spec') ?? {};
  const status = recordAt(pod, 'status') ?? {};
  const ips = arrayAt(status, 'podIPs').filter(isRecord);
  return {
    'spec.nodeName': stringAt(spec, 'nodeName'),
    'spec.restartPolicy': stringAt(spec, 'restartPolicy'),
    'spec.schedulerName': stringAt(spec, 'schedulerName'),
    'spec.serviceAccountName': stringAt(spec, 'serviceAccountName'),
    'spec.hostNetwork': spec.hostNetwork === true ? 'true' : 'false',
    'status.phase': stringAt(status, 'phase'),
    'status.podIP': typeof ips[0]?.ip === 'string' ? ips[0].ip : stringAt(status, 'podIP'),
    'status.podIPs': ips.map((i) => String(i.ip)).join(','),
    'status.nominatedNodeName': stringAt(status, 'nominatedNodeName'),
  };
}
