/** The storage side of the API server: REST stores, lists, deletes and watch fan-out. */
export { RestStore, generateName, type Produce, type StoreDeps, type ManagedFieldsHook, type UpdateHooks, type UpdateOptions, type WriteOptions } from './rest-store.js';
export { deleteObject, type DeleteOptions, type DeleteOutcome, type PropagationPolicy } from './delete.js';
export { asListItem, listObjects, matchesSelectors, selectableFields, supportedFieldLabels, type ListOptions, type ListResult } from './list.js';
export { WatchFanout, toObjectEvent, type ObjectEvent, type Subscription, type WatchFanoutOptions } from './watch-fanout.js';
export { decodeKv, encodeObject, parseResourceVersion, storageToApiError } from './codec.js';
export { decodeContinue, encodeContinue, CONTINUE_EXPIRED, ContinueTokenError } from './continue.js';
