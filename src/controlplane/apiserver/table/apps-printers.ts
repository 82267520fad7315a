/** Upstream's printers (pkg/printers/internalversion, v1.32) of the apps/v1 and batch/v1 kinds. */
import type { KObject } from '../object.js';
import { arrayAt, isRecord, recordAt, stringAt } from '../object.js';
import type { TablePrinter } from '../registry/types.js';
import { selectorString } from '../strategies/template.js';
import { AGE_COLUMN, NAME_COLUMN, col } from './columns.js';
import { humanDuration, since } from './duration.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const name = (o: KObject): string => o.metadata.name ?? '';
const age = (o: KObject, now: number): string => since(o.metadata.creationTimestamp, now);

const CONTAINERS = col('Containers', 'Names of each container in the template.', { priority: 1 });
const IMAGES = col('Images', 'Images referenced by each container in the template.', { priority: 1 });
const SELECTOR = col('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', { priority: 1 });

/** Upstream `layoutContainerCells`: comma-separated container names and images of a pod template. */
function containerCells(template: unknown): [string, string] {
  const containers = arrayAt(template, 'spec', 'containers').filter(isRecord);
  return [containers.map((c) => String(c.name ?? '')).join(','), containers.map((c) => String(c.image ?? '')).join(',')];
}

export const deploymentPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const status = recordAt(o, 'status') ?? {};
    const [names, images] = containerCells(spec.template);
    return [name(o), `${num(status.readyReplicas)}/${num(spec.replicas)}`, num(status.updatedReplicas), num(status.availableReplicas), age(o, now), names, images, selectorString(spec.selector)];
  },
};

export const replicaSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'Number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller', { type: 'integer' }),
    col('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const status = recordAt(o, 'status') ?? {};
    const [names, images] = containerCells(spec.template);
    return [name(o), num(spec.replicas), num(status.replicas), num(status.readyReplicas), age(o, now), names, images, selectorString(spec.selector)];
  },
};

export const statefulSetPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Ready', 'Number of the pod with ready state'), AGE_COLUMN, CONTAINERS, IMAGES],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const [names, images] = containerCells(spec.template);
    return [name(o), `${num(recordAt(o, 'status')?.readyReplicas)}/${num(spec.replicas)}`, age(o, now), names, images];
  },
};

/** Upstream `labels.FormatLabels` of a node selector: `<none>` when empty. */
function formatSelectorMap(m: unknown): string {
  if (!isRecord(m) || Object.keys(m).length === 0) return '<none>';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${String(m[k])}`)
    .join(',');
}

export const daemonSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', { type: 'integer' }),
    col('Current', 'The number of nodes that are running at least one daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    col('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', { type: 'integer' }),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', { type: 'integer' }),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const s = recordAt(o, 'status') ?? {};
    const [names, images] = containerCells(spec.template);
    return [
      name(o),
      num(s.desiredNumberScheduled),
      num(s.currentNumberScheduled),
      num(s.numberReady),
      num(s.updatedNumberScheduled),
      num(s.numberAvailable),
      formatSelectorMap(recordAt(spec, 'template', 'spec')?.nodeSelector),
      age(o, now),
      names,
      images,
      selectorString(spec.selector),
    ];
  },
};

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Controller', 'Controller of the object'),
    col('Revision', 'Revision indicates the revision of the state represented by Data.', { type: 'integer' }),
    AGE_COLUMN,
  ],
  cells(o, now) {
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    const controller = owner ? `${owner.kind.toLowerCase()}.${owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] ?? '' : ''}/${owner.name}`.replace('./', '/') : '<none>';
    return [name(o), controller, num(o.revision), age(o, now)];
  },
};

function conditionTrue(o: KObject, type: string): boolean {
  return arrayAt(o, 'status', 'conditions').some((c) => isRecord(c) && c.type === type && c.status === 'True');
}

/** Upstream printJob's status: the first true terminal condition, else Suspended, else Running. */
function jobStatus(o: KObject): string {
  if (conditionTrue(o, 'Complete')) return 'Complete';
  if (conditionTrue(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (conditionTrue(o, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (conditionTrue(o, 'FailureTarget')) return 'FailureTarget';
  if (conditionTrue(o, 'Suspended')) return 'Suspended';
  return 'Running';
}

export const jobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Status', 'Status of the job.'),
    col('Completions', 'The desired number of successfully finished pods the job should be run with. More info: https://kubernetes.io/docs/concepts/workloads/controllers/jobs-run-to-completion/'),
    col('Duration', 'Time required to complete the job.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const status = recordAt(o, 'status') ?? {};
    const succeeded = num(status.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') completions = `${succeeded}/${spec.completions}`;
    else completions = num(spec.parallelism) > 1 ? `${succeeded}/1 of ${num(spec.parallelism)}` : `${succeeded}/1`;
    const start = stringAt(status, 'startTime');
    const end = stringAt(status, 'completionTime');
    const duration = start === '' ? '' : end === '' ? humanDuration(now - Date.parse(start)) : humanDuration(Date.parse(end) - Date.parse(start));
    const [names, images] = containerCells(spec.template);
    return [name(o), jobStatus(o), completions, duration, age(o, now), names, images, selectorString(spec.selector)];
  },
};

export const cronJobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones'),
    col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.', { type: 'boolean' }),
    col('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const spec = recordAt(o, 'spec') ?? {};
    const last = stringAt(o, 'status', 'lastScheduleTime');
    const jobSpec = recordAt(spec, 'jobTemplate', 'spec') ?? {};
    const [names, images] = containerCells(jobSpec.template);
    return [
      name(o),
      stringAt(spec, 'schedule'),
      stringAt(spec, 'timeZone') || '<none>',
      spec.suspend === true,
      arrayAt(o, 'status', 'active').length,
      last ? since(last, now) : '<none>',
      age(o, now),
      names,
      images,
      selectorString(jobSpec.selector),
    ];
  },
};
