/**
 * The resource registry's vocabulary: one `ResourceDef` per served resource says everything the
 * generic machinery needs (discovery, routing, storage keys, Tables, selectors) and carries the
 * kind's strategy hooks (defaulting, create/update preparation, validation, graceful deletion).
 * Adding a resource is a table entry plus, when it differs from the generic behaviour, hooks.
 */
import type { FieldError } from '../../../api/validation/index.js';
import type { KObject } from '../object.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0: always shown; 1: shown with `-o wide`. */
  priority: number;
}

/** Upstream's printer of a kind: column definitions and the cells of one object's row. */
export interface TablePrinter {
  readonly columns: readonly ColumnDefinition[];
  /** One cell per column; `now` is epoch ms (ages are relative to it). Never throws on odd objects. */
  cells(obj: KObject, now: number): unknown[];
  /** Row conditions (pods that completed); absent for most kinds. */
  conditions?(obj: KObject): TableRowCondition[] | undefined;
}

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/**
 * The hooks of a kind. Every hook mutates `obj` in place (a private copy) and treats `old` as
 * read-only. Hooks run in upstream's order: defaults, prepareForCreate/Update, validate.
 */
export interface Strategy {
  /** Upstream's scheme defaulting (and defaulting admission), on create and update bodies. */
  defaults(obj: KObject): void;
  /** Resets what a create may not set (status for most kinds). */
  prepareForCreate(obj: KObject): void;
  /** Carries over what an update of the main resource may not change (status for most kinds). */
  prepareForUpdate(obj: KObject, old: KObject): void;
  /** Validation on create (metadata included). */
  validate(obj: KObject): FieldError[];
  /** Validation on update (metadata update rules included). */
  validateUpdate(obj: KObject, old: KObject): FieldError[];
  /**
   * Graceful deletion (pods): the grace period for a delete that asked for `requested` seconds
   * (undefined: the object's default); 0 deletes at once. Absent: the kind is deleted at once.
   */
  gracePeriod?(obj: KObject, requested: number | undefined): number;
  /**
   * Replaces the start of a delete (namespaces): 'mark' stores `obj` as changed in place instead
   * of deleting it, 'keep' answers with the stored object, 'proceed' deletes as usual.
   */
  beforeDelete?(obj: KObject, now: number): 'mark' | 'keep' | 'proceed';
  /** 'spec': generation starts at 1 and is bumped when `spec` changes; 'none': no generation. */
  generation: 'spec' | 'none';
}

/** The hooks of the `status` subresource: the update keeps everything but the status. */
export interface StatusStrategy {
  prepareForUpdate(obj: KObject, old: KObject): void;
  validateUpdate(obj: KObject, old: KObject): FieldError[];
}

export interface SubresourceDef {
  /** `status`, `binding`, `finalize`, `log`, ... */
  name: string;
  /** The kind the subresource answers with (`responseKind` in discovery). */
  kind: GroupVersionKind;
  verbs: readonly Verb[];
}

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  /** The resource name in URLs: `pods`. */
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories: readonly string[];
  namespaced: boolean;
  verbs: readonly Verb[];
  subresources: readonly SubresourceDef[];
  strategy: Strategy;
  /** Present when the resource has a `status` subresource. */
  statusStrategy?: StatusStrategy;
  /** Update hooks of other subresources that write the object (namespaces: `finalize`). */
  subresourceStrategies?: Readonly<Record<string, StatusStrategy>>;
  /** Not stored: only its custom handlers serve it (bindings, self-subject reviews). */
  virtual?: boolean;
  /** Upstream's printer; absent: the default NAME / CREATED AT table. */
  table?: TablePrinter;
  /**
   * Root message of the kind in the schema (e.g. `core.v1.Pod`): enables type checks, pruning and
   * unknown-field detection of bodies, and protobuf decoding.
   */
  schema?: string;
  /** Selectable fields besides `metadata.name` (and `metadata.namespace` when namespaced). */
  fieldLabels?(obj: KObject): Record<string, string>;
  /** Key segment under `/registry/`; default `<plural>` for core, `<plural>.<group>` otherwise. */
  storageResource?: string;
  /**
   * The kind is stored in another kind's shape (events.k8s.io Events as core Events, under the
   * same `storageResource`): `decode` turns a stored object into this kind, `encode` back.
   */
  storageForm?: { decode(stored: KObject): KObject; encode(obj: KObject): KObject };
  /** DELETE answers with the object (pods, services, namespaces) instead of a Status. */
  returnDeletedObject?: boolean;
  /** PUT of a missing object creates it (events, leases, endpoints). */
  allowCreateOnUpdate?: boolean;
  /**
   * Records the requesting user in a new object before the store's hooks run (CSRs: upstream
   * injects `spec.username`/`groups` from the request context). Mutates `obj` in place.
   */
  recordCreator?(obj: KObject, user: { name: string; groups: readonly string[] }): void;
}

/** `v1` or `coordination.k8s.io/v1`. */
export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
