/**
 * What the workload kinds share (pkg/apis/apps and batch validation, v1.32): metav1 label
 * selectors (validation, matching, upstream's string form), and pod templates (scheme defaults of
 * the pod spec, `ValidatePodTemplateSpec` with the template's paths).
 */
import { setPodDefaults, type Pod, type PodSpec } from '../../../api/index.js';
import {
  RawValue,
  fieldPath,
  invalid,
  isQualifiedName,
  isValidLabelValue,
  notSupported,
  required,
  validateLabels,
  validatePodSpec,
  type FieldError,
  type FieldPath,
} from '../../../api/validation/index.js';
import { arrayAt, isRecord, recordAt, type KObject } from '../object.js';

type Rec = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Go's `%#v` of a `map[string]string`: `map[string]string{"app":"x", "b":"y"}`. */
export function goStringMap(m: unknown): RawValue {
  const rec = isRecord(m) ? m : {};
  const body = Object.keys(rec)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(str(rec[k]))}`)
    .join(', ');
  return new RawValue(`map[string]string{${body}}`);
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Upstream `ValidateLabelSelector` (metav1validation). */
export function validateLabelSelector(sel: Rec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  arrayAt(sel, 'matchExpressions').forEach((e, i) => {
    const p = path.child('matchExpressions').index(i);
    const r = isRecord(e) ? e : {};
    const op = str(r.operator);
    const values = arrayAt(r, 'values');
    if (!OPERATORS.includes(op)) errs.push(notSupported(p.child('operator'), op, OPERATORS));
    else if ((op === 'In' || op === 'NotIn') && values.length === 0) errs.push(required(p.child('values'), 'must be specified when `operator` is \'In\' or \'NotIn\''));
    else if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) errs.push(invalid(p.child('values'), values.map(String), 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    for (const msg of isQualifiedName(str(r.key))) errs.push(invalid(p.child('key'), str(r.key), msg));
  });
  const labels = recordAt(sel, 'matchLabels') ?? {};
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path.child('matchLabels'), k, msg));
    for (const msg of isValidLabelValue(str(v))) errs.push(invalid(path.child('matchLabels'), str(v), msg));
  }
  return errs;
}

/** Whether a metav1 selector is empty (selects everything). */
export function selectorIsEmpty(sel: Rec): boolean {
  return Object.keys(recordAt(sel, 'matchLabels') ?? {}).length === 0 && arrayAt(sel, 'matchExpressions').length === 0;
}

/** Whether `labels` match a metav1 selector (an empty selector matches everything). */
export function selectorMatches(sel: Rec, labels: Record<string, unknown> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(recordAt(sel, 'matchLabels') ?? {})) if (l[k] !== v) return false;
  for (const e of arrayAt(sel, 'matchExpressions')) {
    const r = isRecord(e) ? e : {};
    const key = str(r.key);
    const values = arrayAt(r, 'values').map(String);
    const has = typeof l[key] === 'string';
    switch (r.operator) {
      case 'In':
        if (!has || !values.includes(str(l[key]))) return false;
        break;
      case 'NotIn':
        if (has && values.includes(str(l[key]))) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Upstream `LabelSelectorAsSelector(sel).String()`: `app=web,tier in (a,b)`, sorted by key. */
export function selectorString(sel: unknown): string {
  if (!isRecord(sel)) return '';
  const parts: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(recordAt(sel, 'matchLabels') ?? {})) parts.push({ key: k, text: `${k}=${str(v)}` });
  for (const e of arrayAt(sel, 'matchExpressions')) {
    const r = isRecord(e) ? e : {};
    const key = str(r.key);
    const values = [...new Set(arrayAt(r, 'values').map(String))].sort().join(',');
    const text = r.operator === 'In' ? `${key} in (${values})` : r.operator === 'NotIn' ? `${key} notin (${values})` : r.operator === 'Exists' ? key : `!${key}`;
    parts.push({ key, text });
  }
  return parts
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((p) => p.text)
    .join(',');
}

/** Scheme defaults of a pod template's spec (`spec.template.spec`), in place. */
export function defaultTemplate(template: unknown): void {
  if (!isRecord(template)) return;
  if (!isRecord(template.spec)) return;
  const spec = template.spec;
  if (!Array.isArray(spec.containers)) return;
  const defaulted = setPodDefaults({ metadata: {}, spec: spec as unknown as PodSpec } as Pod);
  template.spec = defaulted.spec;
  for (const key of ['containers', 'initContainers']) {
    for (const c of arrayAt(template.spec, key)) if (isRecord(c) && c.resources === undefined) c.resources = {};
  }
}

/** Upstream `ValidatePodTemplateSpec` of `template` at `path` (`spec.template`). */
export function validateTemplate(template: unknown, path: FieldPath): FieldError[] {
  if (!isRecord(template)) return [required(path)];
  const meta = recordAt(template, 'metadata') ?? {};
  const errs = validateLabels(recordAt(meta, 'labels'), path.child('metadata', 'labels'));
  const spec = recordAt(template, 'spec');
  if (!spec) return [...errs, required(path.child('spec'))];
  if (!Array.isArray(spec.containers)) spec.containers = [];
  const pod = { metadata: meta, spec } as unknown as Pod;
  errs.push(...validatePodSpec(pod.spec, pod, path.child('spec'), { relaxedEnvVarNames: true, resourceIsPod: false, allowPrivileged: true }));
  return errs;
}

/**
 * The selector/template rules of ReplicaSets, Deployments, StatefulSets and DaemonSets: a
 * required, non-empty, valid selector that matches the template's labels; restartPolicy Always.
 */
export function validateSelectorAndTemplate(obj: KObject, kind: string): FieldError[] {
  const spec = recordAt(obj, 'spec') ?? {};
  const errs: FieldError[] = [];
  const sel = recordAt(spec, 'selector');
  const selPath = fieldPath('spec', 'selector');
  if (!sel) errs.push(required(selPath));
  else {
    errs.push(...validateLabelSelector(sel, selPath));
    if (selectorIsEmpty(sel)) errs.push(invalid(selPath, new RawValue('{}'), `empty selector is invalid for ${kind}`));
  }
  const template = recordAt(spec, 'template');
  const tPath = fieldPath('spec', 'template');
  if (!template) return [...errs, required(tPath)];
  const labels = recordAt(template, 'metadata', 'labels');
  if (sel && !selectorIsEmpty(sel) && !selectorMatches(sel, labels)) {
    errs.push(invalid(tPath.child('metadata', 'labels'), goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validateTemplate(template, tPath));
  const policy = str(recordAt(template, 'spec')?.restartPolicy);
  if (policy !== 'Always') errs.push(notSupported(tPath.child('spec', 'restartPolicy'), policy, ['Always']));
  if (recordAt(template, 'spec')?.activeDeadlineSeconds !== undefined) {
    errs.push(invalid(tPath.child('spec', 'activeDeadlineSeconds'), Number(recordAt(template, 'spec')?.activeDeadlineSeconds), 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

/** `must be greater than or equal to 0` for an optional integer field. */
export function nonNegative(v: unknown, path: FieldPath): FieldError[] {
  return typeof v === 'number' && v < 0 ? [invalid(path, v, 'must be greater than or equal to 0')] : [];
}
