/**
 * batch/v1 strategies (pkg/registry/batch/*, v1.32): scheme defaults, the server-generated Job
 * selector (`batch.kubernetes.io/controller-uid`, which needs the uid: the store assigns it before
 * prepareForCreate, as upstream), status isolation, and the validation clients meet.
 */
import { fieldPath, invalid, nameIsDNSSubdomain, notSupported, required, type FieldError, type FieldPath } from '../../../api/validation/index.js';
import { isRecord, recordAt, type KObject } from '../object.js';
import type { Strategy } from '../registry/types.js';
import { genericStrategy, immutable } from './generic.js';
import { defaultTemplate, goStringMap, nonNegative, selectorIsEmpty, selectorMatches, validateLabelSelector, validateTemplate } from './template.js';

type Rec = Record<string, unknown>;

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

function record(parent: Rec, key: string): Rec {
  if (!isRecord(parent[key])) parent[key] = {};
  return parent[key] as Rec;
}

/** SetDefaults_Job of a JobSpec (also inside a CronJob's jobTemplate). */
function defaultJobSpec(spec: Rec): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  if (spec.podFailurePolicy === undefined) spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  defaultTemplate(spec.template);
}

const RESTART_POLICIES = ['OnFailure', 'Never'];

function validateJobSpec(spec: Rec, path: FieldPath, selectorGenerated: boolean): FieldError[] {
  const errs = [
    ...nonNegative(spec.parallelism, path.child('parallelism')),
    ...nonNegative(spec.completions, path.child('completions')),
    ...nonNegative(spec.backoffLimit, path.child('backoffLimit')),
  ];
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds <= 0) {
    errs.push(invalid(path.child('activeDeadlineSeconds'), spec.activeDeadlineSeconds, 'must be greater than 0'));
  }
  const mode = typeof spec.completionMode === 'string' ? spec.completionMode : '';
  if (!['Indexed', 'NonIndexed'].includes(mode)) errs.push(notSupported(path.child('completionMode'), mode, ['NonIndexed', 'Indexed']));
  const sel = recordAt(spec, 'selector');
  const template = recordAt(spec, 'template');
  if (selectorGenerated) {
    if (!sel) errs.push(required(path.child('selector')));
    else errs.push(...validateLabelSelector(sel, path.child('selector')));
    const labels = recordAt(template, 'metadata', 'labels');
    if (sel && !selectorIsEmpty(sel) && !selectorMatches(sel, labels)) {
      errs.push(invalid(path.child('template', 'metadata', 'labels'), goStringMap(labels), '`selector` does not match template `labels`'));
    }
  }
  errs.push(...validateTemplate(template, path.child('template')));
  const policy = String(recordAt(template, 'spec')?.restartPolicy ?? '');
  if (!RESTART_POLICIES.includes(policy)) errs.push(notSupported(path.child('template', 'spec', 'restartPolicy'), policy, RESTART_POLICIES));
  return errs;
}

function validateJob(obj: KObject): FieldError[] {
  return validateJobSpec(recordAt(obj, 'spec') ?? {}, fieldPath('spec'), true);
}

export const jobStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  generation: 'spec',
  defaults(obj) {
    if (!isRecord(obj.spec)) obj.spec = {};
    defaultJobSpec(obj.spec as Rec);
  },
  prepareForCreate(obj) {
    // Upstream generateSelector: unless manualSelector, the server owns the selector.
    const spec = obj.spec as Rec;
    if (spec.manualSelector === true) return;
    const uid = obj.metadata.uid ?? '';
    const template = record(spec, 'template');
    const meta = record(template, 'metadata');
    const labels = record(meta, 'labels');
    labels[CONTROLLER_UID_LABEL] = uid;
    labels[JOB_NAME_LABEL] = obj.metadata.name ?? '';
    labels['controller-uid'] = uid;
    labels['job-name'] = obj.metadata.name ?? '';
    spec.selector ??= { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
  },
  validate: validateJob,
  validateUpdate(obj, old) {
    const errs = validateJob(obj);
    const spec = recordAt(obj, 'spec') ?? {};
    const oldSpec = recordAt(old, 'spec') ?? {};
    errs.push(...immutable(spec.selector ?? null, oldSpec.selector ?? null, 'spec.selector'));
    errs.push(...immutable(spec.completionMode ?? null, oldSpec.completionMode ?? null, 'spec.completionMode'));
    if (oldSpec.suspend !== true) errs.push(...immutable(spec.template ?? null, oldSpec.template ?? null, 'spec.template'));
    return errs;
  },
});

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];

function validateCronJob(obj: KObject): FieldError[] {
  const spec = recordAt(obj, 'spec') ?? {};
  const errs: FieldError[] = [];
  const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
  if (schedule === '') errs.push(required(fieldPath('spec', 'schedule')));
  else if (!/^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every .+)$/.test(schedule) && schedule.trim().split(/\s+/).length !== 5) {
    errs.push(invalid(fieldPath('spec', 'schedule'), schedule, `expected exactly 5 fields, found ${schedule.trim().split(/\s+/).length}: ${schedule}`));
  }
  const cp = typeof spec.concurrencyPolicy === 'string' ? spec.concurrencyPolicy : '';
  if (!CONCURRENCY.includes(cp)) errs.push(notSupported(fieldPath('spec', 'concurrencyPolicy'), cp, CONCURRENCY));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, fieldPath('spec', 'successfulJobsHistoryLimit')));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, fieldPath('spec', 'failedJobsHistoryLimit')));
  const jobSpec = recordAt(spec, 'jobTemplate', 'spec');
  if (!jobSpec) errs.push(required(fieldPath('spec', 'jobTemplate', 'spec')));
  else errs.push(...validateJobSpec(jobSpec, fieldPath('spec', 'jobTemplate', 'spec'), false));
  return errs;
}

export const cronJobStrategy: Strategy = genericStrategy({
  namespaced: true,
  nameFn: nameIsDNSSubdomain,
  hasStatus: true,
  generation: 'spec',
  defaults(obj) {
    if (!isRecord(obj.spec)) obj.spec = {};
    const spec = obj.spec as Rec;
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const jt = recordAt(spec, 'jobTemplate');
    if (jt && isRecord(jt.spec)) defaultJobSpec(jt.spec);
  },
  validate: validateCronJob,
});
