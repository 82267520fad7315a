import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LIST_PATCH_META } from '../patch/strategic-meta.js';
import { ALL_RESOURCES } from '../registry/all.js';
import { Registry } from '../registry/index.js';
import { componentName, componentSchemas, REQUIRED_FIELDS } from './openapi-schemas.js';
import { openapiDocument, openapiIndex } from './openapi.js';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[] };
interface Doc {
  paths: Record<string, Record<string, { 'x-kubernetes-group-version-kind': unknown; requestBody: { content: Record<string, unknown> } }>>;
  components: { schemas: Record<string, Schema> };
}

const registry = new Registry(ALL_RESOURCES);
const doc = (group: string, version: string): Doc => openapiDocument(registry, group, version) as unknown as Doc;
const core = doc('', 'v1');
const schema = (name: string): Schema => core.components.schemas[name] ?? {};
const prop = (message: string, field: string): Schema => schema(message).properties?.[field] ?? {};
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/** Every `$ref` anywhere under `v`. */
function refsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refsIn(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refsIn(x, out);
    }
  }
  return out;
}

const servedGroupVersions = [...new Set(ALL_RESOURCES.map((d) => `${d.group}/${d.version}`))].map((gv) => gv.split('/') as [string, string]);

describe('OpenAPI v3 schemas', () => {
  it('names and types fields as upstream does', () => {
    expect(schema('io.k8s.api.core.v1.Pod')).toMatchObject({
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Pod' }],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { allOf: [ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')] },
        spec: { allOf: [ref('io.k8s.api.core.v1.PodSpec')] },
      },
    });
    expect(prop('io.k8s.api.core.v1.PodSpec', 'containers')).toMatchObject({ type: 'array', items: { allOf: [ref('io.k8s.api.core.v1.Container')], default: {} } });
    expect(schema('io.k8s.api.core.v1.PodSpec').required).toEqual(['containers']);
    expect(prop('io.k8s.api.core.v1.PodSpec', 'terminationGracePeriodSeconds')).toEqual({ type: 'integer', format: 'int64' });
    expect(prop('io.k8s.api.core.v1.PodSpec', 'hostNetwork')).toEqual({ type: 'boolean' });
    expect(prop('io.k8s.api.core.v1.PodSpec', 'nodeSelector')).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(prop('io.k8s.api.core.v1.ContainerPort', 'containerPort')).toEqual({ type: 'integer', format: 'int32' });
    expect(prop('io.k8s.api.core.v1.ResourceRequirements', 'limits')).toEqual({ type: 'object', additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') });
    expect(prop('io.k8s.api.core.v1.HTTPGetAction', 'port')).toEqual({ allOf: [ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString')] });
    expect(prop('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'creationTimestamp')).toEqual({ allOf: [ref('io.k8s.apimachinery.pkg.apis.meta.v1.Time')] });
    expect(prop('io.k8s.api.core.v1.Secret', 'data')).toEqual({ type: 'object', additionalProperties: { type: 'string', format: 'byte' } });
    expect(schema('io.k8s.apimachinery.pkg.apis.meta.v1.Time')).toEqual({ type: 'string', format: 'date-time' });
    expect(schema('io.k8s.apimachinery.pkg.api.resource.Quantity')).toEqual({ oneOf: [{ type: 'string' }, { type: 'number' }] });
    expect(schema('io.k8s.apimachinery.pkg.util.intstr.IntOrString')).toMatchObject({ format: 'int-or-string' });
    // Go's inline structs appear as their fields, as in the JSON.
    expect(Object.keys(schema('io.k8s.api.core.v1.Volume').properties ?? {})).toEqual(expect.arrayContaining(['name', 'emptyDir', 'configMap']));
    expect(Object.keys(schema('io.k8s.api.core.v1.ConfigMapVolumeSource').properties ?? {})).toEqual(['defaultMode', 'defaultUser', 'items', 'name', 'optional']);
    expect(core.components.schemas['io.k8s.api.core.v1.VolumeSource']).toBeUndefined();
  });

  it('carries the strategic merge metadata of the server table, and nothing else', () => {
    expect(prop('io.k8s.api.core.v1.PodSpec', 'containers')).toMatchObject({
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(prop('io.k8s.api.core.v1.PodSpec', 'volumes')).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge,retainKeys' });
    expect(prop('io.k8s.api.core.v1.Container', 'ports')).toMatchObject({ 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-patch-strategy': 'merge' });
    expect(prop('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers')).toEqual({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
    expect(prop('io.k8s.api.core.v1.Container', 'command')).toEqual({ type: 'array', items: { type: 'string' } });

    // Every list field of every document agrees with LIST_PATCH_META, both ways.
    for (const [group, version] of servedGroupVersions) {
      const seen = new Set<string>();
      for (const [name, s] of Object.entries(doc(group, version).components.schemas)) {
        for (const [field, p] of Object.entries(s.properties ?? {})) {
          const message = Object.keys(LIST_PATCH_META).find((m) => componentName(m) === name);
          const meta = message === undefined ? undefined : LIST_PATCH_META[message]?.[field];
          if (meta) seen.add(`${message ?? ''}.${field}`);
          expect(p['x-kubernetes-patch-strategy'], `${name}.${field}`).toBe(meta ? (meta.retainKeys ? 'merge,retainKeys' : 'merge') : undefined);
          expect(p['x-kubernetes-patch-merge-key'], `${name}.${field}`).toBe(meta?.key);
        }
      }
      if (group === '') {
        const all = Object.entries(LIST_PATCH_META).flatMap(([m, fields]) => Object.keys(fields).map((f) => `${m}.${f}`));
        expect([...seen].sort()).toEqual(all.sort());
      }
    }
  });

  it('names only fields that exist as required', () => {
    for (const [message, fields] of Object.entries(REQUIRED_FIELDS)) {
      const s = componentSchemas([message], [])[componentName(message)];
      expect(s?.required, message).toEqual(fields);
    }
  });

  it('documents every served kind in its group version, with every reference resolvable', () => {
    for (const [group, version] of servedGroupVersions) {
      const d = doc(group, version);
      const names = new Set(Object.keys(d.components.schemas));
      for (const r of refsIn(d)) expect(names.has(r.replace('#/components/schemas/', '')), `${group}/${version}: ${r}`).toBe(true);
      for (const def of registry.inGroupVersion(group, version)) {
        const kinds = Object.values(d.components.schemas).flatMap((s) => (s['x-kubernetes-group-version-kind'] as unknown[] | undefined) ?? []);
        expect(kinds, `${def.kind}`).toContainEqual({ group, version, kind: def.kind });
        const ops = Object.values(d.paths).flatMap((p) => Object.values(p)).filter((op) => JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify({ group, version, kind: def.kind }));
        expect(ops.length, `${def.kind} operations`).toBe(1);
      }
    }
    expect(Object.keys(doc('apps', 'v1').components.schemas)).toEqual(expect.arrayContaining(['io.k8s.api.apps.v1.Deployment', 'io.k8s.api.core.v1.PodSpec', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']));
    expect(doc('apps', 'v1').components.schemas['io.k8s.api.core.v1.Pod']).toBeUndefined();
  });

  it('lists strategic merge patch only for kinds with a type table; create-only kinds get a POST', () => {
    const smp = (d: Doc, path: string): boolean => 'application/strategic-merge-patch+json' in (d.paths[path]?.patch?.requestBody.content ?? {});
    expect(smp(core, '/api/v1/namespaces/{namespace}/pods/{name}')).toBe(true);
    expect(smp(core, '/api/v1/nodes/{name}')).toBe(true);
    expect(smp(doc('events.k8s.io', 'v1'), '/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}')).toBe(false);
    expect(core.paths['/api/v1/namespaces/{namespace}/bindings']?.post?.['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Binding' });
    expect(doc('events.k8s.io', 'v1').components.schemas['io.k8s.api.events.v1.Event']?.required).toEqual(['eventTime']);
  });
});

describe('OpenAPI v3 caching and the index hash', () => {
  it('builds each document once and hashes it stably', () => {
    expect(openapiDocument(registry, '', 'v1')).toBe(openapiDocument(registry, '', 'v1'));
    expect(openapiDocument(registry, 'nope', 'v1')).toBeUndefined();
    const index = openapiIndex(registry) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(openapiIndex(registry)).toEqual(index);
    const url = index.paths['api/v1']?.serverRelativeURL ?? '';
    const expected = createHash('sha512').update(JSON.stringify(openapiDocument(registry, '', 'v1'))).digest('hex').toUpperCase();
    expect(url).toBe(`/openapi/v3/api/v1?hash=${expected}`);
    // A fresh registry with the same resources: the same bytes and hash.
    const again = openapiIndex(new Registry(ALL_RESOURCES)) as typeof index;
    expect(again.paths['api/v1']?.serverRelativeURL).toBe(url);
  });

  it('changes the hash when the document changes', () => {
    const fewer = new Registry(ALL_RESOURCES.filter((d) => !(d.group === '' && d.kind === 'Node')));
    const a = (openapiIndex(registry) as { paths: Record<string, { serverRelativeURL: string }> }).paths;
    const b = (openapiIndex(fewer) as { paths: Record<string, { serverRelativeURL: string }> }).paths;
    expect(b['api/v1']?.serverRelativeURL).not.toBe(a['api/v1']?.serverRelativeURL);
    expect(b['apis/apps/v1']?.serverRelativeURL).toBe(a['apis/apps/v1']?.serverRelativeURL);
    expect((openapiDocument(fewer, '', 'v1') as unknown as Doc).components.schemas['io.k8s.api.core.v1.Node']).toBeUndefined();
  });
});
