/**
 * The shape structured-merge-diff sees of an API type, from tskube's schema: structs (atomic for
 * the types upstream marks `+structType=atomic`), maps, scalars, and lists that are atomic, sets
 * (`v:` elements) or associative lists keyed by their `x-kubernetes-list-map-keys`. List kinds
 * come from the strategic merge metadata (../patch/strategic-meta.ts: a merge key makes an
 * associative list, merge without a key a set, anything else is atomic), with the few lists
 * whose server-side-apply keys differ overridden here. Kinds without a schema are "deduced":
 * objects are maps, lists are atomic.
 */
import { listPatchMeta } from '../patch/strategic-meta.js';
import { messageSchema, type TypeRef } from '../schema/index.js';

export type ApplyType =
  | { readonly kind: 'struct'; readonly message: string; readonly atomic: boolean }
  | { readonly kind: 'map'; readonly elem: ApplyType }
  | { readonly kind: 'list'; readonly elem: ApplyType; readonly list: ListShape }
  | { readonly kind: 'scalar' }
  | { readonly kind: 'deduced' };

export type ListShape =
  | { readonly type: 'atomic' }
  | { readonly type: 'set' }
  | { readonly type: 'map'; readonly keys: readonly string[]; readonly defaults?: Readonly<Record<string, unknown>> };

/** Structs upstream marks `+structType=atomic` (owned and replaced as a whole). */
const ATOMIC_STRUCTS = new Set([
  'meta.v1.LabelSelector',
  'core.v1.NodeSelector',
  'core.v1.NodeSelectorTerm',
  'core.v1.TopologySelectorTerm',
  'core.v1.LocalObjectReference',
  'core.v1.ObjectReference',
  'core.v1.TypedLocalObjectReference',
  'core.v1.SecretKeySelector',
  'core.v1.ConfigMapKeySelector',
  'core.v1.ObjectFieldSelector',
  'core.v1.ResourceFieldSelector',
  'core.v1.SecretReference',
]);

const PORT_KEYS: ListShape = { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } };
const CONDITIONS: ListShape = { type: 'map', keys: ['type'] };

/** Lists whose `+listType` / `+listMapKey` markers differ from their strategic merge metadata. */
const LIST_OVERRIDES: Readonly<Record<string, Readonly<Record<string, ListShape>>>> = {
  'core.v1.Container': { ports: PORT_KEYS },
  'core.v1.EphemeralContainer': { ports: PORT_KEYS },
  'core.v1.ServiceSpec': { ports: { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } } },
  'core.v1.PodSpec': { topologySpreadConstraints: { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] } },
  'apps.v1.DeploymentStatus': { conditions: CONDITIONS },
  'apps.v1.ReplicaSetStatus': { conditions: CONDITIONS },
  'apps.v1.StatefulSetStatus': { conditions: CONDITIONS },
  'apps.v1.DaemonSetStatus': { conditions: CONDITIONS },
};

const SCALAR: ApplyType = { kind: 'scalar' };
const DEDUCED: ApplyType = { kind: 'deduced' };

function listShape(message: string, fieldName: string): ListShape {
  const override = LIST_OVERRIDES[message]?.[fieldName];
  if (override) return override;
  const meta = listPatchMeta(message, fieldName);
  if (!meta) return { type: 'atomic' };
  return meta.key ? { type: 'map', keys: [meta.key] } : { type: 'set' };
}

function fromRef(t: TypeRef, owner: string, fieldName: string): ApplyType {
  switch (t.kind) {
    case 'scalar':
    case 'special':
      return SCALAR;
    case 'message':
      return rootType(t.name);
    case 'map':
      return { kind: 'map', elem: fromRef(t.value, owner, fieldName) };
    case 'list':
      return { kind: 'list', elem: fromRef(t.elem, owner, fieldName), list: listShape(owner, fieldName) };
  }
}

/** The type of a kind by its schema message (`apps.v1.Deployment`); deduced without one. */
export function rootType(message: string | undefined): ApplyType {
  if (message === undefined || !messageSchema(message)) return DEDUCED;
  return { kind: 'struct', message, atomic: ATOMIC_STRUCTS.has(message) };
}

/** Field types by message, then field name (two lookups: no key string built per call). */
const fieldCache = new Map<string, Map<string, ApplyType | null>>();

/** The type of a struct's field; undefined when the struct does not declare it. */
export function fieldType(message: string, name: string): ApplyType | undefined {
  let fields = fieldCache.get(message);
  if (fields === undefined) {
    fields = new Map();
    fieldCache.set(message, fields);
  }
  let t = fields.get(name);
  if (t === undefined) {
    const f = messageSchema(message)?.fields.get(name);
    t = f ? fromRef(f.type, message, name) : null;
    fields.set(name, t);
  }
  return t ?? undefined;
}

/** The type of a child of a struct, map or deduced value; undefined for an undeclared field. */
export function childType(t: ApplyType, name: string): ApplyType | undefined {
  if (t.kind === 'struct') return fieldType(t.message, name);
  if (t.kind === 'map') return t.elem;
  return DEDUCED;
}

/** Whether a value of this type is owned and replaced whole (a leaf). */
export function isLeaf(t: ApplyType, v: unknown): boolean {
  if (t.kind === 'scalar') return true;
  if (t.kind === 'struct') return t.atomic;
  if (t.kind === 'list') return t.list.type === 'atomic';
  if (t.kind === 'deduced') return !(typeof v === 'object' && v !== null && !Array.isArray(v));
  return false;
}
