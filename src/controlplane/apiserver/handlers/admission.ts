/**
 * Upstream's NamespaceLifecycle admission: writes into a missing namespace are 404
 * `namespaces "x" not found`; creates in a terminating namespace are 403 with a
 * NamespaceTerminating cause; `default`, `kube-system` and `kube-public` cannot be deleted.
 */
import { forbidden, isApiError, notFound } from '../errors.js';
import { stringAt } from '../object.js';
import type { ResourceDef } from '../registry/index.js';
import type { ApiServices } from './context.js';

export const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Checks a create (or update) of `def` named `name` in `namespace`. */
export async function admitNamespace(services: ApiServices, def: ResourceDef, namespace: string, name: string, operation: 'create' | 'update', signal?: AbortSignal): Promise<void> {
  if (!def.namespaced || namespace === '') return;
  let ns;
  try {
    ns = await services.storeFor('', 'namespaces').get('', namespace, signal);
  } catch (err) {
    if (isApiError(err, 'NotFound')) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    throw err;
  }
  if (operation !== 'create' || stringAt(ns, 'status', 'phase') !== 'Terminating') return;
  const err = forbidden({ group: def.group, resource: def.plural }, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
  err.status.details = { ...err.status.details, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] };
  throw err;
}

/** Refuses deleting the namespaces the cluster needs. */
export function admitNamespaceDelete(def: ResourceDef, name: string): void {
  if (def.group === '' && def.plural === 'namespaces' && IMMORTAL_NAMESPACES.has(name)) {
    throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
  }
}
