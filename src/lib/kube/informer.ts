/**
 * An informer (client-go's reflector + store): lists, then watches from the list's
 * resourceVersion, keeping a local copy of the objects and telling handlers what changed. On 410
 * Gone it re-lists (diffing against the store, so handlers see the changes they missed); on other
 * errors it backs off (1 s doubling to `maxBackoffMs`, default 10 s) and re-watches from the last
 * resourceVersion seen. The cap is below client-go's 30 s so that a kubelet sees new pods within
 * about one lease renewal of an API server coming back; a refused connection every 10 s is cheap.
 * Handlers run synchronously and must only enqueue work.
 */
import { realClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { isGoneError, type KubeClient, type Query } from './client.js';

export interface ObjectWithMeta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export type InformerEvent<T> =
  | { type: 'ADDED'; object: T }
  | { type: 'MODIFIED'; object: T; old: T }
  | { type: 'DELETED'; object: T };

export interface Informer<T> {
  run(signal: AbortSignal): Promise<void>;
  /** Adds a handler; returns the unsubscribe function. */
  onEvent(handler: (ev: InformerEvent<T>) => void): () => void;
  /** True once the first list has been applied. */
  hasSynced(): boolean;
  /** `namespace/name` (or `name`) -> object. */
  get(key: string): T | undefined;
  list(): T[];
}

export function objectKey(o: ObjectWithMeta): string {
  const ns = o.metadata?.namespace;
  return ns ? `${ns}/${o.metadata?.name ?? ''}` : (o.metadata?.name ?? '');
}

export function createInformer<T extends ObjectWithMeta>(
  client: Pick<KubeClient, 'list' | 'watch'>,
  path: string,
  opts: { query?: Query; logger: Logger; clock?: Clock; watchTimeoutSeconds?: number; maxBackoffMs?: number },
): Informer<T> {
  const maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  if (!(maxBackoffMs >= 1_000)) throw new RangeError(`maxBackoffMs must be at least 1000, got ${maxBackoffMs}`);
  const store = new Map<string, T>();
  const handlers = new Set<(ev: InformerEvent<T>) => void>();
  const clock = opts.clock ?? realClock;
  let synced = false;
  let resourceVersion = '';

  const emit = (ev: InformerEvent<T>): void => {
    for (const h of handlers) {
      try {
        h(ev);
      } catch (err) {
        opts.logger.error({ err: (err as Error).message, path }, 'informer handler threw');
      }
    }
  };

  function apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    const key = objectKey(obj);
    const old = store.get(key);
    if (type === 'DELETED') {
      store.delete(key);
      emit({ type: 'DELETED', object: old ?? obj });
    } else if (old) {
      store.set(key, obj);
      if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) emit({ type: 'MODIFIED', object: obj, old });
    } else {
      store.set(key, obj);
      emit({ type: 'ADDED', object: obj });
    }
  }

  async function relist(signal: AbortSignal): Promise<void> {
    const { items, metadata } = await client.list<T>(path, opts.query, signal);
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(objectKey(item));
      apply(store.has(objectKey(item)) ? 'MODIFIED' : 'ADDED', item);
    }
    for (const [key, obj] of [...store]) if (!seen.has(key)) apply('DELETED', obj);
    resourceVersion = metadata.resourceVersion ?? '';
    synced = true;
  }

  return {
    async run(signal) {
      let backoffMs = 1_000;
      let needList = true;
      while (!signal.aborted) {
        try {
          if (needList) await relist(signal);
          needList = false;
          const query = { ...opts.query, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: opts.watchTimeoutSeconds ?? 300 };
          for await (const ev of client.watch<T>(path, query, signal)) {
            resourceVersion = ev.object.metadata?.resourceVersion ?? resourceVersion;
            if (ev.type !== 'BOOKMARK') apply(ev.type, ev.object);
            backoffMs = 1_000;
          }
        } catch (err) {
          if (signal.aborted) break;
          if (isGoneError(err)) {
            opts.logger.info({ path }, 'watch expired; re-listing');
            needList = true;
            continue;
          }
          opts.logger.warn({ path, err: (err as Error).message, retryInMs: backoffMs }, 'list/watch failed');
          await clock.sleep(backoffMs, signal).catch(() => undefined);
          backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
        }
      }
    },
    onEvent(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    hasSynced: () => synced,
    get: (key) => store.get(key),
    list: () => [...store.values()],
  };
}
