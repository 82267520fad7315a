/** Query parameters shared by handlers, with upstream's errors for bad values. */
import { notSupported, type FieldError } from '../../../api/validation/index.js';
import { badRequest, invalid, notAcceptable } from '../errors.js';
import { checkFieldLabels, EVERY_FIELD, parseFieldSelector, type FieldSelector } from '../selectors/fields.js';
import { EVERYTHING, parseLabelSelector, SelectorParseError, type LabelSelector } from '../selectors/labels.js';
import { asListItem, supportedFieldLabels, type RestStore } from '../store/index.js';
import { negotiate, PRODUCED_MEDIA_TYPES, type ResponseFormat } from '../server/negotiate.js';
import { addWarnings, writeObject } from '../server/respond.js';
import type { RequestScope } from './context.js';

/** `dryRun=All` (the only supported value); anything else is a 422 on the options kind. */
export function dryRunOf(query: URLSearchParams, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions', values?: string[]): boolean {
  const list = values ?? query.getAll('dryRun');
  if (list.length === 0) return false;
  const bad = list.filter((v) => v !== 'All');
  if (bad.length > 0) {
    const errs: FieldError[] = [notSupported('dryRun', list, ['All'])];
    throw invalid('meta.k8s.io', optionsKind, '', errs);
  }
  return true;
}

export function labelSelectorOf(query: URLSearchParams): LabelSelector {
  const raw = query.get('labelSelector');
  if (!raw) return EVERYTHING;
  try {
    return parseLabelSelector(raw);
  } catch (err) {
    if (err instanceof SelectorParseError) throw badRequest(err.message);
    throw err;
  }
}

export function fieldSelectorOf(query: URLSearchParams, store: RestStore): FieldSelector {
  const raw = query.get('fieldSelector');
  if (!raw) return EVERY_FIELD;
  try {
    const sel = parseFieldSelector(raw);
    checkFieldLabels(sel, supportedFieldLabels(store));
    return sel;
  } catch (err) {
    if (err instanceof SelectorParseError) throw badRequest(err.message);
    throw err;
  }
}

/** A non-negative integer parameter, or undefined when absent. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`${name}: Invalid value: "${v}": strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** The response format for this request's Accept header; 406 when nothing fits. */
export function formatOf(scope: Pick<RequestScope, 'req'>, transforms: boolean): ResponseFormat {
  const f = negotiate(scope.req.headers.accept, { transforms });
  if (!f) throw notAcceptable(PRODUCED_MEDIA_TYPES);
  return f;
}

/**
 * Writes an object in the negotiated format (JSON or YAML), with the request's warnings; `json`
 * is `JSON.stringify(body)` when already known.
 */
export function writeResult(scope: RequestScope, code: number, body: unknown, format: ResponseFormat = formatOf(scope, false), json?: string): void {
  addWarnings(scope.res, scope.warnings);
  writeObject(scope.res, code, body, { yaml: format.kind === 'yaml', head: scope.req.method === 'HEAD', ...(json === undefined ? {} : { json }) });
}

/** An object as list items carry it (store/list.ts). */
export { asListItem };
