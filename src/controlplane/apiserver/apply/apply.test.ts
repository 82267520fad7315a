import { describe, expect, it } from 'vitest';
import type { KObject } from '../object.js';
import { ApiError } from '../errors.js';
import { FieldSet, pathString, type Path } from './fieldpath.js';
import { applyConfig, decodeManaged, updateManaged, ApplyConflictError } from './managed.js';
import { rootType } from './types.js';
import { addedFieldsV1, compare, merge, toFieldSet } from './walk.js';
import { checkManagerParams, conflictError, managedFieldsToParent, managedFieldsToScale, managerFromUserAgent, runApply } from './index.js';

const DEPLOY = rootType('apps.v1.Deployment');
const POD = rootType('core.v1.Pod');
const CM = rootType('core.v1.ConfigMap');
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

const deployment = (replicas: number | undefined, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
    ...extra,
  },
});

describe('field paths', () => {
  it.each<[string, Path, string]>([
    ['field', [{ kind: 'field', name: 'spec' }, { kind: 'field', name: 'replicas' }], '.spec.replicas'],
    ['key', [{ kind: 'field', name: 'containers' }, { kind: 'key', fields: [['name', 'c']] }, { kind: 'field', name: 'image' }], '.containers[name="c"].image'],
    ['two keys', [{ kind: 'key', fields: [['containerPort', 80], ['protocol', 'TCP']] }], '[containerPort=80,protocol="TCP"]'],
    ['value', [{ kind: 'field', name: 'finalizers' }, { kind: 'value', value: 'a/b' }], '.finalizers[="a/b"]'],
    ['index', [{ kind: 'index', index: 3 }], '[3]'],
  ])('prints a %s path as upstream', (_name, path, want) => {
    expect(pathString(path)).toBe(want);
  });

  it('round-trips FieldsV1 with "." for members that have children, in upstream order', () => {
    const v1 = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
      },
    };
    const set = FieldSet.fromFieldsV1(v1);
    expect(set.has([{ kind: 'field', name: 'metadata' }, { kind: 'field', name: 'labels' }])).toBe(true);
    expect(set.has([{ kind: 'field', name: 'spec' }])).toBe(false);
    expect(JSON.stringify(set.toFieldsV1())).toBe(JSON.stringify(v1));
  });

  it('has set algebra', () => {
    const a = FieldSet.fromFieldsV1({ 'f:a': {}, 'f:b': { 'f:c': {}, 'f:d': {} } });
    const b = FieldSet.fromFieldsV1({ 'f:b': { 'f:c': {} }, 'f:e': {} });
    expect(a.intersection(b).toFieldsV1()).toEqual({ 'f:b': { 'f:c': {} } });
    expect(a.difference(b).toFieldsV1()).toEqual({ 'f:a': {}, 'f:b': { 'f:d': {} } });
    expect(a.union(b).toFieldsV1()).toEqual({ 'f:a': {}, 'f:b': { 'f:c': {}, 'f:d': {} }, 'f:e': {} });
    expect(a.recursiveDifference(FieldSet.fromFieldsV1({ 'f:b': {} })).toFieldsV1()).toEqual({ 'f:a': {} });
    expect(a.paths().map(pathString)).toEqual(['.a', '.b.c', '.b.d']);
  });
});

describe('toFieldSet', () => {
  it.each<[string, Record<string, unknown>, ReturnType<typeof rootType>, Record<string, unknown>]>([
    [
      'a deployment: atomic selector, containers by name, ports by containerPort+protocol',
      { spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80 }] }] } } } },
      DEPLOY,
      {
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } } },
        },
      },
    ],
    ['map keys and empty structs are members', { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'c', resources: {} }] } }, POD, { 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:resources': {} } } } }],
    ['set lists use values', { metadata: { finalizers: ['x', 'y'] } }, POD, { 'f:metadata': { 'f:finalizers': { 'v:"x"': {}, 'v:"y"': {} } } }],
    ['atomic lists are leaves', { spec: { containers: [{ name: 'c', command: ['a', 'b'] }] } }, POD, { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:command': {}, 'f:name': {} } } } }],
    ['config map data keys', { data: { a: '1', b: '2' } }, CM, { 'f:data': { 'f:a': {}, 'f:b': {} } }],
    ['deduced kinds own every key', { spec: { x: { y: 1 }, l: [1] } }, rootType(undefined), { 'f:spec': { '.': {}, 'f:l': {}, 'f:x': { '.': {}, 'f:y': {} } } }],
  ])('%s', (_name, value, type, want) => {
    expect(toFieldSet(value, type).toFieldsV1()).toEqual(want);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['unknown field', { spec: { foo: 1 } }, '.spec.foo: field not declared in schema'],
    ['duplicate key', { spec: { containers: [{ name: 'a' }, { name: 'a' }] } }, '.spec.containers: duplicate entries for key [name="a"]'],
    ['missing key', { spec: { containers: [{ image: 'x' }] } }, '.spec.containers: element 0: associative list with keys has an element that omits key field "name"'],
    ['wrong shape', { spec: [] }, '.spec: expected map, got list'],
  ])('rejects a config with %s', (_name, value, message) => {
    expect(() => toFieldSet(value, POD)).toThrow(message);
  });
});

describe('compare', () => {
  it('reports added, modified and removed paths', () => {
    const before = { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'a', image: 'x' }] } };
    const after = { metadata: { labels: { a: '9' } }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } };
    const c = compare(before, after, POD);
    expect(c.modified.paths().map(pathString)).toEqual(['.metadata.labels.a']);
    expect(c.removed.paths().map(pathString)).toEqual(['.metadata.labels.b']);
    expect(c.added.paths().map(pathString)).toEqual(['.spec.containers[name="b"]', '.spec.containers[name="b"].image', '.spec.containers[name="b"].name']);
  });
});

describe('addedFieldsV1', () => {
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'web', tier: '' }, annotations: {}, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }], finalizers: ['a', 'a', 'b'] },
    spec: {
      nodeName: 'n',
      volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', configMap: { name: 'c' } }, { configMap: null }],
      containers: [
        { name: 'web', image: 'i', command: ['a', 'b'], ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }], env: [], resources: { requests: { cpu: '1' } }, securityContext: null },
        'not-a-container',
      ],
      nodeSelector: { a: 'b' },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [] }] } } },
    },
    status: { phase: 'Pending' },
    extra: { deep: [1, { x: 2 }] },
  };
  it.each([
    ['a typed pod (maps, sets, associative lists, atomic structs, duplicates, nulls, bad items)', pod, POD],
    ['a deduced object', pod, rootType(undefined)],
    ['an empty object', {}, POD],
  ])('equals compare({}, v).added for %s', (_what, value, type) => {
    const v = value as Record<string, unknown>;
    const added = compare({}, v, type).added;
    // Key order matters (it is what gets stored and answered): compare the JSON texts.
    expect(JSON.stringify(addedFieldsV1(v, type) ?? {})).toBe(JSON.stringify(added.toFieldsV1()));
    expect(addedFieldsV1(v, type) === undefined).toBe(added.empty());
  });
});

describe('merge', () => {
  it.each<[string, unknown, unknown, unknown]>([
    ['scalars are replaced, other fields kept', { spec: { replicas: 1, paused: true } }, { spec: { replicas: 3 } }, { spec: { replicas: 3, paused: true } }],
    [
      'containers merge by name, keeping live-only items in place',
      { spec: { template: { spec: { containers: [{ name: 'a', image: 'x', command: ['c'] }, { name: 'side', image: 's' }] } } } },
      { spec: { template: { spec: { containers: [{ name: 'a', image: 'y' }, { name: 'b', image: 'z' }] } } } },
      { spec: { template: { spec: { containers: [{ name: 'a', image: 'y', command: ['c'] }, { name: 'side', image: 's' }, { name: 'b', image: 'z' }] } } } },
    ],
    ['atomic lists are replaced', { spec: { template: { spec: { containers: [{ name: 'a', args: ['1', '2'] }] } } } }, { spec: { template: { spec: { containers: [{ name: 'a', args: ['3'] }] } } } }, { spec: { template: { spec: { containers: [{ name: 'a', args: ['3'] }] } } } }],
    ['null removes', { metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { a: null } } }, { metadata: { labels: { b: '2' } } }],
  ])('%s', (_name, live, config, want) => {
    expect(merge(live, config, DEPLOY)).toEqual(want);
  });
});

function managersOf(obj: KObject): Record<string, unknown> {
  return Object.fromEntries((obj.metadata.managedFields ?? []).map((e) => [`${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`, e.fieldsV1]));
}

const apply = (live: KObject | null, config: KObject, manager: string, force = false, now = T1): KObject =>
  applyConfig({ live, config, manager, force, apiVersion: 'apps/v1', type: DEPLOY, ignored: ['status'], now }).obj;

describe('applyConfig', () => {
  it('creates, then removes fields the applier no longer applies', () => {
    const a1 = apply(null, deployment(2, [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }]), 'mgr', false, T0);
    expect(a1.metadata.managedFields?.[0]).toMatchObject({ manager: 'mgr', operation: 'Apply', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1' });
    const a2 = apply(a1, deployment(undefined, [{ name: 'a', image: 'x' }]), 'mgr');
    expect(a2.spec).toEqual({ selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } });
    expect(a2.metadata.managedFields?.[0]?.time).toBe(T1);
  });

  it('keeps server-owned metadata when the applier drops its last annotation', () => {
    const first = deployment(2, [{ name: 'a', image: 'x' }]);
    first.metadata.annotations = { note: 'x' };
    const live = apply(null, first, 'mgr');
    live.metadata = { ...live.metadata, uid: 'u1', resourceVersion: '7' };
    const config = deployment(2, [{ name: 'a', image: 'x' }]);
    delete config.metadata.labels;
    const out = apply(live, config, 'mgr');
    expect(out.metadata).toMatchObject({ name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7' });
    expect(out.metadata.annotations).toBeUndefined();
    expect(out.metadata.labels).toBeUndefined();
  });

  it('keeps fields another manager owns when the applier drops them', () => {
    const a1 = apply(null, deployment(2, [{ name: 'a', image: 'x' }]), 'one');
    const a2 = apply(a1, deployment(2, [{ name: 'a', image: 'x' }]), 'two');
    const a3 = apply(a2, deployment(undefined, [{ name: 'a', image: 'x' }]), 'one');
    expect((a3.spec as Record<string, unknown>).replicas).toBe(2);
    expect(Object.keys(managersOf(a3)).sort()).toEqual(['one/Apply', 'two/Apply']);
  });

  it('does not touch the time of a no-op apply', () => {
    const a1 = apply(null, deployment(2, [{ name: 'a', image: 'x' }]), 'mgr', false, T0);
    const a2 = apply(a1, deployment(2, [{ name: 'a', image: 'x' }]), 'mgr', false, T1);
    expect(a2.metadata.managedFields?.[0]?.time).toBe(T0);
  });

  it.each<[string, Record<string, unknown>[], number, string[]]>([
    ['a changed replicas conflicts', [{ name: 'a', image: 'x' }], 5, ['.spec.replicas']],
    ['a changed image conflicts', [{ name: 'a', image: 'other' }], 2, ['.spec.template.spec.containers[name="a"].image']],
    ['the same values co-own without conflict', [{ name: 'a', image: 'x' }], 2, []],
  ])('%s with an Update manager', (_name, containers, replicas, conflicts) => {
    const live = apply(null, deployment(2, [{ name: 'a', image: 'x' }]), 'creator');
    const updated = structuredClone(live);
    updated.metadata.managedFields = [{ manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { 'f:image': {} } } } } } } }];
    const run = (): KObject => apply(updated, deployment(replicas, containers), 'kubectl');
    if (conflicts.length === 0) {
      expect(Object.keys(managersOf(run())).sort()).toEqual(['kubectl-edit/Update', 'kubectl/Apply']);
      return;
    }
    try {
      run();
      expect.unreachable('apply should conflict');
    } catch (err) {
      expect(err).toBeInstanceOf(ApplyConflictError);
      expect((err as ApplyConflictError).conflicts.map((c) => pathString(c.path))).toEqual(conflicts);
    }
    const forced = apply(updated, deployment(replicas, containers), 'kubectl', true);
    const edit = managersOf(forced)['kubectl-edit/Update'];
    for (const c of conflicts) expect(JSON.stringify(edit ?? {})).not.toContain(c.endsWith('image') ? 'f:image' : 'f:replicas');
  });

  it('lets kubectl take over client-side-applied fields whose values match last-applied', () => {
    const last = deployment(2, [{ name: 'a', image: 'x' }]);
    const live = deployment(2, [{ name: 'a', image: 'x' }]);
    live.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(last) };
    live.metadata.managedFields = [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
    const out = apply(live, deployment(4, [{ name: 'a', image: 'x' }]), 'kubectl');
    expect((out.spec as Record<string, unknown>).replicas).toBe(4);
    expect(JSON.parse(out.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}')).toMatchObject({ spec: { replicas: 4 } });
    // Once live differs from last-applied (someone scaled), the conflict stands.
    const scaled = structuredClone(live);
    (scaled.spec as Record<string, unknown>).replicas = 3;
    expect(() => apply(scaled, deployment(4, [{ name: 'a', image: 'x' }]), 'kubectl')).toThrow(ApplyConflictError);
  });

  it('attributes fields of an untracked object to before-first-apply', () => {
    expect(() => apply(deployment(2, [{ name: 'a', image: 'x' }]), deployment(3, [{ name: 'a', image: 'x' }]), 'mgr')).toThrow(ApplyConflictError);
  });
});

describe('updateManaged', () => {
  const base = { manager: 'kubectl-create', apiVersion: 'apps/v1', type: DEPLOY, ignored: ['status'], now: T0 };

  it('records every field of a create, with "." for added maps and list items', () => {
    const entries = updateManaged({ ...base, next: deployment(1, [{ name: 'a', image: 'x' }]), current: null, requested: undefined });
    expect(entries).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:template': { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
        },
      },
    ]);
  });

  it.each<[string, string | undefined, string[]]>([
    ['a scale takes replicas from the creator', 'scale', ['kubectl-create/Update', 'kubectl/Update/scale']],
    ['an edit takes replicas from the creator', undefined, ['kubectl-create/Update', 'kubectl/Update']],
  ])('%s', (_name, subresource, managers) => {
    const created = deployment(1, [{ name: 'a', image: 'x' }]);
    created.metadata.managedFields = updateManaged({ ...base, next: created, current: null, requested: undefined });
    const next = structuredClone(created);
    (next.spec as Record<string, unknown>).replicas = 5;
    const entries = updateManaged({ ...base, manager: 'kubectl', ...(subresource ? { subresource } : {}), next, current: created, requested: next.metadata.managedFields, now: T1 }) ?? [];
    const out = managersOf({ metadata: { managedFields: entries } });
    expect(Object.keys(out).sort()).toEqual(managers);
    expect(JSON.stringify(out[managers[0] ?? ''])).not.toContain('f:replicas');
    expect(out[managers[1] ?? '']).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('records a status update with subresource status, ignoring managedFields in the body', () => {
    const created = deployment(1, [{ name: 'a', image: 'x' }]);
    created.metadata.managedFields = updateManaged({ ...base, next: created, current: null, requested: undefined });
    const next = { ...structuredClone(created), status: { replicas: 1 } };
    const entries = updateManaged({ ...base, manager: 'controller', subresource: 'status', ignored: ['spec'], next, current: created, requested: [{ manager: 'forged', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: {} }], now: T1 }) ?? [];
    expect(entries.map((e) => `${e.manager}/${e.subresource ?? ''}`)).toEqual(['kubectl-create/', 'controller/status']);
    expect(entries[1]).toMatchObject({ operation: 'Update', apiVersion: 'apps/v1', time: T1, fieldsV1: { 'f:status': { 'f:replicas': {} } } });
  });

  it('leaves an unchanged object alone and stops tracking on [{}]', () => {
    const created = deployment(1, [{ name: 'a', image: 'x' }]);
    created.metadata.managedFields = updateManaged({ ...base, next: created, current: null, requested: undefined });
    expect(updateManaged({ ...base, manager: 'other', next: structuredClone(created), current: created, requested: created.metadata.managedFields, now: T1 })).toEqual(created.metadata.managedFields);
    expect(updateManaged({ ...base, next: structuredClone(created), current: created, requested: [{}] })).toBeUndefined();
  });

  it('decodes what it encodes', () => {
    const entries = updateManaged({ ...base, next: deployment(1, [{ name: 'a', image: 'x' }]), current: null, requested: undefined });
    const m = decodeManaged(entries);
    expect([...m.values()].map((x) => x.manager)).toEqual(['kubectl-create']);
  });
});

describe('API errors', () => {
  const mgr = (manager: string, operation: 'Apply' | 'Update', subresource?: string) => ({ manager, operation, apiVersion: 'apps/v1', ...(subresource ? { subresource } : {}), set: new FieldSet() });
  const replicas: Path = [{ kind: 'field', name: 'spec' }, { kind: 'field', name: 'replicas' }];
  const paused: Path = [{ kind: 'field', name: 'spec' }, { kind: 'field', name: 'paused' }];

  it.each<[string, ConstructorParameters<typeof ApplyConflictError>[0], string]>([
    ['one Update conflict', [{ manager: mgr('kubectl-client-side-apply', 'Update'), path: replicas }], 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas'],
    ['one Apply conflict', [{ manager: mgr('other', 'Apply'), path: replicas }], 'Apply failed with 1 conflict: conflict with "other": .spec.replicas'],
    ['a subresource', [{ manager: mgr('kubectl', 'Update', 'scale'), path: replicas }], 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas'],
    ['several', [{ manager: mgr('mgr', 'Update'), path: replicas }, { manager: mgr('mgr', 'Update'), path: paused }], 'Apply failed with 2 conflicts: conflicts with "mgr" using apps/v1:\n- .spec.replicas\n- .spec.paused'],
  ])('words %s as upstream', (_name, conflicts, message) => {
    const err = conflictError(conflicts);
    expect(err.code).toBe(409);
    expect(err.status).toMatchObject({ reason: 'Conflict', message });
    expect(err.status.details?.causes?.[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.spec.replicas' });
  });

  it.each<[string, string, boolean, string]>([
    ['apply without fieldManager', '', true, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'],
    ['force on a merge patch', 'force=true&fieldManager=x', false, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch'],
  ])('refuses %s', (_name, query, isApply, message) => {
    try {
      checkManagerParams(new URLSearchParams(query), 'PatchOptions', isApply);
      expect.unreachable();
    } catch (err) {
      expect((err as ApiError).code).toBe(422);
      expect((err as ApiError).message).toBe(message);
    }
  });

  it('derives the manager from the User-Agent', () => {
    expect(managerFromUserAgent('kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9')).toBe('kubectl');
    expect(managerFromUserAgent(undefined)).toBe('');
  });

  it.each<[string, Record<string, unknown>, number, string]>([
    ['wrong kind', { apiVersion: 'apps/v1', kind: 'Pod', metadata: { name: 'web' } }, 400, 'invalid object type: apps/v1, Kind=Pod'],
    ['managedFields set', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', managedFields: [] } }, 400, 'metadata.managedFields must be nil'],
    ['other name', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }, 400, 'the name of the object (x) does not match the name on the URL (web)'],
    ['unknown field', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { foo: 1 } }, 500, 'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema'],
  ])('answers an apply with %s as upstream', (_name, config, code, message) => {
    const def = { group: 'apps', version: 'v1', kind: 'Deployment', schema: 'apps.v1.Deployment' };
    try {
      runApply({ def, config, live: null, namespace: 'default', name: 'web', subresource: '', manager: 'm', force: false, now: () => 0 });
      expect.unreachable();
    } catch (err) {
      expect((err as ApiError).code).toBe(code);
      expect((err as ApiError).message).toBe(message);
    }
  });
});

describe('managedFields through the scale subresource', () => {
  const entry = (manager: string, operation: 'Apply' | 'Update', fieldsV1: Record<string, unknown>, subresource?: string) => ({ manager, operation, apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1, ...(subresource ? { subresource } : {}) });
  const parent = [entry('creator', 'Update', { 'f:spec': { 'f:replicas': {}, 'f:paused': {} } }), entry('other', 'Update', { 'f:spec': { 'f:paused': {} } })];

  it('shows the owners of .spec.replicas on the Scale', () => {
    expect(managedFieldsToScale(parent)).toEqual([entry('creator', 'Update', { 'f:spec': { 'f:replicas': {} } })]);
  });

  it('moves .spec.replicas to the Scale\'s new owner and leaves the rest', () => {
    const scale = [entry('hpa', 'Apply', { 'f:spec': { 'f:replicas': {} } }, 'scale')];
    const out = managedFieldsToParent(parent, scale, 'apps/v1');
    expect(managersOf({ metadata: { managedFields: out } })).toEqual({
      'hpa/Apply/scale': { 'f:spec': { 'f:replicas': {} } },
      'creator/Update': { 'f:spec': { 'f:paused': {} } },
      'other/Update': { 'f:spec': { 'f:paused': {} } },
    });
  });
});

describe('capUpdateManagers', () => {
  it('merges the oldest Update managers into ancient-changes beyond ten', () => {
    let obj: KObject = deployment(1, [{ name: 'a', image: 'x' }]);
    obj.metadata.managedFields = updateManaged({ manager: 'm0', apiVersion: 'apps/v1', type: DEPLOY, ignored: [], now: '2026-01-01T00:00:00Z', next: obj, current: null, requested: undefined });
    for (let i = 1; i <= 12; i++) {
      const next = structuredClone(obj);
      next.metadata.labels = { ...next.metadata.labels, [`l${i}`]: 'v' };
      next.metadata.managedFields = updateManaged({ manager: `m${i}`, apiVersion: 'apps/v1', type: DEPLOY, ignored: [], now: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`, next, current: obj, requested: obj.metadata.managedFields });
      obj = next;
    }
    const names = (obj.metadata.managedFields ?? []).map((e) => e.manager);
    expect(names).toHaveLength(10);
    expect(names[0]).toBe('ancient-changes');
    expect(names.slice(1)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12']);
    const ancient = FieldSet.fromFieldsV1(obj.metadata.managedFields?.[0]?.fieldsV1);
    expect(ancient.has([{ kind: 'field', name: 'metadata' }, { kind: 'field', name: 'labels' }, { kind: 'field', name: 'l3' }])).toBe(true);
  });
});
