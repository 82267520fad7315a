/** Test helpers: a store over the in-memory backend with a settable clock. Test-only. */
import { createMemoryBackend, type Backend } from '../../storage/index.js';
import type { KObject } from '../object.js';
import type { ResourceDef } from '../registry/index.js';
import { RestStore } from './rest-store.js';

export interface TestStore {
  backend: Backend;
  store: RestStore;
  clock: { now: number };
}

export function testStore(def: ResourceDef, backend: Backend = createMemoryBackend({})): TestStore {
  const clock = { now: Date.parse('2025-01-01T00:00:00Z') };
  let uid = 0;
  return { backend, store: new RestStore(def, { backend, now: () => clock.now, uid: () => `uid-${++uid}` }), clock };
}

export function pod(name: string, extra: Partial<KObject> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: 'app', image: 'busybox' }], ...((extra.spec as object | undefined) ?? {}) },
  };
}

export function configMap(name: string, data: Record<string, string> = {}, meta: KObject['metadata'] = {}): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...meta }, data };
}
