/**
 * OpenAPI v3 as kubectl reads it (see KUBECTL-API.md): an index of group versions, and per group
 * version a document with
 * - per kind a PATCH operation (or, for create-only kinds, a POST) carrying
 *   `x-kubernetes-group-version-kind` and a `fieldValidation` query parameter, so kubectl sends
 *   `fieldValidation=Strict` and `kubectl explain` maps a resource to its kind;
 * - `components.schemas` generated from the server's type tables (./openapi-schemas.ts), which
 *   `kubectl explain` prints and, because PATCH lists strategic merge patch for kinds with a type
 *   table, client-side `kubectl apply` computes its patches from.
 * Documents are built once per registry and group version; the index's `?hash=` is the hash of
 * the document, so it changes exactly when the document does.
 */
import { createHash } from 'node:crypto';
import type { Registry, ResourceDef } from '../registry/index.js';
import { componentSchemas, EXTRA_KIND_MESSAGES, hasMessage, type KindRoot } from './openapi-schemas.js';

interface CachedDocument {
  doc: Record<string, unknown>;
  hash: string;
}

/** Per registry (immutable once built), per `group/version`. */
const cache = new WeakMap<Registry, Map<string, CachedDocument | undefined>>();

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function groupVersionsOf(registry: Registry): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const d of registry.resources) seen.set(`${d.group}/${d.version}`, { group: d.group, version: d.version });
  return [...seen.values()];
}

/** The root message documenting a kind, if there is one. */
function rootMessage(def: ResourceDef): string | undefined {
  const message = def.schema ?? EXTRA_KIND_MESSAGES[`${def.group}/${def.version}/${def.kind}`];
  return message !== undefined && hasMessage(message) ? message : undefined;
}

function kindRoots(registry: Registry): KindRoot[] {
  const out: KindRoot[] = [];
  for (const def of registry.resources) {
    const message = rootMessage(def);
    if (message !== undefined) out.push({ group: def.group, version: def.version, kind: def.kind, message });
  }
  return out;
}

const query = (name: string): Record<string, unknown> => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

function operation(def: ResourceDef, verb: 'patch' | 'create'): Record<string, unknown> {
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  const tags = [def.group ? `${def.group.split('.')[0] ?? ''}_${def.version}` : `core_${def.version}`];
  const scope = def.namespaced ? 'Namespaced' : '';
  if (verb === 'create') {
    return {
      tags,
      operationId: `create${scope}${def.kind}`,
      parameters: [query('dryRun'), query('fieldManager'), query('fieldValidation')],
      requestBody: { content: { '*/*': { schema: { type: 'object' } } }, required: true },
      responses: { '200': { description: 'OK' }, '201': { description: 'Created' } },
      'x-kubernetes-action': 'post',
      'x-kubernetes-group-version-kind': gvk,
    };
  }
  // Strategic merge patch only where the server has the kind's types, and so the schemas below.
  const strategic = def.schema !== undefined ? { 'application/strategic-merge-patch+json': { schema: { type: 'object' } } } : {};
  return {
    tags,
    operationId: `patch${scope}${def.kind}`,
    parameters: [query('dryRun'), query('fieldManager'), query('fieldValidation'), { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } }],
    requestBody: {
      content: {
        'application/json-patch+json': { schema: { type: 'object' } },
        'application/merge-patch+json': { schema: { type: 'object' } },
        ...strategic,
        'application/apply-patch+yaml': { schema: { type: 'object' } },
      },
      required: true,
    },
    responses: { '200': { description: 'OK' }, '201': { description: 'Created' } },
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': gvk,
  };
}

function buildDocument(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const base = `/${gvPath(group, version)}`;
  const roots: string[] = [];
  for (const def of defs) {
    const collection = def.namespaced ? `${base}/namespaces/{namespace}/${def.plural}` : `${base}/${def.plural}`;
    if (def.verbs.includes('patch')) paths[`${collection}/{name}`] = { patch: operation(def, 'patch') };
    else if (def.verbs.includes('create')) paths[collection] = { post: operation(def, 'create') };
    const message = rootMessage(def);
    if (message !== undefined) roots.push(message);
  }
  const schemas = componentSchemas(roots, kindRoots(registry));
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}

function hashOf(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
}

function cached(registry: Registry, group: string, version: string): CachedDocument | undefined {
  let docs = cache.get(registry);
  if (!docs) {
    docs = new Map();
    cache.set(registry, docs);
  }
  const key = `${group}/${version}`;
  if (!docs.has(key)) {
    const doc = buildDocument(registry, group, version);
    docs.set(key, doc && { doc, hash: hashOf(doc) });
  }
  return docs.get(key);
}

/** The document of one group version, or undefined when it is not served. Shared: do not modify. */
export function openapiDocument(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  return cached(registry, group, version)?.doc;
}

/** `GET /openapi/v3`: where each group version's document is. */
export function openapiIndex(registry: Registry): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const { group, version } of groupVersionsOf(registry)) {
    const p = gvPath(group, version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${cached(registry, group, version)?.hash ?? ''}` };
  }
  return { paths };
}

/** The group version named by an `/openapi/v3/...` path, if any. */
export function parseOpenapiPath(path: string): { group: string; version: string } | undefined {
  const m = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  return m[1] !== undefined ? { group: '', version: m[1] } : { group: m[2] ?? '', version: m[3] ?? '' };
}
