/**
 * Server-side apply and managedFields for every served resource: the one door of this folder.
 * Handlers use it to name the field manager of a request (`fieldManager`, else the User-Agent's
 * prefix), to record Update operations in `metadata.managedFields` (a store hook), and to run an
 * apply (`application/apply-patch+yaml`) with upstream's conflicts, errors and messages.
 */
import { parse as parseYaml } from 'yaml';
import { forbidden, invalid as invalidField, required, tooLong, type FieldError } from '../../../api/validation/index.js';
import type { ManagedFieldsEntry } from '../../../api/index.js';
import { formatTime } from '../../../api/index.js';
import { ApiError, badRequest, failure, invalid } from '../errors.js';
import { isRecord, type KObject } from '../object.js';
import { apiVersionOf, type ResourceDef } from '../registry/index.js';
import { pathString } from './fieldpath.js';
import { ApplyConflictError, applyConfig, ManagedFieldsError, printManager, updateManaged, type Conflict } from './managed.js';
import { rootType } from './types.js';
import { ApplyTypeError } from './walk.js';

export { FieldSet, pathString, type Path, type PathElement } from './fieldpath.js';
export { applyConfig, decodeManaged, encodeManaged, updateManaged, ApplyConflictError, type ApplyInput, type ApplyResult, type UpdateInput } from './managed.js';
export { compare, merge, prune, toFieldSet, ApplyTypeError } from './walk.js';
export { rootType, type ApplyType } from './types.js';
export { managedFieldsToParent, managedFieldsToScale } from './scale.js';

/** The media type of apply patches. */
export const APPLY_PATCH_MEDIA_TYPE = 'application/apply-patch+yaml';

/** Upstream `FieldManagerMaxLength`. */
const FIELD_MANAGER_MAX_LENGTH = 128;

/** Upstream `prefixFromUserAgent`: the text before the first `/`, printable, at most 128 bytes. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const head = (userAgent ?? '').split('/')[0] ?? '';
  let out = '';
  for (const ch of head) {
    if (!isPrintable(ch)) continue;
    if (Buffer.byteLength(out + ch) > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
  }
  return out;
}

function isPrintable(ch: string): boolean {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch);
}

/** The field manager of a request: `fieldManager`, else from the User-Agent (upstream `managerOrUserAgent`). */
export function fieldManagerOf(query: URLSearchParams, userAgent: string | undefined): string {
  const m = query.get('fieldManager');
  return m !== null && m !== '' ? m : managerFromUserAgent(userAgent);
}

function fieldManagerErrors(manager: string): FieldError[] {
  const errs: FieldError[] = [];
  if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) errs.push(tooLong('fieldManager', manager, FIELD_MANAGER_MAX_LENGTH));
  let i = 0;
  for (const ch of manager) {
    if (!isPrintable(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      errs.push(invalidField('fieldManager', manager, `invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${i})`));
    }
    i += Buffer.byteLength(ch);
  }
  return errs;
}

/**
 * Checks the field-manager parameters of a write (upstream `Validate{Create,Update,Patch}Options`):
 * 422 on the options kind for a bad `fieldManager`, a missing one on apply, or `force` on a
 * non-apply patch.
 */
export function checkManagerParams(query: URLSearchParams, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions', apply = false): void {
  const errs: FieldError[] = [];
  const manager = query.get('fieldManager') ?? '';
  if (optionsKind === 'PatchOptions') {
    if (!apply && query.has('force')) errs.push(forbidden('force', 'may not be specified for non-apply patch'));
    if (apply && manager === '') errs.push(required('fieldManager', 'is required for apply patch'));
  }
  errs.push(...fieldManagerErrors(manager));
  if (errs.length > 0) throw invalid('meta.k8s.io', optionsKind, '', errs);
}

/** Top-level fields an endpoint does not own: `status` for the main resource, `spec` for status. */
function ignoredFields(def: Pick<ResourceDef, 'statusStrategy'>, subresource: string): string[] {
  if (subresource === 'status') return ['spec'];
  if (subresource === '' && def.statusStrategy) return ['status'];
  return [];
}

/** What a store write needs to record managedFields. */
export interface ManagedFieldsOptions {
  def: Pick<ResourceDef, 'group' | 'version' | 'schema' | 'statusStrategy'>;
  manager: string;
  /** '' for the main resource, else `status`, `scale`, ... */
  subresource: string;
  now: () => number;
}

/**
 * The store hook of a create/update/patch: sets `next.metadata.managedFields` with the fields this
 * write changed owned by the manager (operation Update). Never throws: managedFields that do not
 * decode are replaced, as upstream's `UpdateNoErrors` does.
 */
export function recordUpdate(opts: ManagedFieldsOptions): (next: KObject, current: KObject | null, requested: ManagedFieldsEntry[] | undefined) => void {
  const type = rootType(opts.def.schema);
  const ignored = ignoredFields(opts.def, opts.subresource);
  return (next, current, requested) => {
    const entries = updateManaged({
      next,
      current,
      requested,
      manager: opts.manager,
      apiVersion: apiVersionOf(opts.def),
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      type,
      ignored,
      now: formatTime(opts.now()),
    });
    if (entries && entries.length > 0) next.metadata.managedFields = entries;
    else delete next.metadata.managedFields;
  };
}

/** The store hook of an apply: the managedFields computed by the apply are the ones stored. */
export function keepManagedFields(next: KObject, _current: KObject | null, requested: ManagedFieldsEntry[] | undefined): void {
  if (requested && requested.length > 0) next.metadata.managedFields = requested;
  else delete next.metadata.managedFields;
}

/** Parses an apply patch body (YAML or JSON) into an object; upstream's 400 otherwise. */
export function parseApplyPatch(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseYaml(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`error decoding YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (v === null || v === undefined) return {};
  if (!isRecord(v)) throw badRequest('error decoding YAML: error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}');
  return v;
}

/** Upstream's `apps/v1, Kind=Deployment` (`/v1, Kind=Pod` for the core group). */
function gvkString(apiVersion: string, kind: string): string {
  return `${apiVersion.includes('/') ? apiVersion : `/${apiVersion}`}, Kind=${kind}`;
}

/** The 409 of apply conflicts, as upstream's `NewConflictError`. */
export function conflictError(conflicts: readonly Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  const first = conflicts[0];
  if (conflicts.length === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(first.manager)}: ${pathString(first.path)}`;
  } else {
    const byManager = new Map<string, { label: string; paths: string[] }>();
    for (const c of conflicts) {
      const label = printManager(c.manager);
      const entry = byManager.get(label) ?? { label, paths: [] };
      entry.paths.push(pathString(c.path));
      byManager.set(label, entry);
    }
    const lines: string[] = [];
    for (const e of [...byManager.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))) {
      lines.push(`conflicts with ${e.label}:`, ...e.paths.map((p) => `- ${p}`));
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(failure(409, 'Conflict', message, { causes }));
}

/** A 500 with upstream's bare message (reason Unknown), as its field manager answers. */
function unknownError(message: string, cause: unknown): ApiError {
  return new ApiError(failure(500, '', message), { cause });
}

export interface ApplyRequest {
  def: Pick<ResourceDef, 'group' | 'version' | 'kind' | 'schema' | 'statusStrategy'>;
  /** The parsed apply patch. */
  config: Record<string, unknown>;
  /** The stored object; null when the apply creates it. */
  live: KObject | null;
  namespace: string;
  name: string;
  subresource: string;
  manager: string;
  force: boolean;
  now: () => number;
}

/**
 * Checks the configuration against the endpoint (kind, version, name, no managedFields) and
 * merges it into the live object. Returns the merged object with its managedFields, before
 * defaulting and validation; throws ApiErrors (400, 409 conflicts, 500 like upstream).
 */
export function runApply(req: ApplyRequest): KObject {
  const gv = apiVersionOf(req.def);
  const { config } = req;
  const apiVersion = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  const kind = typeof config.kind === 'string' ? config.kind : '';
  if (apiVersion !== gv || kind !== req.def.kind) throw badRequest(`invalid object type: ${gvkString(apiVersion, kind)}`);
  const meta = isRecord(config.metadata) ? config.metadata : {};
  if (meta.managedFields !== undefined && meta.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (name !== req.name) throw badRequest(`the name of the object (${name}) does not match the name on the URL (${req.name})`);
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  if (namespace !== '' && namespace !== req.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  try {
    const { obj } = applyConfig({
      live: req.live,
      config,
      manager: req.manager,
      force: req.force,
      apiVersion: gv,
      ...(req.subresource ? { subresource: req.subresource } : {}),
      type: rootType(req.def.schema),
      ignored: ignoredFields(req.def, req.subresource),
      now: formatTime(req.now()),
    });
    return obj;
  } catch (err) {
    if (err instanceof ApplyConflictError) throw conflictError(err.conflicts);
    if (err instanceof ApplyTypeError) throw unknownError(`failed to create typed patch object (${req.namespace}/${req.name}; ${gvkString(apiVersion, kind)}): ${err.message}`, err);
    if (err instanceof ManagedFieldsError) throw unknownError(`failed to decode managed fields: ${err.message}`, err);
    throw err;
  }
}
