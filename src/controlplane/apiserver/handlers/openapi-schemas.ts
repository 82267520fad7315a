/**
 * OpenAPI v3 component schemas generated from the server's own type tables (../schema): per
 * message an object schema under upstream's name (`io.k8s.api.core.v1.Pod`,
 * `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`), fields typed as upstream types them, nested
 * messages as `allOf: [{$ref}]`, and on list fields the strategic merge patch metadata of
 * ../patch/strategic-meta.ts. That metadata is a contract: kubectl computes client-side `apply`
 * patches from it once the PATCH operation lists strategic merge patch, so it must say exactly what
 * the server's strategic merge does. No descriptions. Pure; the caller caches.
 */
import { LIST_PATCH_META } from '../patch/strategic-meta.js';
import { messageSchema, parseTypeRef, type FieldSchema, type Scalar, type Special, type TypeRef } from '../schema/index.js';

export type JsonSchema = Record<string, unknown>;

export interface KindRoot {
  group: string;
  version: string;
  kind: string;
  /** The kind's root message (`core.v1.Pod`). */
  message: string;
}

const REF_PREFIX = '#/components/schemas/';

/**
 * Kinds the server stores without a type table, as `field:type` (same types as ../schema), so that
 * they are documented too; upstream's events/v1 generated.proto.
 */
const EXTRA_MESSAGES: Readonly<Record<string, string>> = {
  'events.v1.Event':
    'metadata:meta.v1.ObjectMeta eventTime:MicroTime series:events.v1.EventSeries reportingController:string reportingInstance:string action:string reason:string regarding:core.v1.ObjectReference related:core.v1.ObjectReference note:string type:string deprecatedSource:core.v1.EventSource deprecatedFirstTimestamp:Time deprecatedLastTimestamp:Time deprecatedCount:int32',
  'events.v1.EventSeries': 'count:int32 lastObservedTime:MicroTime',
};

/** Root messages of kinds the registry gives no `schema` for, by `group/version/kind`. */
export const EXTRA_KIND_MESSAGES: Readonly<Record<string, string>> = {
  'events.k8s.io/v1/Event': 'events.v1.Event',
};

/** Upstream's `required` lists (`+required` / non-`omitempty` fields), for the messages people explain most. */
export const REQUIRED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'meta.v1.OwnerReference': ['apiVersion', 'kind', 'name', 'uid'],
  'meta.v1.LabelSelectorRequirement': ['key', 'operator'],
  'meta.v1.Condition': ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  'core.v1.PodSpec': ['containers'],
  'core.v1.Container': ['name'],
  'core.v1.EphemeralContainer': ['name'],
  'core.v1.ContainerPort': ['containerPort'],
  'core.v1.EnvVar': ['name'],
  'core.v1.VolumeMount': ['name', 'mountPath'],
  'core.v1.VolumeDevice': ['name', 'devicePath'],
  'core.v1.Volume': ['name'],
  'core.v1.KeyToPath': ['key', 'path'],
  'core.v1.ConfigMapKeySelector': ['key'],
  'core.v1.SecretKeySelector': ['key'],
  'core.v1.ObjectFieldSelector': ['fieldPath'],
  'core.v1.ResourceFieldSelector': ['resource'],
  'core.v1.HTTPGetAction': ['port'],
  'core.v1.TCPSocketAction': ['port'],
  'core.v1.GRPCAction': ['port'],
  'core.v1.HTTPHeader': ['name', 'value'],
  'core.v1.HostPathVolumeSource': ['path'],
  'core.v1.PersistentVolumeClaimVolumeSource': ['claimName'],
  'core.v1.NFSVolumeSource': ['server', 'path'],
  'core.v1.CSIVolumeSource': ['driver'],
  'core.v1.ResourceClaim': ['name'],
  'core.v1.ContainerResizePolicy': ['resourceName', 'restartPolicy'],
  'core.v1.Sysctl': ['name', 'value'],
  'core.v1.SeccompProfile': ['type'],
  'core.v1.AppArmorProfile': ['type'],
  'core.v1.PodReadinessGate': ['conditionType'],
  'core.v1.PodSchedulingGate': ['name'],
  'core.v1.PodResourceClaim': ['name'],
  'core.v1.HostAlias': ['ip'],
  'core.v1.NodeSelector': ['nodeSelectorTerms'],
  'core.v1.NodeSelectorRequirement': ['key', 'operator'],
  'core.v1.PreferredSchedulingTerm': ['weight', 'preference'],
  'core.v1.PodAffinityTerm': ['topologyKey'],
  'core.v1.WeightedPodAffinityTerm': ['weight', 'podAffinityTerm'],
  'core.v1.TopologySpreadConstraint': ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
  'core.v1.PodCondition': ['type', 'status'],
  'core.v1.ContainerStatus': ['name', 'ready', 'restartCount', 'image', 'imageID'],
  'core.v1.NodeCondition': ['type', 'status'],
  'core.v1.NodeAddress': ['type', 'address'],
  'core.v1.NamespaceCondition': ['type', 'status'],
  'core.v1.Taint': ['key', 'effect'],
  'core.v1.ServicePort': ['port'],
  'core.v1.EndpointAddress': ['ip'],
  'core.v1.EndpointPort': ['port'],
  'core.v1.Event': ['metadata', 'involvedObject'],
  'core.v1.Binding': ['target'],
  'core.v1.LimitRangeItem': ['type'],
  'core.v1.PersistentVolumeClaimCondition': ['type', 'status'],
  'core.v1.TopologySelectorLabelRequirement': ['key', 'values'],
  'apps.v1.DeploymentSpec': ['selector', 'template'],
  'apps.v1.ReplicaSetSpec': ['selector'],
  'apps.v1.StatefulSetSpec': ['selector', 'template'],
  'apps.v1.DaemonSetSpec': ['selector', 'template'],
  'apps.v1.ControllerRevision': ['revision'],
  'apps.v1.DeploymentCondition': ['type', 'status'],
  'apps.v1.ReplicaSetCondition': ['type', 'status'],
  'apps.v1.StatefulSetCondition': ['type', 'status'],
  'apps.v1.DaemonSetCondition': ['type', 'status'],
  'apps.v1.DaemonSetStatus': ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
  'apps.v1.StatefulSetStatus': ['replicas'],
  'apps.v1.ReplicaSetStatus': ['replicas'],
  'batch.v1.JobSpec': ['template'],
  'batch.v1.CronJobSpec': ['schedule', 'jobTemplate'],
  'batch.v1.JobCondition': ['type', 'status'],
  'batch.v1.PodFailurePolicy': ['rules'],
  'batch.v1.PodFailurePolicyOnExitCodesRequirement': ['operator', 'values'],
  'batch.v1.PodFailurePolicyOnPodConditionsPattern': ['type'],
  'batch.v1.SuccessPolicy': ['rules'],
  'rbac.v1.PolicyRule': ['verbs'],
  'rbac.v1.Subject': ['kind', 'name'],
  'rbac.v1.RoleRef': ['apiGroup', 'kind', 'name'],
  'rbac.v1.RoleBinding': ['roleRef'],
  'rbac.v1.ClusterRoleBinding': ['roleRef'],
  'storage.v1.StorageClass': ['provisioner'],
  'scheduling.v1.PriorityClass': ['value'],
  'certificates.v1.CertificateSigningRequest': ['spec'],
  'certificates.v1.CertificateSigningRequestSpec': ['request', 'signerName'],
  'certificates.v1.CertificateSigningRequestCondition': ['type', 'status'],
  'discovery.v1.EndpointSlice': ['addressType', 'endpoints'],
  'discovery.v1.Endpoint': ['addresses'],
  'authorization.v1.SelfSubjectAccessReview': ['spec'],
  'authorization.v1.SubjectAccessReviewStatus': ['allowed'],
  'events.v1.Event': ['eventTime'],
};

/** Upstream's component name of a message: `io.k8s.api.core.v1.Pod`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`. */
export function componentName(message: string): string {
  return message.startsWith('meta.v1.') ? `io.k8s.apimachinery.pkg.apis.${message}` : `io.k8s.api.${message}`;
}

/** The special types with a component of their own, and that component. */
const SPECIAL_COMPONENTS: Readonly<Record<Exclude<Special, 'Duration'>, { name: string; schema: JsonSchema }>> = {
  Time: { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time', schema: { type: 'string', format: 'date-time' } },
  MicroTime: { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime', schema: { type: 'string', format: 'date-time' } },
  Quantity: { name: 'io.k8s.apimachinery.pkg.api.resource.Quantity', schema: { oneOf: [{ type: 'string' }, { type: 'number' }] } },
  IntOrString: { name: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', schema: { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] } },
  FieldsV1: { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1', schema: { type: 'object' } },
  RawExtension: { name: 'io.k8s.apimachinery.pkg.runtime.RawExtension', schema: { type: 'object' } },
};

function scalarSchema(s: Scalar): JsonSchema {
  switch (s) {
    case 'string':
      return { type: 'string' };
    case 'bool':
      return { type: 'boolean' };
    case 'bytes':
      return { type: 'string', format: 'byte' };
    case 'double':
      return { type: 'number', format: 'double' };
    case 'float':
      return { type: 'number', format: 'float' };
    case 'int32':
    case 'sint32':
    case 'uint32':
    case 'fixed32':
      return { type: 'integer', format: 'int32' };
    case 'int64':
    case 'sint64':
    case 'uint64':
    case 'fixed64':
      return { type: 'integer', format: 'int64' };
  }
}

/** Fields of a message by JSON name, with Go's embedded `localObjectReference` inlined as upstream's JSON has it. */
function jsonFields(message: string): Map<string, FieldSchema> | undefined {
  const extra = EXTRA_MESSAGES[message];
  const fields = new Map<string, FieldSchema>();
  if (extra !== undefined) {
    for (const part of extra.split(' ')) {
      const at = part.indexOf(':');
      fields.set(part.slice(0, at), { name: part.slice(0, at), number: 0, type: parseTypeRef(part.slice(at + 1)) });
    }
    return fields;
  }
  const schema = messageSchema(message);
  if (!schema) return undefined;
  for (const f of schema.fields.values()) {
    const inner = f.name === 'localObjectReference' && f.type.kind === 'message' ? messageSchema(f.type.name) : undefined;
    if (inner) for (const g of inner.fields.values()) fields.set(g.name, g);
    else fields.set(f.name, f);
  }
  return fields;
}

/** Builds the components of a set of root messages and everything they reference. */
class Builder {
  readonly schemas = new Map<string, JsonSchema>();
  private readonly pending: string[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly gvkOf: ReadonlyMap<string, KindRoot[]>) {}

  add(message: string): void {
    if (this.seen.has(message)) return;
    this.seen.add(message);
    this.pending.push(message);
  }

  run(): void {
    for (let m = this.pending.pop(); m !== undefined; m = this.pending.pop()) this.schemas.set(componentName(m), this.messageComponent(m));
  }

  private ref(t: TypeRef & { kind: 'message' | 'special' }): string {
    if (t.kind === 'message') {
      this.add(t.name);
      return `${REF_PREFIX}${componentName(t.name)}`;
    }
    const special = SPECIAL_COMPONENTS[t.special as keyof typeof SPECIAL_COMPONENTS];
    this.schemas.set(special.name, special.schema);
    return `${REF_PREFIX}${special.name}`;
  }

  /** The schema of a value of type `t`; `asProperty` wraps references as upstream does for properties. */
  private typeSchema(t: TypeRef, asProperty: boolean): JsonSchema {
    switch (t.kind) {
      case 'scalar':
        return scalarSchema(t.scalar);
      case 'special':
        if (t.special === 'Duration') return { type: 'string' };
        return asProperty ? { allOf: [{ $ref: this.ref(t) }] } : { $ref: this.ref(t) };
      case 'message':
        // Elements of lists and maps are Go values, never nil: upstream gives them a default.
        return asProperty ? { allOf: [{ $ref: this.ref(t) }] } : { allOf: [{ $ref: this.ref(t) }], default: {} };
      case 'list':
        return { type: 'array', items: this.typeSchema(t.elem, false) };
      case 'map':
        return { type: 'object', additionalProperties: this.typeSchema(t.value, false) };
    }
  }

  private messageComponent(message: string): JsonSchema {
    const fields = jsonFields(message);
    if (!fields) return { type: 'object' };
    const properties: Record<string, JsonSchema> = {};
    const kinds = this.gvkOf.get(message) ?? [];
    if (kinds.length > 0) {
      properties.apiVersion = { type: 'string' };
      properties.kind = { type: 'string' };
    }
    const patchMeta = LIST_PATCH_META[message] ?? {};
    for (const f of fields.values()) {
      const prop = this.typeSchema(f.type, true);
      const meta = patchMeta[f.name];
      if (meta && f.type.kind === 'list') {
        if (meta.key !== undefined) {
          prop['x-kubernetes-list-map-keys'] = [meta.key];
          prop['x-kubernetes-list-type'] = 'map';
          prop['x-kubernetes-patch-merge-key'] = meta.key;
        } else {
          prop['x-kubernetes-list-type'] = 'set';
        }
        prop['x-kubernetes-patch-strategy'] = meta.retainKeys ? 'merge,retainKeys' : meta.strategy;
      }
      properties[f.name] = prop;
    }
    const out: JsonSchema = { type: 'object', properties: sortKeys(properties) };
    const required = (REQUIRED_FIELDS[message] ?? []).filter((r) => r in properties);
    if (required.length > 0) out.required = required;
    if (kinds.length > 0) out['x-kubernetes-group-version-kind'] = kinds.map(({ group, version, kind }) => ({ group, version, kind }));
    return out;
  }
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * `components.schemas` for the given root messages: their schemas and those of every message and
 * special type they reference, sorted by name. `kinds` names every served kind with its root
 * message, so that a kind's schema carries `x-kubernetes-group-version-kind` in whatever document
 * it appears (as upstream: `io.k8s.api.core.v1.PersistentVolumeClaim` in apps/v1's).
 */
export function componentSchemas(roots: readonly string[], kinds: readonly KindRoot[]): Record<string, JsonSchema> {
  const gvkOf = new Map<string, KindRoot[]>();
  for (const k of kinds) gvkOf.set(k.message, [...(gvkOf.get(k.message) ?? []), k]);
  const b = new Builder(gvkOf);
  for (const r of roots) b.add(r);
  b.run();
  return sortKeys(Object.fromEntries(b.schemas));
}

/** Whether the server has a type table for `message` (or this module documents it itself). */
export function hasMessage(message: string): boolean {
  return EXTRA_MESSAGES[message] !== undefined || messageSchema(message) !== undefined;
}
