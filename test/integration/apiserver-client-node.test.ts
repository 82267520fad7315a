/**
 * The API server driven by `@kubernetes/client-node` 1.4 over HTTPS with the admin client
 * certificate, on SQLite in a temp dir: typed CoreV1Api/AppsV1Api calls, and a pod informer that
 * sees adds/updates/deletes, survives an API server restart (same port, same data) and, after a
 * compaction made its resourceVersion too old, gets a 410, re-lists and ends with the right state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  ListWatch,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type ObjectCache,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, kubeconfigYaml, startApiServer, type ApiServer, type TlsMaterial } from '../../src/controlplane/apiserver/index.js';
import { openSqliteBackend, type SqliteBackend } from '../../src/controlplane/storage/index.js';
import { freePort } from '../../src/images/index.js';

let dir = '';
let port = 0;
let tls: TlsMaterial | undefined;
let adminCert = { certPem: '', keyPem: '' };
let backend: SqliteBackend | undefined;
let server: ApiServer | undefined;


/** Opens the SQLite file of the data dir and serves it on `p` (the test's port by default). */
async function startServer(p = port): Promise<{ backend: SqliteBackend; server: ApiServer }> {
  if (!tls) throw new Error('no PKI');
  const b = openSqliteBackend({ path: join(dir, 'state.db') });
  try {
    return { backend: b, server: await startApiServer({ backend: b, host: '127.0.0.1', port: p, tls }) };
  } catch (err) {
    await b.close();
    throw err;
  }
}

async function stopServer(s: { backend: SqliteBackend; server: ApiServer } | undefined): Promise<void> {
  await s?.server.close();
  await s?.backend.close();
}

function kubeConfig(p = port): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(`https://127.0.0.1:${p}`, tls?.caPem ?? '', { name: 'admin', ...adminCert }));
  return kc;
}

function pod(name: string, labels: Record<string, string> = { app: 'informed' }): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'busybox:1.35' }] } };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: { reason?: string; message?: string } }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) {
      const body: unknown = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      return { code: err.code, body: body as { reason?: string; message?: string } };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  dir = await mkdtemp('/var/tmp/tskube-client-node-');
  port = await freePort();
  const pki = await ensurePki(dir, { hosts: ['127.0.0.1'] });
  tls = pki.tls;
  adminCert = pki.admin;
  backend = openSqliteBackend({ path: join(dir, 'state.db') });
  server = await startApiServer({ backend, host: '127.0.0.1', port, tls });
});

afterAll(async () => {
  await server?.close();
  await backend?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('@kubernetes/client-node against the tskube API server', () => {
  it('creates, lists, gets, patches and deletes through CoreV1Api and AppsV1Api', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const apps = kubeConfig().makeApiClient(AppsV1Api);

    const ns = await core.createNamespace({ body: { metadata: { name: 'typed' } } });
    expect(ns.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const cm = await core.createNamespacedConfigMap({ namespace: 'typed', body: { metadata: { name: 'conf' }, data: { a: '1' } } });
    expect(cm.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect((await core.readNamespacedConfigMap({ namespace: 'typed', name: 'conf' })).data).toEqual({ a: '1' });
    const patched = await core.patchNamespacedConfigMap(
      { namespace: 'typed', name: 'conf', body: { data: { b: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const jsonPatched = await core.patchNamespacedConfigMap(
      { namespace: 'typed', name: 'conf', body: [{ op: 'remove', path: '/data/a' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(jsonPatched.data).toEqual({ b: '2' });

    const dep = await apps.createNamespacedDeployment({
      namespace: 'typed',
      body: {
        metadata: { name: 'web' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
      },
    });
    expect(dep.metadata?.generation).toBe(1);
    // Defaulting as upstream: strategy, revisionHistoryLimit, progressDeadlineSeconds.
    expect(dep.spec?.strategy?.type).toBe('RollingUpdate');
    expect(dep.spec?.revisionHistoryLimit).toBe(10);
    const scaled = await apps.patchNamespacedDeployment(
      { namespace: 'typed', name: 'web', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(scaled.spec?.template.spec?.containers.map((c) => c.image)).toEqual(['nginx:1.28']);
    expect(scaled.metadata?.generation).toBe(2);
    const scale = await apps.replaceNamespacedDeploymentScale({ namespace: 'typed', name: 'web', body: { metadata: { name: 'web', namespace: 'typed' }, spec: { replicas: 3 } } });
    expect(scale.spec?.replicas).toBe(3);
    expect((await apps.readNamespacedDeployment({ namespace: 'typed', name: 'web' })).spec?.replicas).toBe(3);
    const list = await apps.listNamespacedDeployment({ namespace: 'typed' });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(['web']);
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);

    // A typed client reads the Status of a failure: 404 and 409 as upstream words them.
    const missing = await apiError(core.readNamespacedPod({ namespace: 'typed', name: 'nope' }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found' });
    const dup = await apiError(core.createNamespacedConfigMap({ namespace: 'typed', body: { metadata: { name: 'conf' } } }));
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "conf" already exists' });

    await apps.deleteNamespacedDeployment({ namespace: 'typed', name: 'web' });
    await core.deleteNamespacedConfigMap({ namespace: 'typed', name: 'conf' });
    expect((await apiError(core.readNamespacedConfigMap({ namespace: 'typed', name: 'conf' }))).code).toBe(404);
    expect((await apps.listNamespacedDeployment({ namespace: 'typed' })).items).toEqual([]);
  });

  it('an informer on pods follows changes across a restart and a compaction (410, re-list)', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const names = async (): Promise<string[]> => (await core.listNamespacedPod({ namespace: 'default' })).items.map((p) => p.metadata?.name ?? '').sort();
    await core.createNamespacedPod({ namespace: 'default', body: pod('before') });

    const events: string[] = [];
    const errors: unknown[] = [];
    let stopped = false;
    let lists = 0;
    const informer: Informer<V1Pod> & ObjectCache<V1Pod> = makeInformer(kubeConfig(), '/api/v1/namespaces/default/pods', () => {
      lists++;
      return core.listNamespacedPod({ namespace: 'default' });
    });
    informer.on('add', (p) => events.push(`add ${p.metadata?.name ?? ''}`));
    informer.on('update', (p) => events.push(`update ${p.metadata?.name ?? ''} ${JSON.stringify(p.metadata?.labels)}`));
    informer.on('delete', (p) => events.push(`delete ${p.metadata?.name ?? ''}`));
    // client-node's documented pattern: an informer stops on any error but a 410; restart it.
    informer.on('error', (err) => {
      errors.push(err);
      if (!stopped) setTimeout(() => void informer.start(), 200);
    });
    const cached = (): string[] => informer.list('default').map((p) => p.metadata?.name ?? '').sort();
    const has = (e: string): boolean => events.includes(e);
    try {
      await informer.start();
      await waitFor('the initial list', () => has('add before'));

      // 1. Adds, updates and deletes arrive through the watch.
      await core.createNamespacedPod({ namespace: 'default', body: pod('one') });
      await core.patchNamespacedPod({ namespace: 'default', name: 'one', body: { metadata: { labels: { app: 'informed', step: '1' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await core.createNamespacedPod({ namespace: 'default', body: pod('two') });
      await core.deleteNamespacedPod({ namespace: 'default', name: 'two' });
      await waitFor('the watched changes', () => has('delete two'));
      expect(events).toEqual(['add before', 'add one', 'update one {"app":"informed","step":"1"}', 'add two', 'delete two']);
      expect(errors).toEqual([]);
      expect(lists).toBe(1);

      // 2. Restart: same port, same SQLite file. The informer reconnects and keeps its resourceVersion.
      const rvBefore = rvOf(informer);
      // The server ends open watches cleanly when it stops (the chunked stream is terminated, not cut).
      let connected: () => void = () => undefined;
      const headers = new Promise<void>((r) => (connected = r));
      const open = rawWatch(`/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rvBefore}`, connected);
      await headers;
      await server?.close();
      expect(await open).toEqual({ status: 200, contentType: 'application/json', body: '' });
      await backend?.close();
      server = undefined;
      backend = undefined;
      await waitFor('the informer to notice the restart', () => errors.length > 0);
      const restarted = await startServer();
      ({ backend, server } = restarted);
      events.length = 0;
      await core.createNamespacedPod({ namespace: 'default', body: pod('three') });
      await core.patchNamespacedPod({ namespace: 'default', name: 'before', body: { metadata: { labels: { app: 'informed', step: '2' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await core.deleteNamespacedPod({ namespace: 'default', name: 'one' });
      await waitFor('changes after the restart', () => has('delete one'));
      // Only the changes: the informer resumed from its resourceVersion and did not re-list.
      expect(events).toEqual(['add three', 'update before {"app":"informed","step":"2"}', 'delete one']);
      expect(Number(rvOf(informer))).toBeGreaterThan(Number(rvBefore));
      expect(cached()).toEqual(await names());
      expect(lists).toBe(1);

      // 3. While the informer is cut off (server down on its port), the same data is changed
      //    through a server on another port and the storage is compacted past the informer's
      //    resourceVersion. Back on its port, the informer's watch gets a 410 and it re-lists.
      const staleRv = Number(rvOf(informer));
      await stopServer({ backend: restarted.backend, server: restarted.server });
      server = undefined;
      backend = undefined;
      const errorsBefore = errors.length;
      await waitFor('the informer to notice the second stop', () => errors.length > errorsBefore);
      const other = await startServer(await freePort());
      try {
        const core2 = kubeConfig(other.server.port).makeApiClient(CoreV1Api);
        await core2.createNamespacedPod({ namespace: 'default', body: pod('four') });
        await core2.deleteNamespacedPod({ namespace: 'default', name: 'three' });
        await core2.patchNamespacedPod({ namespace: 'default', name: 'before', body: { metadata: { labels: { app: 'informed', step: '3' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
        const current = await other.backend.currentRevision();
        expect(current).toBeGreaterThan(staleRv);
        await other.backend.compact(current);
      } finally {
        await stopServer(other);
      }
      events.length = 0;
      const back = await startServer();
      ({ backend, server } = back);
      // The raw watch from the stale resourceVersion is refused with 410 Expired, as upstream.
      const raw = await rawWatch(`/api/v1/namespaces/default/pods?watch=true&resourceVersion=${staleRv}`);
      expect(raw.status).toBe(200);
      expect(raw.contentType).toBe('application/json');
      expect(JSON.parse(raw.body.trim())).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: expect.stringMatching(new RegExp(`^too old resource version: ${staleRv} \\(\\d+\\)$`)) } });

      await waitFor('the re-list after 410', () => has('add four') && has('delete three') && events.some((e) => e.startsWith('update before')));
      expect([...events].sort()).toEqual(['add four', 'delete three', 'update before {"app":"informed","step":"3"}']);
      expect(cached()).toEqual(['before', 'four']);
      expect(lists).toBe(2);
      expect(await names()).toEqual(['before', 'four']);

      // 4. And it keeps watching after the re-list.
      events.length = 0;
      await core.createNamespacedPod({ namespace: 'default', body: pod('five') });
      await core.deleteNamespacedPod({ namespace: 'default', name: 'four' });
      await waitFor('changes after the re-list', () => has('delete four'));
      expect(events).toEqual(['add five', 'delete four']);
      expect(cached()).toEqual(await names());
      expect(informer.get('before', 'default')?.metadata?.labels).toEqual({ app: 'informed', step: '3' });
    } finally {
      stopped = true;
      await informer.stop();
    }
  });
});

/** The resourceVersion the informer would watch from (makeInformer returns a ListWatch). */
function rvOf(informer: Informer<V1Pod>): string {
  return (informer as unknown as ListWatch<V1Pod>).latestResourceVersion();
}

/** A watch request as client-node's informer sends it (Accept: any), read until the server ends it. */
async function rawWatch(path: string, onHeaders: () => void = () => undefined): Promise<{ status: number; contentType: string; body: string }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`https://127.0.0.1:${port}${path}`),
      { ca: tls?.caPem, cert: adminCert.certPem, key: adminCert.keyPem, headers: { Accept: '*/*' }, timeout: 30_000 },
      (res) => {
        onHeaders();
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('watch did not end')));
    req.on('error', reject);
    req.end();
  });
}
