import { describe, expect, it } from 'vitest';
import { isApiError } from '../errors.js';
import { configmaps, pods } from '../registry/core.js';
import { deleteObject } from './delete.js';
import { listObjects } from './list.js';
import { configMap, pod, testStore } from './test-helpers.js';
import { parseLabelSelector } from '../selectors/labels.js';
import { parseFieldSelector } from '../selectors/fields.js';

async function rejects(p: Promise<unknown>): Promise<{ code: number; message: string; reason: string }> {
  try {
    await p;
  } catch (err) {
    if (isApiError(err)) return { code: err.code, message: err.status.message ?? '', reason: err.reason };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('RestStore create and get', () => {
  it('fills uid, creationTimestamp, resourceVersion, defaults and the pod status', async () => {
    const { store } = testStore(pods);
    const created = await store.create('default', pod('web'));
    expect(created.metadata).toMatchObject({ name: 'web', namespace: 'default', uid: 'uid-1', creationTimestamp: '2025-01-01T00:00:00Z' });
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(1);
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(created.spec).toMatchObject({ restartPolicy: 'Always', serviceAccountName: 'default', priority: 0 });
    const got = await store.get('default', 'web');
    expect(got).toEqual(created);
  });

  it('answers the JSON of created and stored objects as encoding them would (spliced from the stored text)', async () => {
    const { store } = testStore(pods);
    const body = pod('web', { metadata: { name: 'web', labels: { a: 'b' }, annotations: { x: 'say "hi" {[', y: '{"}\\', z: '\\"}' } } });
    const created = await store.createWithJson('default', body);
    expect(created.json).toBeDefined();
    expect(created.json).toBe(JSON.stringify(created.obj));
    expect(await store.getJson('default', 'web')).toBe(JSON.stringify(await store.get('default', 'web')));
    // An empty resourceVersion keeps its place among the metadata fields: encoded, not spliced.
    const blank = await store.createWithJson('default', pod('blank', { metadata: { resourceVersion: '', name: 'blank' } }));
    expect(blank.json).toBeUndefined();
    // Text in another shape (apiVersion and kind not first) is decoded and encoded.
    await store.backend.create('/registry/pods/default/odd', JSON.stringify({ metadata: { name: 'odd', namespace: 'default' }, kind: 'Pod', apiVersion: 'v1' }));
    expect(await store.getJson('default', 'odd')).toBe(JSON.stringify(await store.get('default', 'odd')));
  });

  it('answers AlreadyExists, NotFound and resourceVersion-on-create with upstream text', async () => {
    const { store } = testStore(pods);
    await store.create('default', pod('web'));
    expect(await rejects(store.create('default', pod('web')))).toEqual({ code: 409, reason: 'AlreadyExists', message: 'pods "web" already exists' });
    expect(await rejects(store.get('default', 'nope'))).toEqual({ code: 404, reason: 'NotFound', message: 'pods "nope" not found' });
    const withRv = pod('x', { metadata: { name: 'x', resourceVersion: '5' } });
    expect((await rejects(store.create('default', withRv))).message).toBe('resourceVersion should not be set on objects to be created');
  });

  it('generates names from generateName', async () => {
    const { store } = testStore(configmaps);
    const a = await store.create('default', configMap('', {}, { generateName: 'cfg-' }));
    expect(a.metadata.name).toMatch(/^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('rejects invalid objects with 422 and writes nothing', async () => {
    const { store, backend } = testStore(pods);
    const before = await backend.currentRevision();
    const bad = await rejects(store.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: {} }));
    expect(bad).toEqual({ code: 422, reason: 'Invalid', message: 'Pod "bad" is invalid: spec.containers: Required value' });
    expect(await backend.currentRevision()).toBe(before);
  });

  it('dryRun runs everything but the write', async () => {
    const { store, backend } = testStore(configmaps);
    const before = await backend.currentRevision();
    const out = await store.create('default', configMap('dry'), { dryRun: true });
    expect(out.metadata.uid).toBeDefined();
    expect(out.metadata.resourceVersion).toBeUndefined();
    expect(await backend.currentRevision()).toBe(before);
  });
});

describe('RestStore update', () => {
  it('gives a 409 Conflict for a stale resourceVersion', async () => {
    const { store } = testStore(configmaps);
    const created = await store.create('default', configMap('c', { a: '1' }));
    await store.update('default', 'c', (cur) => ({ ...cur!, data: { a: '2' } }));
    const stale = { ...created, data: { a: '3' } };
    expect(await rejects(store.update('default', 'c', () => structuredClone(stale)))).toEqual({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('keeps uid and creationTimestamp, writes nothing for a no-op, keeps status on main updates', async () => {
    const { store } = testStore(pods);
    const created = await store.create('default', pod('web'));
    const same = await store.update('default', 'web', (cur) => cur!);
    expect(same.obj.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const changed = await store.update('default', 'web', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, uid: '', labels: { a: 'b' } }, status: { phase: 'Running' } }));
    expect(changed.obj.metadata.uid).toBe(created.metadata.uid);
    expect(changed.obj.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('status updates change only the status', async () => {
    const { store } = testStore(pods);
    await store.create('default', pod('web'));
    const out = await store.update('default', 'web', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { x: 'y' } }, status: { phase: 'Running' } }), {
      hooks: { kind: 'subresource', strategy: pods.statusStrategy! },
    });
    expect(out.obj.status).toEqual({ phase: 'Running', qosClass: 'BestEffort' });
    expect(out.obj.metadata.labels).toBeUndefined();
  });

  it('refuses pod spec changes other than images', async () => {
    const { store } = testStore(pods);
    await store.create('default', pod('web'));
    const err = await rejects(store.update('default', 'web', (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), restartPolicy: 'Never' } })));
    expect(err.code).toBe(422);
    expect(err.message).toMatch(/^Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
  });
});

describe('deletion', () => {
  it('deletes unscheduled pods at once and scheduled ones gracefully', async () => {
    const { store, clock } = testStore(pods);
    await store.create('default', pod('pending'));
    expect((await deleteObject(store, 'default', 'pending')).deleted).toBe(true);

    await store.create('default', pod('bound', { spec: { nodeName: 'n1' } }));
    const first = await deleteObject(store, 'default', 'bound');
    expect(first.deleted).toBe(false);
    expect(first.obj.metadata).toMatchObject({ deletionTimestamp: '2025-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 });
    clock.now += 5000;
    const again = await deleteObject(store, 'default', 'bound');
    expect(again).toMatchObject({ deleted: false, obj: { metadata: { deletionGracePeriodSeconds: 30 } } });
    const shorter = await deleteObject(store, 'default', 'bound', { gracePeriodSeconds: 10 });
    expect(shorter.obj.metadata).toMatchObject({ deletionTimestamp: '2025-01-01T00:00:10Z', deletionGracePeriodSeconds: 10 });
    expect((await deleteObject(store, 'default', 'bound', { gracePeriodSeconds: 0 })).deleted).toBe(true);
    expect((await rejects(store.get('default', 'bound'))).code).toBe(404);
  });

  it('only marks objects with finalizers, and removes them when the last finalizer goes', async () => {
    const { store } = testStore(configmaps);
    await store.create('default', configMap('f', {}, { finalizers: ['example.com/hold'] }));
    const marked = await deleteObject(store, 'default', 'f');
    expect(marked.deleted).toBe(false);
    expect(marked.obj.metadata).toMatchObject({ deletionTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 });
    const err = await rejects(store.update('default', 'f', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: ['example.com/hold', 'example.com/more'] } })));
    expect(err.message).toContain('no new finalizers can be added if the object is being deleted');
    await store.update('default', 'f', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: [] } }));
    expect((await rejects(store.get('default', 'f'))).code).toBe(404);
  });

  it('checks preconditions and honours propagationPolicy and dryRun', async () => {
    const { store } = testStore(configmaps);
    const c = await store.create('default', configMap('p'));
    const err = await rejects(deleteObject(store, 'default', 'p', { preconditions: { uid: 'other' } }));
    expect(err.message).toBe(`Operation cannot be fulfilled on ConfigMap "p": the UID in the precondition (other) does not match the UID in record (${c.metadata.uid ?? ''}). The object might have been deleted and then recreated`);
    expect((await deleteObject(store, 'default', 'p', { dryRun: true })).deleted).toBe(true);
    await store.get('default', 'p');
    const fg = await deleteObject(store, 'default', 'p', { propagationPolicy: 'Foreground' });
    expect(fg.obj.metadata.finalizers).toEqual(['foregroundDeletion']);
  });
});

describe('lists', () => {
  it('filters by labels and fields and pages with continue tokens at one revision', async () => {
    const { store } = testStore(configmaps);
    for (let i = 0; i < 5; i++) await store.create('default', configMap(`c${i}`, {}, { labels: { even: String(i % 2 === 0) } }));
    await store.create('other', configMap('o'));
    const evens = await listObjects(store, 'default', { labelSelector: parseLabelSelector('even=true') });
    expect(evens.items.map((o) => o.metadata.name)).toEqual(['c0', 'c2', 'c4']);
    const one = await listObjects(store, '', { fieldSelector: parseFieldSelector('metadata.namespace=other') });
    expect(one.items.map((o) => o.metadata.name)).toEqual(['o']);
    const p1 = await listObjects(store, 'default', { limit: 2 });
    expect(p1.items).toHaveLength(2);
    await store.create('default', configMap('c5'));
    const p2 = await listObjects(store, 'default', { limit: 2, continue: p1.continue });
    const p3 = await listObjects(store, 'default', { limit: 2, continue: p2.continue });
    expect([...p1.items, ...p2.items, ...p3.items].map((o) => o.metadata.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(p3.continue).toBeUndefined();
    expect(p2.resourceVersion).toBe(p1.resourceVersion);
  });

  it('answers 410 with upstream text once the continue revision is compacted', async () => {
    const { store, backend } = testStore(configmaps);
    for (let i = 0; i < 3; i++) await store.create('default', configMap(`c${i}`));
    const p1 = await listObjects(store, 'default', { limit: 1 });
    await store.create('default', configMap('later'));
    await backend.compact(await backend.currentRevision());
    const err = await rejects(listObjects(store, 'default', { limit: 1, continue: p1.continue }));
    expect(err.code).toBe(410);
    expect(err.reason).toBe('Expired');
    expect(err.message).toMatch(/^The provided continue parameter is too old to display a consistent list result/);
    expect((await rejects(listObjects(store, 'default', { continue: 'garbage!' }))).code).toBe(400);
  });

  it('answers 410 with the list wording for an exact resourceVersion that is compacted', async () => {
    const { store, backend } = testStore(configmaps);
    await store.create('default', configMap('a'));
    const old = (await listObjects(store, 'default', {})).resourceVersion;
    await store.create('default', configMap('b'));
    await backend.compact(await backend.currentRevision());
    const err = await rejects(listObjects(store, 'default', { resourceVersion: old, resourceVersionMatch: 'Exact' }));
    expect([err.code, err.reason, err.message]).toEqual([410, 'Expired', 'The resourceVersion for the provided list is too old.']);
  });
});
