/**
 * Deletion as upstream's registry `Store.Delete` with `rest.BeforeDelete` (v1.32):
 * - preconditions (uid, resourceVersion) are checked against the stored object (409);
 * - `propagationPolicy` adds or removes the `orphan` / `foregroundDeletion` finalizers;
 * - an object with finalizers is only marked (deletionTimestamp, grace 0) and stays until an update
 *   removes the last finalizer;
 * - graceful kinds (pods) with a period > 0 get deletionTimestamp = now + period and
 *   deletionGracePeriodSeconds and stay; a later delete may only shorten the period, and a period
 *   of 0 (the kubelet's final delete, unscheduled pods) deletes at once;
 * - namespaces go through the strategy's `beforeDelete` (Terminating first).
 * Every write is a compare-and-swap on the revision just read, retried on a lost race.
 */
import { formatTime } from '../../../api/index.js';
import { isConflict, isNotFound } from '../../storage/index.js';
import { conflict, notFound } from '../errors.js';
import { jsonEqual, metaOf, type KObject } from '../object.js';
import { storageToApiError } from './codec.js';
import type { RestStore, WriteOptions } from './rest-store.js';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: PropagationPolicy;
}

export interface DeleteOutcome {
  /** The deleted object (its last state), or the object as it stays while deletion is pending. */
  obj: KObject;
  /** True when the key is gone. */
  deleted: boolean;
}

const MAX_ATTEMPTS = 16;

/** Upstream `rest.BeforeDelete`: its Conflict names the kind, not the resource (`on Pod "x"`). */
function checkPreconditions(store: RestStore, obj: KObject, opts: DeleteOptions): void {
  const name = obj.metadata.name ?? '';
  const gk = { group: store.def.group, resource: store.def.kind };
  const uid = opts.preconditions?.uid;
  if (uid !== undefined && uid !== obj.metadata.uid) {
    throw conflict(gk, name, `the UID in the precondition (${uid}) does not match the UID in record (${obj.metadata.uid ?? ''}). The object might have been deleted and then recreated`);
  }
  const rv = opts.preconditions?.resourceVersion;
  if (rv !== undefined && rv !== obj.metadata.resourceVersion) {
    throw conflict(gk, name, `the ResourceVersion in the precondition (${rv}) does not match the ResourceVersion in record (${obj.metadata.resourceVersion ?? ''}). The object might have been modified`);
  }
}

function applyPropagation(obj: KObject, policy: PropagationPolicy | undefined): void {
  if (policy === undefined || obj.metadata.deletionTimestamp) return;
  const set = new Set(obj.metadata.finalizers ?? []);
  set.delete('orphan');
  set.delete('foregroundDeletion');
  if (policy === 'Orphan') set.add('orphan');
  if (policy === 'Foreground') set.add('foregroundDeletion');
  const list = [...set];
  if (list.length > 0) obj.metadata.finalizers = list;
  else delete obj.metadata.finalizers;
}

type Plan = { action: 'delete' } | { action: 'write' } | { action: 'keep' };

/** Decides what a delete does to `obj` (changing it in place when it is to be written). */
function plan(store: RestStore, obj: KObject, opts: DeleteOptions): Plan {
  const meta = metaOf(obj);
  const strategy = store.def.strategy;
  const now = store.now();
  if (strategy.beforeDelete) {
    const step = strategy.beforeDelete(obj, now);
    if (step === 'mark') return { action: 'write' };
    if (step === 'keep') return { action: 'keep' };
  }
  applyPropagation(obj, opts.propagationPolicy);
  // Negative periods count as 1 s, as upstream.
  const requested = opts.gracePeriodSeconds === undefined ? undefined : opts.gracePeriodSeconds < 0 ? 1 : opts.gracePeriodSeconds;
  let graceful = false;
  if (strategy.gracePeriod) {
    const pendingGrace = meta.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp && pendingGrace !== undefined && pendingGrace > 0) {
      // Already being deleted: only a shorter period changes anything.
      if (requested === undefined || requested >= pendingGrace) return { action: 'keep' };
      const start = Date.parse(meta.deletionTimestamp) - pendingGrace * 1000;
      meta.deletionTimestamp = formatTime(start + requested * 1000);
      meta.deletionGracePeriodSeconds = requested;
      graceful = requested > 0;
    } else if (!meta.deletionTimestamp) {
      const period = strategy.gracePeriod(obj, requested);
      if (period > 0) {
        meta.deletionTimestamp = formatTime(now + period * 1000);
        meta.deletionGracePeriodSeconds = period;
        if (meta.generation !== undefined && meta.generation > 0) meta.generation++;
        graceful = true;
      }
    }
  }
  if ((meta.finalizers ?? []).length > 0) {
    if (!graceful) {
      // Upstream markAsDeleting.
      if (!meta.deletionTimestamp && meta.generation !== undefined && meta.generation > 0) meta.generation++;
      if (!meta.deletionTimestamp || Date.parse(meta.deletionTimestamp) > now) meta.deletionTimestamp = formatTime(now);
      meta.deletionGracePeriodSeconds = 0;
    }
    return { action: 'write' };
  }
  return graceful ? { action: 'write' } : { action: 'delete' };
}

/** Deletes (or starts deleting) `name`; see the module comment for the rules. */
export async function deleteObject(store: RestStore, namespace: string, name: string, opts: DeleteOptions = {}): Promise<DeleteOutcome> {
  const key = store.key(namespace, name);
  for (let attempt = 1; ; attempt++) {
    const { kv } = await store.backend.get(key, { signal: opts.signal }).catch((err: unknown) => {
      throw storageToApiError(err);
    });
    if (!kv) throw notFound(store.gr, name);
    const current = store.decode(kv);
    checkPreconditions(store, current, opts);
    const next = store.decode(kv);
    const p = plan(store, next, opts);
    if (p.action === 'keep' || (p.action === 'write' && jsonEqual(next, current))) return { obj: current, deleted: false };
    if (opts.dryRun) return p.action === 'delete' ? { obj: current, deleted: true } : { obj: next, deleted: false };
    try {
      if (p.action === 'delete') {
        await store.backend.delete(key, { expectedModRevision: kv.modRevision, signal: opts.signal });
        return { obj: current, deleted: true };
      }
      const { revision } = await store.backend.update(key, store.encode(next), { expectedModRevision: kv.modRevision, signal: opts.signal });
      next.metadata.resourceVersion = String(revision);
      return { obj: next, deleted: false };
    } catch (err) {
      if ((isConflict(err) || isNotFound(err)) && attempt < MAX_ATTEMPTS) continue;
      if (isConflict(err)) throw conflict(store.gr, name);
      if (isNotFound(err)) throw notFound(store.gr, name);
      throw storageToApiError(err);
    }
  }
}
