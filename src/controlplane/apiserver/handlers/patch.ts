/**
 * PATCH: JSON patch, JSON merge patch and strategic merge patch of the main resource or its
 * status. The patch is applied to the stored object inside the store's compare-and-swap loop, so
 * a concurrent write makes it re-apply to the newer object (unless the patch itself pins a
 * resourceVersion, which then gives a 409). Server-side apply (`application/apply-patch+yaml`)
 * merges the applied configuration into the stored object by field ownership (../apply), and
 * creates the object when it is missing; every patch records managedFields for its manager.
 */
import { APPLY_PATCH_MEDIA_TYPE, checkManagerParams, fieldManagerOf, keepManagedFields, parseApplyPatch, runApply } from '../apply/index.js';
import { badRequest, methodNotAllowed, notFound, unprocessable, unsupportedMediaType } from '../errors.js';
import { isRecord, type KObject } from '../object.js';
import { applyJsonPatch, decodeJsonPatch, JsonPatchApplyError, JsonPatchDecodeError, MAX_JSON_PATCH_OPERATIONS } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge.js';
import { applyStrategicPatch, StrategicPatchError } from '../patch/strategic.js';
import { checkObject, fieldValidationOf, mediaTypeOf, readBody } from '../server/body.js';
import { requestEntityTooLarge } from '../errors.js';
import { admitNamespace } from './admission.js';
import type { ApiServices, RequestScope } from './context.js';
import { dryRunOf, writeResult } from './params.js';
import { managedFieldsHook } from './write.js';

export const PATCH_MEDIA_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', APPLY_PATCH_MEDIA_TYPE];

export type PatchType = 'json' | 'merge' | 'strategic';

export function patchTypeOf(contentType: string | undefined): PatchType {
  switch (mediaTypeOf(contentType)) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    default:
      throw unsupportedMediaType(PATCH_MEDIA_TYPES);
  }
}

/** Parses a merge or strategic patch body: a JSON object, else upstream's 400. */
function parsePatchObject(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('Invalid JSON Patch');
  }
  if (!isRecord(v)) throw badRequest('Invalid JSON Patch');
  return v;
}

/** Applies the patch to `current` (a private copy) and returns the patched JSON. */
export function applyPatch(type: PatchType, body: Buffer, current: KObject, schema: string | undefined): unknown {
  switch (type) {
    case 'merge':
      return applyMergePatch(current, parsePatchObject(body));
    case 'strategic':
      try {
        return applyStrategicPatch(current, parsePatchObject(body), schema);
      } catch (err) {
        if (err instanceof StrategicPatchError) throw badRequest(err.message);
        throw err;
      }
    case 'json': {
      let ops;
      try {
        ops = decodeJsonPatch(body.toString('utf8'));
      } catch (err) {
        if (err instanceof JsonPatchDecodeError) throw badRequest(err.message);
        throw err;
      }
      if (ops.length > MAX_JSON_PATCH_OPERATIONS) throw requestEntityTooLarge(MAX_JSON_PATCH_OPERATIONS);
      try {
        return applyJsonPatch(current, ops);
      } catch (err) {
        if (err instanceof JsonPatchApplyError) throw unprocessable();
        throw err;
      }
    }
  }
}

/** Whether a patch sets metadata.resourceVersion (then it is a precondition, not retried). */
export function pinsResourceVersion(type: PatchType, body: Buffer): boolean {
  if (type === 'json') return body.includes('/metadata/resourceVersion');
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return isRecord(v) && isRecord(v.metadata) && typeof v.metadata.resourceVersion === 'string';
  } catch {
    return false;
  }
}

type PatchHooks = { kind: 'main' } | { kind: 'subresource'; strategy: NonNullable<RequestScope['def']['statusStrategy']> };

export async function handlePatch(services: ApiServices, scope: RequestScope): Promise<void> {
  const apply = mediaTypeOf(scope.req.headers['content-type']) === APPLY_PATCH_MEDIA_TYPE;
  const type = apply ? undefined : patchTypeOf(scope.req.headers['content-type']);
  let hooks: PatchHooks = { kind: 'main' };
  if (scope.subresource === 'status' && scope.def.statusStrategy) hooks = { kind: 'subresource', strategy: scope.def.statusStrategy };
  else if (scope.subresource !== '') throw methodNotAllowed();
  const dryRun = dryRunOf(scope.query, 'PatchOptions');
  checkManagerParams(scope.query, 'PatchOptions', apply);
  if (type === undefined) return handleApply(services, scope, hooks, dryRun);
  const validation = fieldValidationOf(scope.query.get('fieldValidation'));
  const body = await readBody(scope.req);
  const result = await scope.store.update(
    scope.namespace,
    scope.name,
    (current) => {
      if (!current) throw notFound(scope.store.gr, scope.name);
      const patched = applyPatch(type, body, current, scope.def.schema);
      if (!isRecord(patched)) throw unprocessable();
      const { obj, warnings } = checkObject(patched, scope.def, validation, 'patch');
      scope.warnings.push(...warnings);
      return obj;
    },
    { dryRun, signal: scope.signal, hooks, retryOnConflict: !pinsResourceVersion(type, body), managedFields: managedFieldsHook(services, scope) },
  );
  writeResult(scope, 200, result.obj);
}

/**
 * Server-side apply: 201 when it created the object (with create's admission), else 200. The
 * merged object goes through the same decoding checks, defaulting and validation as other writes.
 */
async function handleApply(services: ApiServices, scope: RequestScope, hooks: PatchHooks, dryRun: boolean): Promise<void> {
  const validation = fieldValidationOf(scope.query.get('fieldValidation'));
  const config = parseApplyPatch(await readBody(scope.req));
  const force = scope.query.get('force') === 'true';
  const manager = fieldManagerOf(scope.query, undefined);
  const pinned = isRecord(config.metadata) && typeof config.metadata.resourceVersion === 'string' && config.metadata.resourceVersion !== '';
  await admitNamespace(services, scope.def, scope.namespace, scope.name, 'update', scope.signal);
  const result = await scope.store.update(
    scope.namespace,
    scope.name,
    async (current) => {
      if (!current) {
        if (hooks.kind !== 'main') throw notFound(scope.store.gr, scope.name);
        await admitNamespace(services, scope.def, scope.namespace, scope.name, 'create', scope.signal);
      }
      const merged = runApply({ def: scope.def, config: structuredClone(config), live: current, namespace: scope.namespace, name: scope.name, subresource: scope.subresource, manager, force, now: () => services.now() });
      const { obj, warnings } = checkObject(merged, scope.def, validation, 'patch');
      scope.warnings.push(...warnings);
      if (!current) scope.def.recordCreator?.(obj, scope.user);
      return obj;
    },
    { dryRun, signal: scope.signal, hooks, retryOnConflict: !pinned, forceAllowCreate: true, managedFields: keepManagedFields },
  );
  writeResult(scope, result.created ? 201 : 200, result.obj);
}
