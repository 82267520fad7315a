/**
 * events.k8s.io/v1 Events share the storage of core/v1 Events, as upstream (one internal type):
 * they are stored in the core shape and converted on every read and write. The field mapping is
 * upstream's conversion (pkg/apis/events/v1): regarding = involvedObject, note = message,
 * reportingController = reportingComponent, deprecated* = the core-only fields.
 */
import type { KObject } from '../object.js';

/** [events.k8s.io/v1 field, core/v1 field]; fields not listed have the same name in both. */
const RENAMES: readonly [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

function rename(obj: KObject, apiVersion: string, pairs: readonly [string, string][]): KObject {
  const out: KObject = { ...obj, apiVersion, kind: 'Event' };
  for (const [from, to] of pairs) {
    delete out[from];
    if (obj[from] !== undefined) out[to] = obj[from];
  }
  return out;
}

/** A stored (core/v1) Event as events.k8s.io/v1 shows it. */
export function eventToV1(stored: KObject): KObject {
  return rename(stored, 'events.k8s.io/v1', RENAMES.map(([v1, core]) => [core, v1]));
}

/** An events.k8s.io/v1 Event in its stored (core/v1) shape. */
export function eventFromV1(obj: KObject): KObject {
  return rename(obj, 'v1', RENAMES);
}
