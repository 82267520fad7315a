/**
 * The API server over HTTP on the in-memory backend: routing, negotiation, Status answers for bad
 * input, watches (RV semantics, 410, bookmarks, timeouts, Tables), subresources and patches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBackend, type Backend } from '../storage/index.js';
import { startApiServer, type ApiServer } from './apiserver.js';
import { DISCOVERY_V2_CONTENT_TYPE } from './handlers/discovery.js';

let backend: Backend;
let server: ApiServer;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
  const res = await fetch(`${server.url}${path}`, init);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json, headers: res.headers };
}

/** Reads watch events until `n` arrived or the stream ends. */
async function watchEvents(path: string, n: number, accept = 'application/json'): Promise<{ type: string; object: Record<string, unknown> }[]> {
  const res = await fetch(`${server.url}${path}`, { headers: { Accept: accept } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const out: { type: string; object: Record<string, unknown> }[] = [];
  let buf = '';
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += Buffer.from(value).toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0 && out.length < n) {
      out.push(JSON.parse(buf.slice(0, nl)) as { type: string; object: Record<string, unknown> });
      buf = buf.slice(nl + 1);
    }
  }
  await reader.cancel();
  return out;
}

const cm = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });

beforeAll(async () => {
  backend = createMemoryBackend({});
  server = await startApiServer({ backend, insecureLoopback: true, port: 0, watch: { bookmarkIntervalMs: 100 } });
});

afterAll(async () => {
  await server.close();
  await backend.close();
});

describe('discovery and non-resource paths', () => {
  it('serves version, health and aggregated discovery with the exact content type', async () => {
    expect((await call('GET', '/version')).json).toMatchObject({ major: '1', minor: '32' });
    expect((await call('GET', '/readyz')).json).toEqual({ text: 'ok' });
    const res = await fetch(`${server.url}/api`, { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    expect(res.headers.get('content-type')).toBe(DISCOVERY_V2_CONTENT_TYPE);
    const doc = (await res.json()) as { items: { versions: { resources: { resource: string; shortNames?: string[] }[] }[] }[] };
    expect(doc.items[0]?.versions[0]?.resources.find((r) => r.resource === 'pods')?.shortNames).toEqual(['po']);
    const legacy = await call('GET', '/api/v1');
    expect((legacy.json.resources as { name: string }[]).map((r) => r.name)).toEqual(expect.arrayContaining(['pods', 'pods/status', 'pods/log', 'pods/binding', 'namespaces/finalize']));
    const groups = (await call('GET', '/apis')).json as { kind: string; groups: { name: string }[] };
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups.map((g) => g.name)).toEqual(['authentication.k8s.io', 'authorization.k8s.io', 'coordination.k8s.io', 'apps', 'batch', 'certificates.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io']);
    const openapi = await call('GET', '/openapi/v3');
    expect(Object.keys(openapi.json.paths as object)).toEqual(['api/v1', 'apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/certificates.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/events.k8s.io/v1', 'apis/policy/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/scheduling.k8s.io/v1', 'apis/storage.k8s.io/v1']);
    const podsDoc = await call('GET', (openapi.json.paths as Record<string, { serverRelativeURL: string }>)['api/v1']?.serverRelativeURL ?? '');
    expect((podsDoc.json.paths as Record<string, { patch: unknown }>)['/api/v1/namespaces/{namespace}/pods/{name}']?.patch).toMatchObject({
      'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind: 'Pod' },
      parameters: expect.arrayContaining([expect.objectContaining({ name: 'fieldValidation', in: 'query' })]),
    });
  });

  it('answers unknown paths 404 and unsupported verbs 405 with Status bodies', async () => {
    expect(await call('GET', '/api/v1/foos')).toMatchObject({ status: 404, json: { kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource' } });
    expect(await call('DELETE', '/api/v1/namespaces/default/pods/x/binding')).toMatchObject({ status: 405, json: { reason: 'MethodNotAllowed' } });
    expect((await call('GET', '/api/v1/namespaces/default/configmaps', undefined, { Accept: 'application/vnd.kubernetes.protobuf' })).status).toBe(406);
  });
});

describe('bad input', () => {
  it('400 for malformed JSON, 413 for huge bodies, 415 for unknown media types, 422 for invalid objects', async () => {
    const bad = await call('POST', '/api/v1/namespaces/default/configmaps', '{"metadata":');
    expect(bad).toMatchObject({ status: 400, json: { reason: 'BadRequest', message: `the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input ({"metadata":)` } });
    const huge = await call('POST', '/api/v1/namespaces/default/configmaps', cm('huge', { data: { a: 'x'.repeat(3 * 1024 * 1024) } }));
    expect(huge).toMatchObject({ status: 413, json: { reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' } });
    const media = await call('POST', '/api/v1/namespaces/default/configmaps', 'x', { 'Content-Type': 'text/plain' });
    expect(media).toMatchObject({ status: 415, json: { reason: 'UnsupportedMediaType' } });
    const invalid = await call('POST', '/api/v1/namespaces/default/configmaps', cm('Bad_Name'));
    expect(invalid).toMatchObject({ status: 422, json: { reason: 'Invalid', details: { name: 'Bad_Name', kind: 'ConfigMap', causes: [{ field: 'metadata.name', reason: 'FieldValueInvalid' }] } } });
    const missingNs = await call('POST', '/api/v1/namespaces/nope/configmaps', cm('x'));
    expect(missingNs).toMatchObject({ status: 404, json: { message: 'namespaces "nope" not found' } });
    expect((await call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=a%20b')).status).toBe(400);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=spec.x%3D1')).json.message).toBe('field label not supported: spec.x');
  });

  it('dryRun never persists', async () => {
    const res = await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'));
    expect(res.status).toBe(201);
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
    expect((await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', cm('dry'))).status).toBe(422);
  });
});

describe('patches and subresources', () => {
  it('applies merge, JSON, strategic and apply patches; 422 for an apply without fieldManager or when a JSON patch does not apply', async () => {
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('p'));
    const merge = await call('PATCH', '/api/v1/namespaces/default/configmaps/p', { data: { b: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(merge.json.data).toEqual({ a: '1', b: '2' });
    const json = await call('PATCH', '/api/v1/namespaces/default/configmaps/p', [{ op: 'remove', path: '/data/a' }], { 'Content-Type': 'application/json-patch+json' });
    expect(json.json.data).toEqual({ b: '2' });
    const failed = await call('PATCH', '/api/v1/namespaces/default/configmaps/p', [{ op: 'test', path: '/data/b', value: 'x' }], { 'Content-Type': 'application/json-patch+json' });
    expect(failed).toMatchObject({ status: 422, json: { reason: 'Invalid', message: 'the server rejected our request due to an error in our request' } });
    const apply = await call('PATCH', '/api/v1/namespaces/default/configmaps/p', '{}', { 'Content-Type': 'application/apply-patch+yaml' });
    expect(apply).toMatchObject({ status: 422, json: { message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch' } });
    const applied = await call('PATCH', '/api/v1/namespaces/default/configmaps/p?fieldManager=m', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { c: '3' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    expect(applied).toMatchObject({ status: 200, json: { data: { b: '2', c: '3' } } });
    const missing = await call('PATCH', '/api/v1/namespaces/default/configmaps/none', {}, { 'Content-Type': 'application/merge-patch+json' });
    expect(missing).toMatchObject({ status: 404, json: { message: 'configmaps "none" not found' } });
  });

  it('binds pods and updates status through /status only', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' }, spec: { containers: [{ name: 'a', image: 'i' }] } };
    expect((await call('POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
    const bind = await call('POST', '/api/v1/namespaces/default/pods/b/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { kind: 'Node', name: 'n1' } });
    expect(bind).toMatchObject({ status: 201, json: { kind: 'Status', status: 'Success' } });
    const again = await call('POST', '/api/v1/namespaces/default/pods/b/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { name: 'n2' } });
    expect(again).toMatchObject({ status: 409, json: { message: 'Operation cannot be fulfilled on pods/binding "b": pod b is already assigned to node "n1"' } });
    const status = await call('PATCH', '/api/v1/namespaces/default/pods/b/status', { status: { phase: 'Running' }, spec: { nodeName: 'x' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(status.json).toMatchObject({ spec: { nodeName: 'n1' }, status: { phase: 'Running' } });
    const del = await call('DELETE', '/api/v1/namespaces/default/pods/b');
    expect(del.json.metadata).toMatchObject({ deletionGracePeriodSeconds: 30 });
    expect((await call('DELETE', '/api/v1/namespaces/default/pods/b', { gracePeriodSeconds: 0 })).status).toBe(200);
    expect((await call('GET', '/api/v1/namespaces/default/pods/b')).status).toBe(404);
  });
});

describe('watch', () => {
  it('sends the current state first without a resourceVersion, then changes', async () => {
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('w1'));
    const events = watchEvents('/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dw1', 2);
    await new Promise((r) => setTimeout(r, 100));
    await call('PATCH', '/api/v1/namespaces/default/configmaps/w1', { data: { z: '1' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect((await events).map((e) => e.type)).toEqual(['ADDED', 'MODIFIED']);
  });

  it('replays from a resourceVersion, sends Table rows and bookmarks, and ends on timeoutSeconds', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm('w2'));
    const rv = Number((created.json.metadata as { resourceVersion: string }).resourceVersion);
    await call('DELETE', '/api/v1/namespaces/default/configmaps/w2');
    const tables = await watchEvents(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv - 1}&fieldSelector=metadata.name%3Dw2`, 2, TABLE);
    expect(tables.map((e) => [e.type, e.object.kind, (e.object.columnDefinitions as unknown[] | undefined)?.length ?? 0])).toEqual([
      ['ADDED', 'Table', 3],
      ['DELETED', 'Table', 0],
    ]);
    const bookmarks = await watchEvents(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=1&labelSelector=none%3Dyes`, 5);
    expect(bookmarks.length).toBeGreaterThan(0);
    expect(bookmarks.every((e) => e.type === 'BOOKMARK' && e.object.kind === 'ConfigMap')).toBe(true);
  });

  it('ends with an in-stream 410 Expired when the resourceVersion is older than memory and storage hold', async () => {
    // A second server over a compacted store: its fan-out starts after the compaction point.
    const other = createMemoryBackend({});
    await other.create('/registry/configmaps/default/old', JSON.stringify(cm('old')));
    await other.create('/registry/configmaps/default/old2', JSON.stringify(cm('old2')));
    await other.compact(await other.currentRevision());
    const second = await startApiServer({ backend: other, insecureLoopback: true, port: 0 });
    try {
      const res = await fetch(`${second.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2`);
      const [line] = (await res.text()).split('\n');
      expect(JSON.parse(line ?? '')).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 2 (3)' } });
    } finally {
      await second.close();
      await other.close();
    }
    expect((await call('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=99999999')).status).toBe(504);
  });
});
