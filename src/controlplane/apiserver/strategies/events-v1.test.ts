import { describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../storage/index.js';
import { startApiServer } from '../apiserver.js';
import { eventFromV1, eventToV1 } from './events-v1.js';

describe('events.k8s.io/v1 Events', () => {
  it('convert to and from the core shape', () => {
    const core = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p' }, message: 'hi', reason: 'R', count: 2 };
    const v1 = eventToV1(core);
    expect(v1).toEqual({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, regarding: { kind: 'Pod', name: 'p' }, note: 'hi', reason: 'R', deprecatedCount: 2 });
    expect(eventFromV1(v1)).toEqual(core);
  });

  it('share one storage with core Events, reads and watches included', async () => {
    const backend = createMemoryBackend({});
    const server = await startApiServer({ backend, insecureLoopback: true, port: 0 });
    try {
      const base = `${server.url}/apis/events.k8s.io/v1/namespaces/default/events`;
      const watch = await fetch(`${base}?watch=true&resourceVersion=1&timeoutSeconds=2`);
      const core = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, message: 'hi', reason: 'R', type: 'Normal' };
      const post = await fetch(`${server.url}/api/v1/namespaces/default/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(core) });
      expect(post.status).toBe(201);
      const got = (await (await fetch(`${base}/e`)).json()) as Record<string, unknown>;
      expect(got).toMatchObject({ apiVersion: 'events.k8s.io/v1', kind: 'Event', regarding: { name: 'p' }, note: 'hi' });
      expect(got.message).toBeUndefined();
      const text = await watch.text();
      expect(JSON.parse(text.split('\n')[0] ?? '')).toMatchObject({ type: 'ADDED', object: { apiVersion: 'events.k8s.io/v1', note: 'hi' } });
    } finally {
      await server.close();
      await backend.close();
    }
  });
});
