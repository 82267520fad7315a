/** The eviction subresource over HTTP on the in-memory backend, as `kubectl drain` uses it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBackend, type Backend } from '../../storage/index.js';
import { startApiServer, type ApiServer } from '../apiserver.js';

let backend: Backend;
let server: ApiServer;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const type = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers: body === undefined ? {} : { 'Content-Type': type }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const pod = (name: string, phase: string, labels: Record<string, string> = { app: 'web' }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { nodeName: 'node1', containers: [{ name: 'app', image: 'busybox' }] },
  status: { phase },
});
const evict = (name: string, extra: Record<string, unknown> = {}) => call('POST', `/api/v1/namespaces/default/pods/${name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...extra });

async function createPod(name: string, phase: string, labels?: Record<string, string>): Promise<void> {
  expect((await call('POST', '/api/v1/namespaces/default/pods', pod(name, phase, labels))).status).toBe(201);
  // Status is reset on create, as upstream: set the phase through the status subresource.
  expect((await call('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { status: { phase } })).status).toBe(200);
}

beforeAll(async () => {
  backend = createMemoryBackend({});
  server = await startApiServer({ backend, insecureLoopback: true, port: 0 });
});
afterAll(async () => {
  await server.close();
  await backend.close();
});

describe('pods/eviction', () => {
  it('deletes a pod no budget protects (gracefully: the kubelet finishes it)', async () => {
    await createPod('free', 'Running', { app: 'other' });
    const r = await evict('free');
    expect(r).toMatchObject({ status: 201, json: { kind: 'Status', status: 'Success', code: 201 } });
    const after = await call('GET', '/api/v1/namespaces/default/pods/free');
    expect(after.json.metadata).toHaveProperty('deletionTimestamp');
  });

  it('refuses with 429 while a budget allows no disruption, and spends an allowed one', async () => {
    await createPod('web-1', 'Running');
    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
    expect((await call('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', pdb)).status).toBe(201);
    // No disruption controller has looked at it yet.
    const pending = await evict('web-1');
    expect(pending).toMatchObject({ status: 429, json: { reason: 'TooManyRequests', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.', details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }] } } });
    const status = (allowed: number) => call('PATCH', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web/status', { status: { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } });
    expect((await status(0)).status).toBe(200);
    expect((await evict('web-1')).json).toMatchObject({ code: 429, details: { causes: [{ message: 'The disruption budget web needs 1 healthy pods and has 1 currently' }] } });
    expect((await call('GET', '/api/v1/namespaces/default/pods/web-1')).json.metadata).not.toHaveProperty('deletionTimestamp');
    expect((await status(1)).status).toBe(200);
    expect((await evict('web-1')).status).toBe(201);
    const spent = await call('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web');
    expect(spent.json.status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { 'web-1': expect.any(String) as string } });
  });

  it('evicts pods that do not run without asking the budget; checks the name', async () => {
    await createPod('web-pending', 'Pending');
    expect((await evict('web-pending')).status).toBe(201);
    expect((await call('POST', '/api/v1/namespaces/default/pods/web-pending/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } })).json).toMatchObject({ code: 400, message: 'name in URL does not match name in Eviction object' });
    expect((await evict('missing')).json).toMatchObject({ code: 404, message: 'pods "missing" not found' });
  });
});
