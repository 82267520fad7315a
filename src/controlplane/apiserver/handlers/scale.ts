/**
 * The `scale` subresource of deployments, replica sets and stateful sets (upstream's ScaleREST):
 * reads answer an autoscaling/v1 Scale built from the object (spec.replicas, status.replicas, the
 * selector as a string); PUT and PATCH change only `spec.replicas` of the object, through the main
 * resource's update path (so generation is bumped and the object is validated as a whole).
 */
import { fieldPath, invalid as invalidField, type FieldError } from '../../../api/validation/index.js';
import { APPLY_PATCH_MEDIA_TYPE, checkManagerParams, fieldManagerOf, keepManagedFields, managedFieldsToParent, managedFieldsToScale, parseApplyPatch, recordUpdate, runApply } from '../apply/index.js';
import { badRequest, conflict, invalid, notFound, unprocessable } from '../errors.js';
import { isRecord, recordAt, type KObject } from '../object.js';
import { checkObject, fieldValidationOf, mediaTypeOf, readBody } from '../server/body.js';
import { selectorString } from '../strategies/template.js';
import type { ApiServices, RequestScope } from './context.js';
import { readObject } from './decode.js';
import { dryRunOf, writeResult } from './params.js';
import { applyPatch, patchTypeOf, pinsResourceVersion } from './patch.js';
import { apiVersionOf } from '../registry/index.js';

const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale', schema: 'autoscaling.v1.Scale' };

/** The Scale of an object. */
export function scaleOf(obj: KObject): KObject {
  const m = obj.metadata;
  const spec = recordAt(obj, 'spec') ?? {};
  const replicas = recordAt(obj, 'status')?.replicas;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name ?? '',
      ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    spec: { ...(typeof spec.replicas === 'number' && spec.replicas !== 0 ? { replicas: spec.replicas } : {}) },
    status: { replicas: typeof replicas === 'number' ? replicas : 0, ...(spec.selector ? { selector: selectorString(spec.selector) } : {}) },
  };
}

function validateScale(scale: KObject): FieldError[] {
  const replicas = recordAt(scale, 'spec')?.replicas;
  return typeof replicas === 'number' && replicas < 0 ? [invalidField(fieldPath('spec', 'replicas'), replicas, 'must be greater than or equal to 0')] : [];
}

/**
 * Writes `scale` into the stored object; `pinned`: a resourceVersion in the Scale is a precondition.
 * `apply`: the produced Scale carries managedFields (server-side apply) that become the parent's.
 */
async function writeScale(scope: RequestScope, produce: (current: KObject) => KObject, pinned: boolean, apply = false): Promise<void> {
  const dryRun = dryRunOf(scope.query, scope.verb === 'patch' ? 'PatchOptions' : 'UpdateOptions');
  checkManagerParams(scope.query, scope.verb === 'patch' ? 'PatchOptions' : 'UpdateOptions', apply);
  // The object's managedFields record a scale as an Update of `.spec.replicas` on subresource scale.
  const managedFields = apply ? keepManagedFields : recordUpdate({ def: scope.def, subresource: 'scale', manager: fieldManagerOf(scope.query, scope.req.headers['user-agent']), now: scope.store.now });
  const result = await scope.store.update(
    scope.namespace,
    scope.name,
    (current) => {
      if (!current) throw notFound(scope.store.gr, scope.name);
      const scale = produce(apply ? { ...scaleOf(current), metadata: { ...scaleOf(current).metadata, managedFields: managedFieldsToScale(current.metadata.managedFields) } } : scaleOf(current));
      const errs = validateScale(scale);
      if (errs.length > 0) throw invalid('autoscaling', 'Scale', scope.name, errs);
      const rv = scale.metadata.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) throw conflict(scope.store.gr, scope.name);
      const next = current;
      const spec = isRecord(next.spec) ? next.spec : {};
      spec.replicas = recordAt(scale, 'spec')?.replicas ?? 0;
      next.spec = spec;
      if (apply) next.metadata.managedFields = managedFieldsToParent(current.metadata.managedFields, scale.metadata.managedFields, apiVersionOf(scope.def));
      return next;
    },
    { dryRun, signal: scope.signal, hooks: { kind: 'main' }, retryOnConflict: !pinned, managedFields },
  );
  writeResult(scope, 200, scaleOf(result.obj));
}

export async function handleScaleGet(_services: ApiServices, scope: RequestScope): Promise<void> {
  writeResult(scope, 200, scaleOf(await scope.store.get(scope.namespace, scope.name, scope.signal)));
}

export async function handleScaleUpdate(_services: ApiServices, scope: RequestScope): Promise<void> {
  const body = await readObject(scope, SCALE);
  if ((body.metadata.name ?? '') !== scope.name) throw badRequest(`the name of the object (${body.metadata.name ?? ''}) does not match the name on the URL (${scope.name})`);
  await writeScale(scope, (scale) => ({ ...scale, spec: recordAt(body, 'spec') ?? {}, metadata: { ...scale.metadata, ...(body.metadata.resourceVersion ? { resourceVersion: body.metadata.resourceVersion } : {}) } }), !!body.metadata.resourceVersion);
}

export async function handleScalePatch(_services: ApiServices, scope: RequestScope): Promise<void> {
  if (mediaTypeOf(scope.req.headers['content-type']) === APPLY_PATCH_MEDIA_TYPE) return applyScale(scope);
  const type = patchTypeOf(scope.req.headers['content-type']);
  const validation = fieldValidationOf(scope.query.get('fieldValidation'));
  const body = await readBody(scope.req);
  await writeScale(
    scope,
    (scale) => {
      const patched = applyPatch(type, body, scale, SCALE.schema);
      if (!isRecord(patched)) throw unprocessable();
      const { obj, warnings } = checkObject(patched, SCALE, validation, 'patch');
      scope.warnings.push(...warnings);
      return obj;
    },
    pinsResourceVersion(type, body),
  );
}

/** Server-side apply of a Scale: ownership of `.spec.replicas` moves through the Scale's managedFields. */
async function applyScale(scope: RequestScope): Promise<void> {
  const config = parseApplyPatch(await readBody(scope.req));
  const manager = fieldManagerOf(scope.query, undefined);
  const force = scope.query.get('force') === 'true';
  const validation = fieldValidationOf(scope.query.get('fieldValidation'));
  const pinned = isRecord(config.metadata) && typeof config.metadata.resourceVersion === 'string' && config.metadata.resourceVersion !== '';
  await writeScale(
    scope,
    (scale) => {
      const merged = runApply({ def: SCALE, config: structuredClone(config), live: scale, namespace: scope.namespace, name: scope.name, subresource: 'scale', manager, force, now: scope.store.now });
      const { obj, warnings } = checkObject(merged, SCALE, validation, 'patch');
      scope.warnings.push(...warnings);
      return obj;
    },
    pinned,
    true,
  );
}
