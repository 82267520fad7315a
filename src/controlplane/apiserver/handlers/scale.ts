/**
 * The `scale` subresource of deployments, replica sets and stateful sets (upstream's ScaleREST):
 * reads answer an autoscaling/v1 Scale built from the object (spec.replicas, status.replicas, the
 * selector as a string); PUT and PATCH change only `spec.replicas` of the object, through the main
 * resource's update path (so generation is bumped and the object is validated as a whole).
 */
import { fieldPath, invalid as invalidField, type FieldError } from '../../../api/validation/index.js';
import { badRequest, conflict, invalid, notFound, unprocessable, unsupportedMediaType } from '../errors.js';
import { isRecord, recordAt, type KObject } from '../object.js';
import { checkObject, fieldValidationOf, mediaTypeOf, readBody } from '../server/body.js';
import { selectorString } from '../strategies/template.js';
import type { ApiServices, RequestScope } from './context.js';
import { readObject } from './decode.js';
import { dryRunOf, writeResult } from './params.js';
import { applyPatch, PATCH_MEDIA_TYPES, patchTypeOf, pinsResourceVersion } from './patch.js';

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

/** Writes `scale` into the stored object; `pinned`: a resourceVersion in the Scale is a precondition. */
async function writeScale(scope: RequestScope, produce: (current: KObject) => KObject, pinned: boolean): Promise<void> {
  const dryRun = dryRunOf(scope.query, scope.verb === 'patch' ? 'PatchOptions' : 'UpdateOptions');
  const result = await scope.store.update(
    scope.namespace,
    scope.name,
    (current) => {
      if (!current) throw notFound(scope.store.gr, scope.name);
      const scale = produce(scaleOf(current));
      const errs = validateScale(scale);
      if (errs.length > 0) throw invalid('autoscaling', 'Scale', scope.name, errs);
      const rv = scale.metadata.resourceVersion;
      if (rv && rv !== current.metadata.resourceVersion) throw conflict(scope.store.gr, scope.name);
      const next = current;
      const spec = isRecord(next.spec) ? next.spec : {};
      spec.replicas = recordAt(scale, 'spec')?.replicas ?? 0;
      next.spec = spec;
      return next;
    },
    { dryRun, signal: scope.signal, hooks: { kind: 'main' }, retryOnConflict: !pinned },
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
  if (mediaTypeOf(scope.req.headers['content-type']) === 'application/apply-patch+yaml') throw unsupportedMediaType(PATCH_MEDIA_TYPES);
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
