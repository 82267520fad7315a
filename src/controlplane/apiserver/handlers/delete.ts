/**
 * DELETE of one object and of collections. Options come from the body (a DeleteOptions object, as
 * kubectl sends `{"propagationPolicy":"Background"}`) or, without a body, from the query. The
 * answer is the deleted object for kinds that return it (pods, services, namespaces) or a Success
 * Status, and the object itself while deletion is pending (graceful pods, finalizers).
 */
import { notSupported, type FieldError, invalid as fieldInvalid } from '../../../api/validation/index.js';
import { badRequest, invalid, isApiError, methodNotAllowed, success } from '../errors.js';
import { isRecord, type KObject } from '../object.js';
import { apiVersionOf } from '../registry/index.js';
import { readBody, parseObjectText } from '../server/body.js';
import { deleteObject, listObjects, type DeleteOptions, type PropagationPolicy } from '../store/index.js';
import { admitNamespaceDelete } from './admission.js';
import type { ApiServices, RequestScope } from './context.js';
import { asListItem, dryRunOf, fieldSelectorOf, intParam, labelSelectorOf, writeResult } from './params.js';

const POLICIES: readonly string[] = ['Foreground', 'Background', 'Orphan'];

/** DeleteOptions from the body or the query, validated as upstream (`DeleteOptions.meta.k8s.io "" is invalid`). */
async function deleteOptionsOf(scope: RequestScope): Promise<DeleteOptions & { orphanDependents?: boolean }> {
  const body = await readBody(scope.req);
  let grace: number | undefined;
  let policy: string | undefined;
  let orphan: boolean | undefined;
  let dryRunValues: string[] | undefined;
  let preconditions: DeleteOptions['preconditions'];
  if (body.length > 0) {
    const o = parseObjectText(body, 'json', 'DeleteOptions');
    if (o.gracePeriodSeconds !== undefined && o.gracePeriodSeconds !== null) {
      if (typeof o.gracePeriodSeconds !== 'number' || !Number.isInteger(o.gracePeriodSeconds)) {
        throw badRequest('json: cannot unmarshal into Go struct field DeleteOptions.gracePeriodSeconds of type int64');
      }
      grace = o.gracePeriodSeconds;
    }
    if (typeof o.propagationPolicy === 'string') policy = o.propagationPolicy;
    if (typeof o.orphanDependents === 'boolean') orphan = o.orphanDependents;
    if (Array.isArray(o.dryRun)) dryRunValues = o.dryRun.map(String);
    if (isRecord(o.preconditions)) {
      preconditions = {
        ...(typeof o.preconditions.uid === 'string' ? { uid: o.preconditions.uid } : {}),
        ...(typeof o.preconditions.resourceVersion === 'string' ? { resourceVersion: o.preconditions.resourceVersion } : {}),
      };
    }
  } else {
    grace = intParam(scope.query, 'gracePeriodSeconds');
    policy = scope.query.get('propagationPolicy') ?? undefined;
    const o = scope.query.get('orphanDependents');
    if (o !== null) orphan = o === 'true';
  }
  const errs: FieldError[] = [];
  if (policy !== undefined && !POLICIES.includes(policy)) errs.push(notSupported('propagationPolicy', policy, POLICIES));
  if (policy !== undefined && orphan !== undefined) errs.push(fieldInvalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
  if (errs.length > 0) throw invalid('meta.k8s.io', 'DeleteOptions', '', errs);
  const dryRun = dryRunOf(scope.query, 'DeleteOptions', dryRunValues ?? (scope.query.getAll('dryRun').length > 0 ? undefined : []));
  const propagationPolicy = (policy ?? (orphan === true ? 'Orphan' : orphan === false ? 'Background' : undefined)) as PropagationPolicy | undefined;
  return {
    dryRun,
    signal: scope.signal,
    ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
    ...(propagationPolicy === undefined ? {} : { propagationPolicy }),
    ...(preconditions === undefined ? {} : { preconditions }),
    ...(orphan === undefined ? {} : { orphanDependents: orphan }),
  };
}

function deletedAnswer(scope: RequestScope, obj: KObject): unknown {
  if (scope.def.returnDeletedObject) return obj;
  return success({ name: obj.metadata.name ?? '', ...(scope.def.group ? { group: scope.def.group } : {}), kind: scope.def.plural, uid: obj.metadata.uid ?? '' });
}

export async function handleDelete(_services: ApiServices, scope: RequestScope): Promise<void> {
  if (scope.subresource !== '') throw methodNotAllowed();
  const opts = await deleteOptionsOf(scope);
  admitNamespaceDelete(scope.def, scope.name);
  const out = await deleteObject(scope.store, scope.namespace, scope.name, opts);
  const code = !out.deleted && opts.orphanDependents === false ? 202 : 200;
  writeResult(scope, code, out.deleted ? deletedAnswer(scope, out.obj) : out.obj);
}

export async function handleDeleteCollection(_services: ApiServices, scope: RequestScope): Promise<void> {
  if (scope.subresource !== '') throw methodNotAllowed();
  const opts = await deleteOptionsOf(scope);
  const list = await listObjects(scope.store, scope.namespace, {
    labelSelector: labelSelectorOf(scope.query),
    fieldSelector: fieldSelectorOf(scope.query, scope.store),
    signal: scope.signal,
  });
  const items: KObject[] = [];
  for (const obj of list.items) {
    try {
      const out = await deleteObject(scope.store, obj.metadata.namespace ?? '', obj.metadata.name ?? '', opts);
      items.push(out.obj);
    } catch (err) {
      // Gone in the meantime: as upstream, not an error for a collection delete.
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
  writeResult(scope, 200, { kind: `${scope.def.kind}List`, apiVersion: apiVersionOf(scope.def), metadata: { resourceVersion: list.resourceVersion }, items: items.map(asListItem) });
}
