/** The resource table of this slice: core/v1 and coordination.k8s.io/v1, as upstream serves them. */
import { recordAt, stringAt, type KObject } from '../object.js';
import { configMapStrategy, eventStrategy, leaseStrategy, namespaceFinalizeStrategy, namespaceStrategy, nodeStrategy, plainClusterStrategy, plainNamespacedStrategy, secretStrategy, serviceStrategy } from '../strategies/core.js';
import { genericStatusStrategy } from '../strategies/generic.js';
import { podFieldLabels, podStatusStrategy, podStrategy } from '../strategies/pod.js';
import { podPrinter } from '../table/pod-printer.js';
import {
  configMapPrinter,
  endpointsPrinter,
  eventPrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
} from '../table/printers.js';
import { ALL_VERBS, type ResourceDef, type SubresourceDef, type Verb } from './types.js';

const core = (kind: string): { group: string; version: string; kind: string } => ({ group: '', version: 'v1', kind });
const STATUS_VERBS: readonly Verb[] = ['get', 'patch', 'update'];
const status = (kind: string): SubresourceDef => ({ name: 'status', kind: core(kind), verbs: STATUS_VERBS });

export const pods: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [
    { name: 'binding', kind: core('Binding'), verbs: ['create'] },
    { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
    { name: 'log', kind: core('Pod'), verbs: ['get'] },
    { name: 'exec', kind: core('PodExecOptions'), verbs: ['get', 'create'] },
    { name: 'attach', kind: core('PodAttachOptions'), verbs: ['get', 'create'] },
    { name: 'portforward', kind: core('PodPortForwardOptions'), verbs: ['get', 'create'] },
    status('Pod'),
  ],
  strategy: podStrategy,
  statusStrategy: podStatusStrategy,
  table: podPrinter,
  schema: 'core.v1.Pod',
  fieldLabels: podFieldLabels,
  returnDeletedObject: true,
};

/** `POST .../bindings`: the scheduler's legacy way to bind; create-only, never stored. */
export const bindings: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Binding',
  plural: 'bindings',
  singular: 'binding',
  shortNames: [],
  categories: [],
  namespaced: true,
  verbs: ['create'],
  subresources: [],
  strategy: plainNamespacedStrategy,
  schema: 'core.v1.Binding',
  virtual: true,
};

export const namespaces: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  categories: [],
  namespaced: false,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'finalize', kind: core('Namespace'), verbs: ['update'] }, status('Namespace')],
  strategy: namespaceStrategy,
  statusStrategy: genericStatusStrategy(),
  subresourceStrategies: { finalize: namespaceFinalizeStrategy },
  table: namespacePrinter,
  schema: 'core.v1.Namespace',
  fieldLabels: (o: KObject) => ({ 'status.phase': stringAt(o, 'status', 'phase') }),
  returnDeletedObject: true,
};

export const nodes: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  shortNames: ['no'],
  categories: [],
  namespaced: false,
  verbs: ALL_VERBS,
  subresources: [status('Node'), { name: 'proxy', kind: core('Node'), verbs: ['get', 'create', 'update', 'patch', 'delete'] }],
  strategy: nodeStrategy,
  statusStrategy: genericStatusStrategy(),
  table: nodePrinter,
  schema: 'core.v1.Node',
  fieldLabels: (o: KObject) => ({ 'spec.unschedulable': recordAt(o, 'spec')?.unschedulable === true ? 'true' : 'false' }),
};

export const configmaps: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  strategy: configMapStrategy,
  table: configMapPrinter,
  schema: 'core.v1.ConfigMap',
};

export const secrets: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  shortNames: [],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  strategy: secretStrategy,
  table: secretPrinter,
  schema: 'core.v1.Secret',
  fieldLabels: (o: KObject) => ({ type: typeof o.type === 'string' ? o.type : '' }),
};

export const services: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [status('Service')],
  strategy: serviceStrategy,
  statusStrategy: genericStatusStrategy(),
  table: servicePrinter,
  schema: 'core.v1.Service',
  returnDeletedObject: true,
};

export const events: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  strategy: eventStrategy,
  table: eventPrinter,
  schema: 'core.v1.Event',
  fieldLabels: (o: KObject) => ({
    'involvedObject.kind': stringAt(o, 'involvedObject', 'kind'),
    'involvedObject.namespace': stringAt(o, 'involvedObject', 'namespace'),
    'involvedObject.name': stringAt(o, 'involvedObject', 'name'),
    'involvedObject.uid': stringAt(o, 'involvedObject', 'uid'),
    'involvedObject.apiVersion': stringAt(o, 'involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': stringAt(o, 'involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': stringAt(o, 'involvedObject', 'fieldPath'),
    reason: stringAt(o, 'reason'),
    reportingComponent: stringAt(o, 'reportingComponent'),
    source: stringAt(o, 'source', 'component'),
    type: stringAt(o, 'type'),
  }),
  allowCreateOnUpdate: true,
};

export const serviceaccounts: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  strategy: plainNamespacedStrategy,
  table: serviceAccountPrinter,
  schema: 'core.v1.ServiceAccount',
};

export const endpoints: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  shortNames: ['ep'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  strategy: plainNamespacedStrategy,
  table: endpointsPrinter,
  schema: 'core.v1.Endpoints',
  allowCreateOnUpdate: true,
};

export const leases: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  shortNames: [],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  strategy: leaseStrategy,
  table: leasePrinter,
  schema: 'coordination.v1.Lease',
  allowCreateOnUpdate: true,
};

/** `POST selfsubjectreviews`: who am I (`kubectl auth whoami`). */
export const selfSubjectReviews: ResourceDef = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  shortNames: [],
  categories: [],
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  strategy: plainClusterStrategy,
  schema: 'authentication.v1.SelfSubjectReview',
  virtual: true,
};

/** `POST selfsubjectaccessreviews`: may I (`kubectl auth can-i`). */
export const selfSubjectAccessReviews: ResourceDef = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  shortNames: [],
  categories: [],
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  strategy: plainClusterStrategy,
  schema: 'authorization.v1.SelfSubjectAccessReview',
  virtual: true,
};

/** Everything this slice serves, in discovery order. */
export const SLICE_RESOURCES: readonly ResourceDef[] = [
  bindings,
  configmaps,
  endpoints,
  events,
  namespaces,
  nodes,
  pods,
  secrets,
  serviceaccounts,
  services,
  selfSubjectReviews,
  selfSubjectAccessReviews,
  leases,
];
