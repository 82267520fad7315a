/**
 * The minimal OpenAPI v3 kubectl needs for `create -f`, `apply` and `edit` (see KUBECTL-API.md):
 * an index of group versions, and per group version a document whose paths carry, per kind, a
 * PATCH operation with `x-kubernetes-group-version-kind` and a `fieldValidation` query parameter,
 * so kubectl sends `fieldValidation=Strict` and leaves validation to the server. No schemas yet:
 * strategic merge patch is therefore not listed (kubectl then uses its built-in types).
 */
import { createHash } from 'node:crypto';
import type { Registry, ResourceDef } from '../registry/index.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function groupVersionsOf(registry: Registry): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const d of registry.resources) seen.set(`${d.group}/${d.version}`, { group: d.group, version: d.version });
  return [...seen.values()];
}

function patchOperation(def: ResourceDef): Record<string, unknown> {
  const query = (name: string): Record<string, unknown> => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  return {
    tags: [def.group ? `${def.group.split('.')[0] ?? ''}_${def.version}` : `core_${def.version}`],
    operationId: `patch${def.namespaced ? 'Namespaced' : ''}${def.kind}`,
    parameters: [query('dryRun'), query('fieldManager'), query('fieldValidation'), { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } }],
    requestBody: {
      content: {
        'application/json-patch+json': { schema: { type: 'object' } },
        'application/merge-patch+json': { schema: { type: 'object' } },
        'application/apply-patch+yaml': { schema: { type: 'object' } },
      },
      required: true,
    },
    responses: { '200': { description: 'OK' }, '201': { description: 'Created' } },
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': { group: def.group, version: def.version, kind: def.kind },
  };
}

/** The document of one group version, or undefined when it is not served. */
export function openapiDocument(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const base = `/${gvPath(group, version)}`;
  for (const def of defs) {
    if (!def.verbs.includes('patch')) continue;
    const path = def.namespaced ? `${base}/namespaces/{namespace}/${def.plural}/{name}` : `${base}/${def.plural}/{name}`;
    paths[path] = { patch: patchOperation(def) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}

function hashOf(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
}

/** `GET /openapi/v3`: where each group version's document is. */
export function openapiIndex(registry: Registry): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const { group, version } of groupVersionsOf(registry)) {
    const p = gvPath(group, version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(openapiDocument(registry, group, version))}` };
  }
  return { paths };
}

/** The group version named by an `/openapi/v3/...` path, if any. */
export function parseOpenapiPath(path: string): { group: string; version: string } | undefined {
  const m = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  return m[1] !== undefined ? { group: '', version: m[1] } : { group: m[2] ?? '', version: m[3] ?? '' };
}
