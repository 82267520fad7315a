/**
 * POST (create, 201) and PUT (update: 200, or 201 when it created), for the main resource and the
 * `status` and `finalize` subresources, plus pod binding. The body is decoded and checked for the
 * endpoint's kind first; nothing is written unless every check passed.
 */
import { checkManagerParams, fieldManagerOf, recordUpdate } from '../apply/index.js';
import { badRequest, methodNotAllowed } from '../errors.js';
import { metaOf, type KObject } from '../object.js';
import type { StatusStrategy } from '../registry/index.js';
import { admitNamespace } from './admission.js';
import { handleBinding } from './binding.js';
import { handleEviction } from './eviction.js';
import { handleSelfSubjectAccessReview, handleSelfSubjectReview } from './reviews.js';
import type { ApiServices, RequestScope } from './context.js';
import { readObject } from './decode.js';
import { dryRunOf, writeResult } from './params.js';

function checkNamespace(scope: RequestScope, obj: KObject): void {
  const meta = metaOf(obj);
  if (!scope.def.namespaced) return;
  if (meta.namespace && meta.namespace !== scope.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

/** Creates served by their own handlers instead of the store, by `[group/]plural[/subresource]`. */
const CUSTOM_CREATES: ReadonlyMap<string, (services: ApiServices, scope: RequestScope) => Promise<void>> = new Map([
  ['pods/binding', handleBinding],
  ['pods/eviction', handleEviction],
  ['bindings', handleBinding],
  ['authentication.k8s.io/selfsubjectreviews', handleSelfSubjectReview],
  ['authorization.k8s.io/selfsubjectaccessreviews', handleSelfSubjectAccessReview],
]);

export async function handleCreate(services: ApiServices, scope: RequestScope): Promise<void> {
  const key = `${scope.def.group ? `${scope.def.group}/` : ''}${scope.def.plural}${scope.subresource ? `/${scope.subresource}` : ''}`;
  const custom = CUSTOM_CREATES.get(key);
  if (custom) return custom(services, scope);
  if (scope.subresource !== '' || scope.name !== '' || scope.def.virtual) throw methodNotAllowed();
  const dryRun = dryRunOf(scope.query, 'CreateOptions');
  checkManagerParams(scope.query, 'CreateOptions');
  const obj = await readObject(scope, scope.def);
  checkNamespace(scope, obj);
  await admitNamespace(services, scope.def, scope.namespace, obj.metadata.name ?? '', 'create', scope.signal);
  scope.def.recordCreator?.(obj, scope.user);
  const created = await scope.store.createWithJson(scope.namespace, obj, { dryRun, signal: scope.signal, managedFields: managedFieldsHook(services, scope) });
  writeResult(scope, 201, created.obj, undefined, created.json);
}

/** Records this request's changes in managedFields (operation Update) for its field manager. */
export function managedFieldsHook(services: Pick<ApiServices, 'now'>, scope: Pick<RequestScope, 'def' | 'subresource' | 'query' | 'req'>): ReturnType<typeof recordUpdate> {
  return recordUpdate({ def: scope.def, subresource: scope.subresource, manager: fieldManagerOf(scope.query, scope.req.headers['user-agent']), now: () => services.now() });
}

/** The update hooks of a subresource (status, namespaces' finalize); 405 for others. */
export function subresourceHooks(scope: Pick<RequestScope, 'def' | 'subresource'>): StatusStrategy {
  const hooks = scope.subresource === 'status' ? scope.def.statusStrategy : scope.def.subresourceStrategies?.[scope.subresource];
  if (!hooks) throw methodNotAllowed();
  return hooks;
}

export async function handleUpdate(services: ApiServices, scope: RequestScope): Promise<void> {
  const hooks = scope.subresource === '' ? undefined : subresourceHooks(scope);
  const dryRun = dryRunOf(scope.query, 'UpdateOptions');
  checkManagerParams(scope.query, 'UpdateOptions');
  const obj = await readObject(scope, scope.def);
  const meta = metaOf(obj);
  if ((meta.name ?? '') !== scope.name) throw badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${scope.name})`);
  checkNamespace(scope, obj);
  await admitNamespace(services, scope.def, scope.namespace, scope.name, 'update', scope.signal);
  const result = await scope.store.update(scope.namespace, scope.name, () => obj, {
    dryRun,
    signal: scope.signal,
    hooks: hooks ? { kind: 'subresource', strategy: hooks } : { kind: 'main' },
    retryOnConflict: !meta.resourceVersion,
    managedFields: managedFieldsHook(services, scope),
  });
  writeResult(scope, result.created ? 201 : 200, result.obj);
}

