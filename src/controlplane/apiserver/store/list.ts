/**
 * Lists with selectors, `resourceVersion` semantics and `limit`/`continue` pagination, as
 * upstream's etcd3 store answers them:
 * - resourceVersion unset or "0": the current state; "N" (NotOlderThan): the current state, or a
 *   504 when N is ahead of the store; "N" with resourceVersionMatch=Exact: the state at N (410 when
 *   compacted);
 * - with `limit`, reading continues until `limit` objects match or the range ends; the continue
 *   token pins the revision of the first page (410 with upstream's message once it is compacted);
 * - `fieldSelector=metadata.name=x` reads the one key instead of the range.
 */
import { isCompacted, type KeyValue } from '../../storage/index.js';
import { badRequest, resourceExpired, tooLargeResourceVersion } from '../errors.js';
import type { KObject } from '../object.js';
import { EVERY_FIELD, type FieldSelector } from '../selectors/fields.js';
import { EVERYTHING, type LabelSelector } from '../selectors/labels.js';
import { listItemText, parseResourceVersion, storageToApiError } from './codec.js';
import { CONTINUE_EXPIRED, ContinueTokenError, decodeContinue, encodeContinue } from './continue.js';
import type { RestStore } from './rest-store.js';

export interface ListOptions {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  /** At most this many items (0 or undefined: all). */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  /**
   * Answer the items as JSON texts of list items (`texts`, without apiVersion and kind) instead
   * of objects: spliced from storage without a decode when nothing needs the objects.
   */
  asText?: boolean;
  signal?: AbortSignal;
}

export interface ListResult {
  /** The matching objects; empty when `asText` was asked (see `texts`). */
  items: KObject[];
  /** With `asText`: the matching objects as list-item JSON texts, in order. */
  texts?: string[];
  /** The revision the list is consistent at. */
  resourceVersion: string;
  continue?: string;
}

/** An object as list items carry it: without apiVersion and kind, as upstream's lists. */
export function asListItem(obj: KObject): KObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest as KObject;
}

/** Whether `obj` passes both selectors; field values come from the kind's selectable fields. */
export function matchesSelectors(store: RestStore, obj: KObject, labels: LabelSelector, fields: FieldSelector): boolean {
  if (!labels.empty && !labels.matches(obj.metadata.labels)) return false;
  if (fields.empty) return true;
  return fields.matches(selectableFields(store, obj));
}

/** `metadata.name`, `metadata.namespace` (namespaced kinds) and the kind's own selectable fields. */
export function selectableFields(store: RestStore, obj: KObject): Record<string, string> {
  const base: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (store.def.namespaced) base['metadata.namespace'] = obj.metadata.namespace ?? '';
  return { ...base, ...(store.def.fieldLabels?.(obj) ?? {}) };
}

/** The field names a kind can be selected by. */
export function supportedFieldLabels(store: RestStore): Set<string> {
  const probe: KObject = { metadata: {} };
  return new Set(Object.keys(selectableFields(store, probe)));
}

const READ_CHUNK = 500;

export async function listObjects(store: RestStore, namespace: string, opts: ListOptions): Promise<ListResult> {
  const labels = opts.labelSelector ?? EVERYTHING;
  const fields = opts.fieldSelector ?? EVERY_FIELD;
  const prefix = store.listPrefix(namespace);
  const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : 0;
  let revision = 0;
  let startKey: string | undefined;
  if (opts.continue) {
    try {
      ({ startKey, revision } = decodeContinue(opts.continue, prefix));
    } catch (err) {
      if (err instanceof ContinueTokenError) throw badRequest(err.message);
      throw err;
    }
  } else {
    const rv = parseResourceVersion(opts.resourceVersion);
    if (rv > 0 && opts.resourceVersionMatch === 'Exact') revision = rv;
    else if (rv > 0) {
      const current = await store.backend.currentRevision({ signal: opts.signal }).catch(rethrow);
      if (rv > current) throw tooLargeResourceVersion(rv, current);
    }
  }

  const name = fields.requires('metadata.name');
  if (name !== undefined && !opts.continue && (!store.def.namespaced || namespace !== '')) {
    const res = await store.backend.get(store.key(namespace, name), { revision, signal: opts.signal }).catch(rethrow);
    const items = res.kv ? [store.decode(res.kv)].filter((o) => matchesSelectors(store, o, labels, fields)) : [];
    return { items, resourceVersion: String(res.revision) };
  }

  const items: KObject[] = [];
  const texts: string[] | undefined = opts.asText ? [] : undefined;
  // Stored text is only spliced when no selector and no storage-form conversion needs the object.
  const splice = texts !== undefined && labels.empty && fields.empty && !store.def.storageForm;
  const count = (): number => (texts ? texts.length : items.length);
  const result = (extra: { continue?: string } = {}): ListResult => ({ items, ...(texts ? { texts } : {}), resourceVersion: String(revision), ...extra });
  for (;;) {
    const want = limit > 0 ? Math.max(limit - count(), labels.empty && fields.empty ? 0 : READ_CHUNK) : 0;
    let page;
    try {
      page = await store.backend.list(prefix, { revision, startKey, ...(want > 0 ? { limit: want } : {}), signal: opts.signal });
    } catch (err) {
      if (opts.continue && isCompacted(err)) throw expiredContinue(prefix, startKey);
      // Upstream's etcd3 store words a list at a compacted revision apart from a watch's.
      if (isCompacted(err)) throw resourceExpired(LIST_EXPIRED);
      throw storageToApiError(err);
    }
    revision = page.revision;
    for (let i = 0; i < page.kvs.length; i++) {
      const kv = page.kvs[i] as KeyValue;
      const text = splice ? listItemText(kv) : undefined;
      if (text !== undefined) texts?.push(text);
      else {
        const obj = store.decode(kv);
        if (!matchesSelectors(store, obj, labels, fields)) continue;
        if (texts) texts.push(JSON.stringify(asListItem(obj)));
        else items.push(obj);
      }
      if (limit > 0 && count() >= limit) {
        const more = i < page.kvs.length - 1 || page.more;
        return result(more ? { continue: encodeContinue(`${kv.key}\u0000`, prefix, revision) } : {});
      }
    }
    if (!page.more || page.nextKey === undefined) return result();
    startKey = page.nextKey;
  }
}

const LIST_EXPIRED = 'The resourceVersion for the provided list is too old.';

/** Upstream's 410 for a compacted continue token; it carries a token to go on inconsistently. */
function expiredContinue(prefix: string, startKey: string | undefined): Error {
  const err = resourceExpired(CONTINUE_EXPIRED);
  if (startKey !== undefined) err.status.metadata = { continue: encodeContinue(startKey, prefix, -1) };
  return err;
}

function rethrow(err: unknown): never {
  throw storageToApiError(err);
}
