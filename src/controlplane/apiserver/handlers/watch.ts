/**
 * Watches over HTTP: chunked JSON lines `{"type":...,"object":...}`, headers flushed at once.
 * - resourceVersion unset or "0": a synthetic ADDED for every current match, then changes;
 *   "N": the changes after N (504 when N is ahead of the store; an in-stream ERROR with a 410
 *   Expired Status, then the end, when N is too old);
 * - label and field selectors filter events: an object that stops matching is DELETED, one that
 *   starts matching is ADDED, as upstream's watch cache reports them;
 * - `allowWatchBookmarks=true`: periodic BOOKMARKs carrying a resourceVersion every event up to
 *   which was sent; `timeoutSeconds` (default: 30-60 min) ends the stream cleanly;
 * - Table watches send one-row Tables, column definitions in the first event only.
 * A client that stops reading is ended by the fan-out; the client re-watches from its last RV.
 */
import { isCompacted } from '../../storage/index.js';
import { failure, tooLargeResourceVersion } from '../errors.js';
import type { KObject } from '../object.js';
import { apiVersionOf } from '../registry/index.js';
import { listObjects, matchesSelectors, parseResourceVersion, type ObjectEvent } from '../store/index.js';
import { toTable } from '../table/table.js';
import type { ApiServices, RequestScope } from './context.js';
import { fieldSelectorOf, formatOf, intParam, labelSelectorOf } from './params.js';
import { includeObjectOf } from './read.js';
import { fieldSelectorFrom } from '../selectors/fields.js';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

const jsonCache = new WeakMap<object, string>();

function cachedJson(obj: object): string {
  let s = jsonCache.get(obj);
  if (s === undefined) {
    s = JSON.stringify(obj);
    jsonCache.set(obj, s);
  }
  return s;
}

export async function handleWatch(services: ApiServices, scope: RequestScope): Promise<void> {
  const format = formatOf(scope, true);
  const labels = labelSelectorOf(scope.query);
  let fields = fieldSelectorOf(scope.query, scope.store);
  if (scope.name) fields = fieldSelectorFrom([...fields.terms, { field: 'metadata.name', op: '=', value: scope.name }]);
  const rv = parseResourceVersion(scope.query.get('resourceVersion') ?? undefined);
  const bookmarks = scope.query.get('allowWatchBookmarks') === 'true';
  const min = services.watch.minRequestTimeoutSeconds;
  const timeoutSeconds = intParam(scope.query, 'timeoutSeconds') ?? min + Math.floor(Math.random() * min);
  const filtered = !labels.empty || !fields.empty;
  const includeObject = format.kind === 'table' ? includeObjectOf(scope.query) : 'Metadata';

  let from = rv;
  let initial: KObject[] = [];
  if (rv === 0) {
    const list = await listObjects(scope.store, scope.namespace, { labelSelector: labels, fieldSelector: fields, signal: scope.signal });
    initial = list.items;
    from = Number(list.resourceVersion);
  } else {
    const current = await scope.store.backend.currentRevision({ signal: scope.signal });
    if (rv > current) throw tooLargeResourceVersion(rv, current);
  }

  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  scope.signal.addEventListener('abort', onAbort, { once: true });
  const sub = services.fanout(scope.def).subscribe(scope.store.listPrefix(scope.namespace), from, ac.signal);
  const res = scope.res;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  let headersSent = false;
  const encode = (type: EventType, obj: object): string => {
    if (format.kind === 'table' && type !== 'BOOKMARK' && type !== 'ERROR') {
      const table = toTable(scope.def.table, [obj as KObject], { resourceVersion: (obj as KObject).metadata.resourceVersion ?? '' }, { includeObject, noHeaders: headersSent, now: services.now() });
      headersSent = true;
      return `{"type":"${type}","object":${JSON.stringify(table)}}\n`;
    }
    return `{"type":"${type}","object":${cachedJson(obj)}}\n`;
  };
  const send = async (line: string): Promise<void> => {
    if (res.destroyed || res.writableEnded) return;
    if (!res.write(line)) await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    });
  };

  const timers: NodeJS.Timeout[] = [setTimeout(() => ac.abort(), timeoutSeconds * 1000)];
  if (bookmarks) {
    timers.push(
      setInterval(() => {
        const bookmark = { kind: scope.def.kind, apiVersion: apiVersionOf(scope.def), metadata: { resourceVersion: String(sub.progress()) } };
        void send(encode('BOOKMARK', bookmark));
      }, services.watch.bookmarkIntervalMs),
    );
  }
  try {
    for (const obj of initial) await send(encode('ADDED', obj));
    for await (const ev of sub) {
      const out = classify(scope, ev, filtered, labels, fields);
      if (out) await send(encode(out.type, out.obj));
    }
  } catch (err) {
    if (isCompacted(err)) {
      await send(encode('ERROR', failure(410, 'Expired', `too old resource version: ${from} (${err.compactRevision})`)));
    } else if (!ac.signal.aborted) {
      services.logger.debug({ err, resource: scope.def.plural }, 'watch ended');
    }
  } finally {
    for (const t of timers) clearTimeout(t);
    scope.signal.removeEventListener('abort', onAbort);
    sub.close();
    if (!res.writableEnded) res.end();
  }
}

/** What a storage event means to a watcher with these selectors, if anything. */
function classify(
  scope: RequestScope,
  ev: ObjectEvent,
  filtered: boolean,
  labels: Parameters<typeof matchesSelectors>[2],
  fields: Parameters<typeof matchesSelectors>[3],
): { type: EventType; obj: KObject } | undefined {
  if (!filtered) return { type: ev.type === 'delete' ? 'DELETED' : ev.prev ? 'MODIFIED' : 'ADDED', obj: ev.obj };
  const match = (o: KObject): boolean => matchesSelectors(scope.store, o, labels, fields);
  if (ev.type === 'delete') return match(ev.obj) ? { type: 'DELETED', obj: ev.obj } : undefined;
  const cur = match(ev.obj);
  const old = ev.prev !== null && match(ev.prev);
  if (cur) return { type: old ? 'MODIFIED' : 'ADDED', obj: ev.obj };
  if (old && ev.prev) return { type: 'DELETED', obj: { ...ev.prev, metadata: { ...ev.prev.metadata, resourceVersion: String(ev.revision) } } };
  return undefined;
}
