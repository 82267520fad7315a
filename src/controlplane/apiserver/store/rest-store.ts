/**
 * The generic REST store: one resource's objects on the storage `Backend`, with upstream's object
 * semantics (registry `Store` + `rest.BeforeCreate`/`BeforeUpdate`): uid, creationTimestamp,
 * resourceVersion = the key's modRevision, generation, generateName, optimistic concurrency, no-op
 * updates that write nothing, status isolation through subresource hooks, and `dryRun` that runs
 * everything but the write. Keys: `/registry/<resource>[.<group>]/<namespace>/<name>`.
 *
 * Concurrency: every write is a compare-and-swap on the revision read just before; a lost race is
 * retried from a fresh read unless the caller pinned a resourceVersion (then it is a 409).
 */
import { randomUUID } from 'node:crypto';
import { formatTime, type ManagedFieldsEntry } from '../../../api/index.js';
import { isAlreadyExists, isConflict, isNotFound, type Backend, type KeyValue } from '../../storage/index.js';
import { alreadyExists, badRequest, conflict, invalid, isApiError, notFound, type GroupResource } from '../errors.js';
import { cloneJson, jsonEqual, metaOf, type KObject } from '../object.js';
import { apiVersionOf, storagePrefix, type ResourceDef, type StatusStrategy } from '../registry/index.js';
import { decodeKv, encodeObject, objectText, storageToApiError } from './codec.js';

export interface StoreDeps {
  backend: Backend;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** New object uids; default random UUIDs. */
  uid?: () => string;
}

export interface WriteOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  /**
   * Sets `next.metadata.managedFields` of a write after the strategy prepared the object and before
   * validation (`current` is null on create; `requested` is what the body carried). Without it,
   * creates store none and updates keep the stored ones.
   */
  managedFields?: ManagedFieldsHook;
}

export type ManagedFieldsHook = (next: KObject, current: KObject | null, requested: ManagedFieldsEntry[] | undefined) => void;

/** Which hooks an update runs: the main resource's strategy, or a subresource's (status, finalize). */
export type UpdateHooks = { kind: 'main' } | { kind: 'subresource'; strategy: StatusStrategy };

export interface UpdateOptions extends WriteOptions {
  hooks?: UpdateHooks;
  /**
   * Retry a lost compare-and-swap from a fresh read (the caller did not pin a resourceVersion).
   * Default true.
   */
  retryOnConflict?: boolean;
  /** Create a missing object even for kinds that do not allow create-on-update (server-side apply). */
  forceAllowCreate?: boolean;
}

/** Produces the new object from the stored one (null when missing); may throw ApiErrors. */
export type Produce = (current: KObject | null) => KObject | Promise<KObject>;

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATE_ATTEMPTS = 8;
const MAX_UPDATE_ATTEMPTS = 16;

/** Upstream `SimpleNameGenerator`: the prefix (cut to 58 characters) plus 5 random characters. */
export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return `${base.length > 58 ? base.slice(0, 58) : base}${suffix}`;
}

export class RestStore {
  readonly prefix: string;
  readonly gr: GroupResource;
  readonly backend: Backend;
  readonly now: () => number;
  private readonly uid: () => string;

  constructor(
    readonly def: ResourceDef,
    deps: StoreDeps,
  ) {
    this.prefix = storagePrefix(def);
    this.gr = { group: def.group, resource: def.plural };
    this.backend = deps.backend;
    this.now = deps.now ?? Date.now;
    this.uid = deps.uid ?? randomUUID;
  }

  /** The object stored under `kv`, in this resource's shape (see `ResourceDef.storageForm`). */
  decode(kv: KeyValue, resourceVersion?: number): KObject {
    const obj = decodeKv(kv, resourceVersion);
    return this.def.storageForm ? this.def.storageForm.decode(obj) : obj;
  }

  /** The stored form of an object of this resource. */
  encode(obj: KObject): string {
    return encodeObject(this.def.storageForm ? this.def.storageForm.encode(obj) : obj);
  }

  key(namespace: string, name: string): string {
    return this.def.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  /** Prefix of a list or watch: one namespace, or all of them when `namespace` is ''. */
  listPrefix(namespace: string): string {
    return this.def.namespaced && namespace !== '' ? `${this.prefix}${namespace}/` : this.prefix;
  }

  async get(namespace: string, name: string, signal?: AbortSignal): Promise<KObject> {
    const { kv } = await this.backend.get(this.key(namespace, name), { signal }).catch(rethrow);
    if (!kv) throw notFound(this.gr, name);
    return this.decode(kv);
  }

  /** `JSON.stringify(await get(...))`, mostly spliced from the stored text without a decode. */
  async getJson(namespace: string, name: string, signal?: AbortSignal): Promise<string> {
    const { kv } = await this.backend.get(this.key(namespace, name), { signal }).catch(rethrow);
    if (!kv) throw notFound(this.gr, name);
    return (this.def.storageForm ? undefined : objectText(kv.value, kv.modRevision)) ?? JSON.stringify(this.decode(kv));
  }

  /**
   * Creates `obj` (a private copy the store may change) in `namespace` ('' for cluster-scoped
   * kinds). Returns the stored object, or with dryRun what would have been stored.
   */
  async create(namespace: string, obj: KObject, opts: WriteOptions = {}): Promise<KObject> {
    return (await this.createWithJson(namespace, obj, opts)).obj;
  }

  /**
   * `create`, also answering `JSON.stringify` of the created object when it comes from the stored
   * text without a second encode (not for dryRun, storage forms, or a body that carried an empty
   * resourceVersion, which keeps its place among the metadata fields).
   */
  async createWithJson(namespace: string, obj: KObject, opts: WriteOptions = {}): Promise<{ obj: KObject; json: string | undefined }> {
    const meta = metaOf(obj);
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    const generated = !meta.name && !!meta.generateName;
    const requested = meta.managedFields;
    for (let attempt = 1; ; attempt++) {
      if (generated) meta.name = generateName(meta.generateName ?? '');
      this.prepareCreate(obj, namespace);
      opts.managedFields?.(obj, null, requested);
      const errs = this.def.strategy.validate(obj);
      if (errs.length > 0) throw invalid(this.def.group, this.def.kind, meta.name ?? '', errs);
      if (opts.dryRun) return { obj, json: undefined };
      try {
        const value = this.encode(obj);
        const splice = !this.def.storageForm && !Object.hasOwn(meta, 'resourceVersion');
        const { revision } = await this.backend.create(this.key(namespace, meta.name ?? ''), value, { signal: opts.signal });
        meta.resourceVersion = String(revision);
        return { obj, json: splice ? objectText(value, revision) : undefined };
      } catch (err) {
        if (!isAlreadyExists(err)) throw storageToApiError(err);
        if (!generated || attempt >= MAX_GENERATE_ATTEMPTS) throw alreadyExists(this.gr, meta.name ?? '');
      }
    }
  }

  private prepareCreate(obj: KObject, namespace: string): void {
    const meta = metaOf(obj);
    obj.apiVersion = apiVersionOf(this.def);
    obj.kind = this.def.kind;
    if (this.def.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    this.def.strategy.defaults(obj);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    delete meta.selfLink;
    // Upstream FillObjectMetaSystemFields runs before PrepareForCreate (Jobs' selectors use the uid).
    meta.creationTimestamp = formatTime(this.now());
    meta.uid = this.uid();
    this.def.strategy.prepareForCreate(obj);
    if (this.def.strategy.generation === 'spec') meta.generation = 1;
    else delete meta.generation;
  }

  /**
   * Updates `name` to what `produce` returns from the stored object. A missing object is a 404,
   * or a create for kinds that allow create-on-update (PUT of the main resource). Returns the
   * result and whether it was created. A no-op update writes nothing and keeps the resourceVersion.
   */
  async update(namespace: string, name: string, produce: Produce, opts: UpdateOptions = {}): Promise<{ obj: KObject; created: boolean }> {
    const hooks = opts.hooks ?? { kind: 'main' };
    const key = this.key(namespace, name);
    for (let attempt = 1; ; attempt++) {
      const { kv } = await this.backend.get(key, { signal: opts.signal }).catch(rethrow);
      if (!kv) {
        if (hooks.kind !== 'main' || !(this.def.allowCreateOnUpdate || opts.forceAllowCreate)) throw notFound(this.gr, name);
        const body = await produce(null);
        delete metaOf(body).resourceVersion;
        try {
          return { obj: await this.create(namespace, body, opts), created: true };
        } catch (err) {
          if (attempt < MAX_UPDATE_ATTEMPTS && isApiError(err, 'AlreadyExists')) continue;
          throw err;
        }
      }
      const current = this.decode(kv);
      const next = await produce(cloneJson(current));
      const meta = metaOf(next);
      if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) throw conflict(this.gr, name);
      meta.resourceVersion = current.metadata.resourceVersion;
      const requested = meta.managedFields;
      this.prepareUpdate(next, current, namespace, hooks);
      opts.managedFields?.(next, current, requested);
      const errs = hooks.kind === 'main' ? this.def.strategy.validateUpdate(next, current) : hooks.strategy.validateUpdate(next, current);
      if (errs.length > 0) throw invalid(this.def.group, this.def.kind, name, errs);
      if (jsonEqual(next, current)) return { obj: current, created: false };
      if (opts.dryRun) return { obj: next, created: false };
      try {
        if (shouldDeleteDuringUpdate(next, current)) {
          await this.backend.delete(key, { expectedModRevision: kv.modRevision, signal: opts.signal });
          return { obj: next, created: false };
        }
        const { revision } = await this.backend.update(key, this.encode(next), { expectedModRevision: kv.modRevision, signal: opts.signal });
        meta.resourceVersion = String(revision);
        return { obj: next, created: false };
      } catch (err) {
        if ((isConflict(err) || isNotFound(err)) && opts.retryOnConflict !== false && attempt < MAX_UPDATE_ATTEMPTS) continue;
        if (isConflict(err) || isNotFound(err)) throw conflict(this.gr, name);
        throw storageToApiError(err);
      }
    }
  }

  /** Upstream `rest.BeforeUpdate` around the strategy's prepareForUpdate. */
  private prepareUpdate(next: KObject, current: KObject, namespace: string, hooks: UpdateHooks): void {
    const meta = metaOf(next);
    const old = current.metadata;
    next.apiVersion = apiVersionOf(this.def);
    next.kind = this.def.kind;
    if (this.def.namespaced) meta.namespace = namespace;
    if (hooks.kind === 'main') {
      this.def.strategy.defaults(next);
      this.def.strategy.prepareForUpdate(next, current);
    } else {
      hooks.strategy.prepareForUpdate(next, current);
    }
    if (old.generation === undefined) delete meta.generation;
    else meta.generation = old.generation;
    if (!meta.uid && old.uid) meta.uid = old.uid;
    if (old.creationTimestamp) meta.creationTimestamp = old.creationTimestamp;
    if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
    if (old.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds === undefined) {
      meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    }
    if (old.managedFields === undefined) delete meta.managedFields;
    else meta.managedFields = old.managedFields;
    delete meta.selfLink;
    if (this.def.strategy.generation === 'spec' && !jsonEqual(next.spec, current.spec)) meta.generation = (old.generation ?? 0) + 1;
  }
}

/** Upstream `ShouldDeleteDuringUpdate`: the last finalizer of an object marked for deletion is gone. */
function shouldDeleteDuringUpdate(next: KObject, current: KObject): boolean {
  return (next.metadata.finalizers ?? []).length === 0 && !!current.metadata.deletionTimestamp && current.metadata.deletionGracePeriodSeconds === 0;
}

function rethrow(err: unknown): never {
  throw storageToApiError(err);
}
