/** GET of one object and of lists, as JSON/YAML, Tables or PartialObjectMetadata(List). */
import { badRequest } from '../errors.js';
import { apiVersionOf } from '../registry/index.js';
import { listObjects } from '../store/index.js';
import { partialObjectMetadata, toTable, type IncludeObject } from '../table/table.js';
import type { ApiServices, RequestScope } from './context.js';
import { addWarnings, writeJsonText } from '../server/respond.js';
import { asListItem, fieldSelectorOf, formatOf, intParam, labelSelectorOf, writeResult } from './params.js';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'Object' || v === 'None') return v;
  throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
}

export async function handleGet(services: ApiServices, scope: RequestScope): Promise<void> {
  const format = formatOf(scope, true);
  if (format.kind === 'json') {
    // The common case: the stored text, spliced, as writeResult would have encoded the object.
    const json = await scope.store.getJson(scope.namespace, scope.name, scope.signal);
    addWarnings(scope.res, scope.warnings);
    return writeJsonText(scope.res, 200, json, scope.req.method === 'HEAD');
  }
  const obj = await scope.store.get(scope.namespace, scope.name, scope.signal);
  if (format.kind === 'table') {
    const table = toTable(scope.def.table, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, { includeObject: includeObjectOf(scope.query), now: services.now() });
    return writeResult(scope, 200, table, format);
  }
  if (format.kind === 'partial') return writeResult(scope, 200, partialObjectMetadata(obj), format);
  writeResult(scope, 200, obj, format);
}

export async function handleList(services: ApiServices, scope: RequestScope): Promise<void> {
  const format = formatOf(scope, true);
  const result = await listObjects(scope.store, scope.namespace, {
    labelSelector: labelSelectorOf(scope.query),
    fieldSelector: fieldSelectorOf(scope.query, scope.store),
    limit: intParam(scope.query, 'limit'),
    continue: scope.query.get('continue') ?? undefined,
    resourceVersion: scope.query.get('resourceVersion') ?? undefined,
    resourceVersionMatch: scope.query.get('resourceVersionMatch') ?? undefined,
    asText: format.kind === 'json',
    signal: scope.signal,
  });
  const meta = { resourceVersion: result.resourceVersion, ...(result.continue ? { continue: result.continue } : {}) };
  if (format.kind === 'table') {
    return writeResult(scope, 200, toTable(scope.def.table, result.items, meta, { includeObject: includeObjectOf(scope.query), now: services.now() }), format);
  }
  if (format.kind === 'partial') {
    return writeResult(scope, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: result.items.map(partialObjectMetadata) }, format);
  }
  if (result.texts) {
    // Items come as JSON texts (mostly spliced from storage without a decode): the list is
    // assembled as text, in the field order JSON.stringify would give.
    addWarnings(scope.res, scope.warnings);
    const head = `{"kind":${JSON.stringify(`${scope.def.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(scope.def))},"metadata":${JSON.stringify(meta)},"items":[`;
    return writeJsonText(scope.res, 200, `${head}${result.texts.join(',')}]}`, scope.req.method === 'HEAD');
  }
  writeResult(scope, 200, { kind: `${scope.def.kind}List`, apiVersion: apiVersionOf(scope.def), metadata: meta, items: result.items.map(asListItem) }, format);
}
