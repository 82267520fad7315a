/**
 * The resource table beyond the first slice: apps/v1, batch/v1, policy/v1, rbac/v1, storage/v1,
 * scheduling/v1, certificates/v1, discovery/v1, and core PVs, PVCs, limit ranges and quotas, with
 * upstream's scopes, short names, categories and subresources.
 */
import { recordAt, stringAt, type KObject } from '../object.js';
import { controllerRevisionStrategy, daemonSetStrategy, deploymentStrategy, replicaSetStrategy, statefulSetStrategy } from '../strategies/apps.js';
import { cronJobStrategy, jobStrategy } from '../strategies/batch.js';
import { eventFromV1, eventToV1 } from '../strategies/events-v1.js';
import { genericStatusStrategy } from '../strategies/generic.js';
import {
  csrApprovalStrategy,
  csrStatusStrategy,
  csrStrategy,
  recordCsrCreator,
  endpointSliceStrategy,
  eventsV1Strategy,
  limitRangeStrategy,
  persistentVolumeClaimStrategy,
  persistentVolumeStrategy,
  plainClusterRbacStrategy,
  plainNamespacedRbacStrategy,
  podDisruptionBudgetStrategy,
  priorityClassStrategy,
  resourceQuotaStrategy,
  roleBindingStrategy,
  storageClassStrategy,
} from '../strategies/groups.js';
import { controllerRevisionPrinter, cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter, statefulSetPrinter } from '../table/apps-printers.js';
import {
  csrPrinter,
  endpointSlicePrinter,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  podDisruptionBudgetPrinter,
  priorityClassPrinter,
  resourceQuotaPrinter,
  roleBindingPrinter,
  storageClassPrinter,
} from '../table/group-printers.js';
import { ALL_VERBS, type ResourceDef, type SubresourceDef, type Verb } from './types.js';

const SUB_VERBS: readonly Verb[] = ['get', 'patch', 'update'];
const sub = (name: string, group: string, version: string, kind: string): SubresourceDef => ({ name, kind: { group, version, kind }, verbs: SUB_VERBS });

type Entry = Pick<ResourceDef, 'group' | 'kind' | 'plural' | 'namespaced' | 'strategy'> & Partial<ResourceDef>;

/** A ResourceDef with the common defaults: v1, all verbs, singular = lower-case kind, schema by group. */
function resource(e: Entry): ResourceDef {
  const schemaGroup = e.group === '' ? 'core' : (e.group.split('.')[0] ?? '');
  return {
    version: 'v1',
    singular: e.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    schema: `${schemaGroup}.v1.${e.kind}`,
    ...e,
  };
}

/** A kind with a `status` subresource written by the generic status strategy. */
function withStatus(e: Entry, extra: SubresourceDef[] = []): ResourceDef {
  return resource({ ...e, subresources: [...extra, sub('status', e.group, 'v1', e.kind)], statusStrategy: genericStatusStrategy() });
}

const scale = (): SubresourceDef => sub('scale', 'autoscaling', 'v1', 'Scale');

export const deployments = withStatus({ group: 'apps', kind: 'Deployment', plural: 'deployments', namespaced: true, strategy: deploymentStrategy, shortNames: ['deploy'], categories: ['all'], table: deploymentPrinter }, [scale()]);
export const replicasets = withStatus({ group: 'apps', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, strategy: replicaSetStrategy, shortNames: ['rs'], categories: ['all'], table: replicaSetPrinter }, [scale()]);
export const statefulsets = withStatus({ group: 'apps', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, strategy: statefulSetStrategy, shortNames: ['sts'], categories: ['all'], table: statefulSetPrinter }, [scale()]);
export const daemonsets = withStatus({ group: 'apps', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true, strategy: daemonSetStrategy, shortNames: ['ds'], categories: ['all'], table: daemonSetPrinter });
export const controllerrevisions = resource({ group: 'apps', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true, strategy: controllerRevisionStrategy, table: controllerRevisionPrinter });

export const jobs = withStatus({
  group: 'batch',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
  strategy: jobStrategy,
  categories: ['all'],
  table: jobPrinter,
  fieldLabels: (o: KObject) => ({ 'status.successful': String(recordAt(o, 'status')?.succeeded ?? 0) }),
});
export const cronjobs = withStatus({ group: 'batch', kind: 'CronJob', plural: 'cronjobs', namespaced: true, strategy: cronJobStrategy, shortNames: ['cj'], categories: ['all'], table: cronJobPrinter });

export const poddisruptionbudgets = withStatus({ group: 'policy', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true, strategy: podDisruptionBudgetStrategy, shortNames: ['pdb'], table: podDisruptionBudgetPrinter });

const RBAC = 'rbac.authorization.k8s.io';
export const roles = resource({ group: RBAC, kind: 'Role', plural: 'roles', namespaced: true, strategy: plainNamespacedRbacStrategy });
export const rolebindings = resource({ group: RBAC, kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, strategy: roleBindingStrategy(true), table: roleBindingPrinter });
export const clusterroles = resource({ group: RBAC, kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, strategy: plainClusterRbacStrategy });
export const clusterrolebindings = resource({ group: RBAC, kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, strategy: roleBindingStrategy(false), table: roleBindingPrinter });

export const storageclasses = resource({ group: 'storage.k8s.io', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, strategy: storageClassStrategy, shortNames: ['sc'], table: storageClassPrinter });
export const priorityclasses = resource({ group: 'scheduling.k8s.io', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, strategy: priorityClassStrategy, shortNames: ['pc'], table: priorityClassPrinter });

export const certificatesigningrequests: ResourceDef = resource({
  group: 'certificates.k8s.io',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  namespaced: false,
  strategy: csrStrategy,
  shortNames: ['csr'],
  subresources: [sub('approval', 'certificates.k8s.io', 'v1', 'CertificateSigningRequest'), sub('status', 'certificates.k8s.io', 'v1', 'CertificateSigningRequest')],
  statusStrategy: csrStatusStrategy,
  subresourceStrategies: { approval: csrApprovalStrategy },
  table: csrPrinter,
  recordCreator: recordCsrCreator,
  fieldLabels: (o: KObject) => ({ 'spec.signerName': stringAt(o, 'spec', 'signerName') }),
});

export const endpointslices = resource({ group: 'discovery.k8s.io', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true, strategy: endpointSliceStrategy, table: endpointSlicePrinter });

/**
 * events.k8s.io/v1 Events: the same objects as core/v1 Events (one storage, converted on read
 * and write), without a schema yet (no strict field checks, no protobuf bodies). Upstream prints
 * them with the default table too.
 */
export const eventsV1: ResourceDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  strategy: eventsV1Strategy,
  storageResource: 'events',
  storageForm: { decode: eventToV1, encode: eventFromV1 },
  allowCreateOnUpdate: true,
  fieldLabels: (o: KObject) => ({ reason: stringAt(o, 'reason'), type: stringAt(o, 'type'), reportingController: stringAt(o, 'reportingController'), 'regarding.name': stringAt(o, 'regarding', 'name'), 'regarding.kind': stringAt(o, 'regarding', 'kind'), 'regarding.namespace': stringAt(o, 'regarding', 'namespace'), 'regarding.uid': stringAt(o, 'regarding', 'uid') }),
};

export const persistentvolumes = withStatus({ group: '', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, strategy: persistentVolumeStrategy, shortNames: ['pv'], table: persistentVolumePrinter });
export const persistentvolumeclaims = withStatus({ group: '', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, strategy: persistentVolumeClaimStrategy, shortNames: ['pvc'], table: persistentVolumeClaimPrinter });
export const limitranges = resource({ group: '', kind: 'LimitRange', plural: 'limitranges', namespaced: true, strategy: limitRangeStrategy, shortNames: ['limits'] });
export const resourcequotas = withStatus({ group: '', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, strategy: resourceQuotaStrategy, shortNames: ['quota'], table: resourceQuotaPrinter });

/** The core/v1 kinds of this table (discovery lists them with the first slice's). */
export const CORE_EXTRA_RESOURCES: readonly ResourceDef[] = [limitranges, persistentvolumeclaims, persistentvolumes, resourcequotas];

/** The named-group kinds of this table, in discovery order. */
export const GROUP_RESOURCES: readonly ResourceDef[] = [
  controllerrevisions,
  daemonsets,
  deployments,
  replicasets,
  statefulsets,
  cronjobs,
  jobs,
  certificatesigningrequests,
  endpointslices,
  eventsV1,
  poddisruptionbudgets,
  clusterrolebindings,
  clusterroles,
  rolebindings,
  roles,
  priorityclasses,
  storageclasses,
];
