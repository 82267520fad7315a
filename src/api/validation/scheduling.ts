/**
 * Scheduling-related pod fields as upstream v1.32: node selector labels, readiness and scheduling
 * gates, tolerations, priority class, runtime class and preemption policy. (Affinity and topology
 * spread constraints are not checked yet.)
 */
import type { PodSpec } from '../pod.js';
import type { Toleration } from '../scheduling.js';
import { duplicate, invalid, notSupported, required, type ErrorList, type FieldPath } from './field.js';
import { validateLabels } from './meta.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from './names.js';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Upstream `ValidateTolerations`; `path` is `spec.tolerations`. */
export function validateTolerations(tolerations: Toleration[] | undefined, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  (tolerations ?? []).forEach((t, i) => {
    const idx = path.index(i);
    const key = t.key ?? '';
    const op: string = t.operator ?? '';
    const effect: string = t.effect ?? '';
    const value = t.value ?? '';
    if (key) errs.push(...isQualifiedName(key).map((m) => invalid(idx.child('key'), key, m)));
    if (!key && op !== 'Exists') {
      errs.push(invalid(idx.child('operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(invalid(idx.child('effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(invalid(idx.child('operator'), value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value) errs.push(invalid(idx.child('operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(idx.child('operator'), op, ['Equal', 'Exists']));
    }
    if (effect && !EFFECTS.includes(effect)) errs.push(notSupported(idx.child('effect'), effect, EFFECTS));
  });
  return errs;
}

/** `spec.nodeSelector`: label keys and values. */
export function validateNodeSelector(spec: PodSpec, path: FieldPath): ErrorList {
  return validateLabels(spec.nodeSelector, path.child('nodeSelector'));
}

/** `spec.readinessGates` condition types and `spec.schedulingGates` names: qualified, gates unique. */
export function validateGates(spec: PodSpec, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  (spec.readinessGates ?? []).forEach((g, i) => {
    const p = path.child('readinessGates').index(i).child('conditionType');
    const t = g.conditionType ?? '';
    errs.push(...isQualifiedName(t).map((m) => invalid(p, t, m)));
  });
  const seen = new Set<string>();
  (spec.schedulingGates ?? []).forEach((g, i) => {
    const p = path.child('schedulingGates').index(i);
    const name = g.name ?? '';
    errs.push(...isQualifiedName(name).map((m) => invalid(p, name, m)));
    if (seen.has(name)) errs.push(duplicate(p, name));
    seen.add(name);
  });
  return errs;
}

/** `spec.priorityClassName`, `spec.runtimeClassName`, `spec.preemptionPolicy`. */
export function validatePriority(spec: PodSpec, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const pcn = spec.priorityClassName;
  if (pcn) errs.push(...nameIsDNSSubdomain(pcn, false).map((m) => invalid(path.child('priorityClassName'), pcn, m)));
  const rcn = spec.runtimeClassName;
  if (rcn !== undefined && rcn !== null) errs.push(...nameIsDNSSubdomain(rcn, false).map((m) => invalid(path.child('runtimeClassName'), rcn, m)));
  if (spec.preemptionPolicy !== undefined) {
    const pp: string = spec.preemptionPolicy ?? '';
    if (pp === '') errs.push(required(path.child('preemptionPolicy')));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(notSupported(path.child('preemptionPolicy'), pp, ['PreemptLowerPriority', 'Never']));
  }
  return errs;
}
