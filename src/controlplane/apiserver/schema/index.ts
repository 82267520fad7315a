/**
 * The API types' schema (./core-v1-*.ts) as lookups: per message its fields by JSON name and by
 * protobuf number, with resolved types. Used to type-check, prune and strictly decode JSON bodies
 * (./check.ts) and to decode protobuf bodies (../protobuf). Parsed once, on first use.
 */
import { APPS_BATCH_MESSAGES } from './apps-batch-v1.js';
import { OTHER_MESSAGES } from './core-v1-other.js';
import { POD_MESSAGES } from './core-v1-pod.js';
import { CORE_STORAGE_MESSAGES } from './core-v1-storage.js';
import { OTHER_GROUP_MESSAGES } from './other-groups-v1.js';

export type Scalar = 'string' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64' | 'fixed32' | 'fixed64' | 'bool' | 'bytes' | 'double' | 'float';
export type Special = 'Time' | 'MicroTime' | 'Quantity' | 'IntOrString' | 'Duration' | 'FieldsV1' | 'RawExtension';

export type TypeRef =
  | { kind: 'scalar'; scalar: Scalar }
  | { kind: 'special'; special: Special }
  | { kind: 'message'; name: string }
  | { kind: 'list'; elem: TypeRef }
  | { kind: 'map'; value: TypeRef };

export interface FieldSchema {
  readonly name: string;
  readonly number: number;
  readonly type: TypeRef;
  /**
   * Go's embedded struct with `json:",inline"` (Volume.volumeSource): its own fields appear in
   * the parent's JSON, so it is absent from `fields` (which holds its fields instead) and only in
   * `byNumber` (protobuf keeps it as a nested message).
   */
  readonly inline?: boolean;
}

export interface MessageSchema {
  /** `core.v1.PodSpec`. */
  readonly name: string;
  /** The Go struct name, `PodSpec`. */
  readonly goName: string;
  readonly fields: ReadonlyMap<string, FieldSchema>;
  readonly byNumber: ReadonlyMap<number, FieldSchema>;
}

const SCALARS = new Set<string>(['string', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'bool', 'bytes', 'double', 'float']);
const SPECIALS = new Set<string>(['Time', 'MicroTime', 'Quantity', 'IntOrString', 'Duration', 'FieldsV1', 'RawExtension']);

export function parseTypeRef(t: string): TypeRef {
  if (t.startsWith('[]')) return { kind: 'list', elem: parseTypeRef(t.slice(2)) };
  if (t.startsWith('{}')) return { kind: 'map', value: parseTypeRef(t.slice(2)) };
  if (SCALARS.has(t)) return { kind: 'scalar', scalar: t as Scalar };
  if (SPECIALS.has(t)) return { kind: 'special', special: t as Special };
  return { kind: 'message', name: t };
}

/** Embedded structs that Go inlines into their parent's JSON, as `Message.field`. */
const INLINE_FIELDS = new Set([
  'core.v1.Volume.volumeSource',
  'core.v1.EphemeralContainer.ephemeralContainerCommon',
  'core.v1.Probe.handler',
  'core.v1.PersistentVolumeSpec.persistentVolumeSource',
  // `LocalObjectReference` embedded for its `name`: configMap volumes, projections, key refs, envFrom.
  'core.v1.ConfigMapVolumeSource.localObjectReference',
  'core.v1.ConfigMapProjection.localObjectReference',
  'core.v1.SecretProjection.localObjectReference',
  'core.v1.ConfigMapEnvSource.localObjectReference',
  'core.v1.SecretEnvSource.localObjectReference',
  'core.v1.ConfigMapKeySelector.localObjectReference',
  'core.v1.SecretKeySelector.localObjectReference',
]);

let table: Map<string, MessageSchema> | undefined;

/** Replaces inline fields of `m` by their message's (flattened) fields, once. */
function flatten(out: Map<string, MessageSchema>, m: MessageSchema, done: Set<string>): void {
  if (done.has(m.name)) return;
  done.add(m.name);
  const fields = m.fields as Map<string, FieldSchema>;
  const byNumber = m.byNumber as Map<number, FieldSchema>;
  for (const f of [...fields.values()]) {
    if (!INLINE_FIELDS.has(`${m.name}.${f.name}`) || f.type.kind !== 'message') continue;
    const inner = out.get(f.type.name);
    if (!inner) continue;
    flatten(out, inner, done);
    fields.delete(f.name);
    byNumber.set(f.number, { ...f, inline: true });
    for (const [k, v] of inner.fields) fields.set(k, v);
  }
}

function build(): Map<string, MessageSchema> {
  const out = new Map<string, MessageSchema>();
  for (const source of [POD_MESSAGES, OTHER_MESSAGES, APPS_BATCH_MESSAGES, CORE_STORAGE_MESSAGES, OTHER_GROUP_MESSAGES]) {
    for (const [name, spec] of Object.entries(source)) {
      const fields = new Map<string, FieldSchema>();
      const byNumber = new Map<number, FieldSchema>();
      for (const part of spec.split(' ')) {
        const m = /^([^=]+)=(\d+):(.+)$/.exec(part);
        if (!m) throw new Error(`bad schema field ${part} in ${name}`);
        const f: FieldSchema = { name: m[1] ?? '', number: Number(m[2]), type: parseTypeRef(m[3] ?? '') };
        fields.set(f.name, f);
        byNumber.set(f.number, f);
      }
      out.set(name, { name, goName: name.slice(name.lastIndexOf('.') + 1), fields, byNumber });
    }
  }
  const done = new Set<string>();
  for (const m of out.values()) flatten(out, m, done);
  return out;
}

/** The schema of a message (`core.v1.Pod`), or undefined when tskube has none. */
export function messageSchema(name: string): MessageSchema | undefined {
  table ??= build();
  return table.get(name);
}

/** Go's name of a type in error messages: `[]v1.Container`, `map[string]string`, `int32`. */
export function goTypeName(t: TypeRef): string {
  switch (t.kind) {
    case 'scalar':
      return t.scalar === 'bytes' ? '[]uint8' : t.scalar === 'double' ? 'float64' : t.scalar === 'float' ? 'float32' : t.scalar;
    case 'special':
      return t.special === 'Quantity' ? 'resource.Quantity' : t.special === 'IntOrString' ? 'intstr.IntOrString' : t.special === 'RawExtension' ? 'runtime.RawExtension' : `v1.${t.special}`;
    case 'message':
      return `v1.${t.name.slice(t.name.lastIndexOf('.') + 1)}`;
    case 'list':
      return `[]${goTypeName(t.elem)}`;
    case 'map':
      return `map[string]${goTypeName(t.value)}`;
  }
}
