import { describe, expect, it } from 'vitest';
import { configmaps, pods } from '../registry/core.js';
import { parseLabelSelector } from '../selectors/labels.js';
import { listItemText } from './codec.js';
import { asListItem, listObjects } from './list.js';
import { configMap, pod, testStore } from './test-helpers.js';

describe('lists as text', () => {
  it('splices stored objects into list items equal to the decoded ones', async () => {
    const { store } = testStore(pods);
    for (const name of ['a', 'b', 'c']) await store.create('default', pod(name, { metadata: { name, labels: { app: name } } }));
    const objects = await listObjects(store, 'default', {});
    const texts = await listObjects(store, 'default', { asText: true });
    expect(texts.items).toEqual([]);
    expect(texts.resourceVersion).toBe(objects.resourceVersion);
    expect(texts.texts?.map((t) => JSON.parse(t) as unknown)).toEqual(objects.items.map(asListItem));
    // Pages and selectors give the same items either way.
    const page = await listObjects(store, 'default', { asText: true, limit: 2 });
    expect(page.texts?.map((t) => (JSON.parse(t) as { metadata: { name: string } }).metadata.name)).toEqual(['a', 'b']);
    expect(page.continue).toBeDefined();
    const selected = await listObjects(store, 'default', { asText: true, labelSelector: parseLabelSelector('app in (a,c)') });
    expect(selected.texts?.map((t) => JSON.parse(t) as unknown)).toEqual(objects.items.filter((o) => o.metadata.name !== 'b').map(asListItem));
  });

  it('falls back to a decode for texts of another shape', async () => {
    const { store } = testStore(configmaps);
    await store.create('default', configMap('rv', { note: '"resourceVersion": is data here' }));
    const [item] = (await listObjects(store, 'default', { asText: true })).texts ?? [];
    expect(JSON.parse(item ?? '')).toEqual(asListItem((await listObjects(store, 'default', {})).items[0] ?? { metadata: {} }));
    const kv = (v: string): Parameters<typeof listItemText>[0] => ({ key: '/k', value: v, createRevision: 2, modRevision: 7 });
    expect(listItemText(kv('{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}'))).toBe('{"metadata":{"resourceVersion":"7"}}');
    expect(listItemText(kv('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{}}'))).toBe('{"metadata":{"resourceVersion":"7","name":"x"},"data":{}}');
    expect(listItemText(kv('{"kind":"ConfigMap","apiVersion":"v1","metadata":{}}'))).toBeUndefined();
  });
});
