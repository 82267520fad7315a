/**
 * Bad input against the API server over HTTPS (SQLite in a temp dir): raw requests with the admin
 * client certificate, and the real `/usr/bin/kubectl` where what it prints matters. Every case
 * checks the status code, the Status reason and the message as Kubernetes 1.32 words them, that
 * nothing was written (the storage revision did not move) and that the server still answers.
 */
import { request } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, kubeconfigYaml, startApiServer, type ApiServer, type TlsMaterial } from '../../src/controlplane/apiserver/index.js';
import { openSqliteBackend, type SqliteBackend } from '../../src/controlplane/storage/index.js';

const KUBECTL = '/usr/bin/kubectl';
let dir = '';
let backend: SqliteBackend | undefined;
let server: ApiServer | undefined;
let tls: TlsMaterial | undefined;
let admin = { certPem: '', keyPem: '' };
let env: Record<string, string> = {};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface Status {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

interface SendOptions {
  body?: string | Buffer;
  contentType?: string;
  /** Send the body chunked (no Content-Length), in pieces of this many bytes. */
  chunked?: number;
  headers?: Record<string, string>;
}

/** One request with the admin client certificate; the whole answer. */
async function send(method: string, path: string, opts: SendOptions = {}): Promise<Answer> {
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (body !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  if (opts.chunked === undefined) headers['Content-Length'] = String(body?.length ?? 0);
  return new Promise((resolve, reject) => {
    const req = request(new URL(`${server?.url ?? ''}${path}`), { method, agent: false, ca: tls?.caPem, cert: admin.certPem, key: admin.keyPem, headers, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
    // The server may answer (413) and close before the whole body is sent: the answer counts.
    req.on('error', (err) => (req.destroyed && (err as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(err)));
    if (body !== undefined && opts.chunked !== undefined) {
      for (let i = 0; i < body.length && !req.destroyed; i += opts.chunked) req.write(body.subarray(i, i + opts.chunked));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** Asserts a Status answer: code, reason and message exactly as upstream. */
function expectStatus(a: Answer, code: number, reason: string, message: string): Status {
  expect(a.headers['content-type']).toBe('application/json');
  const s = JSON.parse(a.text) as Status;
  expect({ status: a.status, kind: s.kind, code: s.code, reason: s.reason, message: s.message }).toEqual({ status: code, kind: 'Status', code, reason, message });
  return s;
}

/** Runs a request that must be refused and checks that the storage did not change. */
async function refused(method: string, path: string, opts: SendOptions = {}): Promise<Answer> {
  const before = await backend?.currentRevision();
  const a = await send(method, path, opts);
  expect(await backend?.currentRevision()).toBe(before);
  return a;
}

async function kubectl(args: string[], input?: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const r = await execa(KUBECTL, args, { env, extendEnv: false, reject: false, timeout: 60_000, ...(input === undefined ? {} : { input }) });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}

const podJson = (name: string, spec: Record<string, unknown> = { containers: [{ name: 'app', image: 'busybox:1.35' }] }, meta: Record<string, unknown> = {}): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec });

/** Upstream `summarizeData(body, 30)`: text when the body starts with `{`, else hex. */
const summary = (body: string): string => {
  const b = Buffer.from(body);
  const head = b.subarray(0, 30);
  return `${b[0] === 0x7b ? head.toString('utf8') : head.toString('hex')}${b.length > 30 ? ' ...' : ''}`;
};

const PODS = '/api/v1/namespaces/default/pods';

beforeAll(async () => {
  dir = await mkdtemp('/var/tmp/tskube-bad-input-');
  backend = openSqliteBackend({ path: join(dir, 'state.db') });
  const pki = await ensurePki(dir, { hosts: ['127.0.0.1'] });
  tls = pki.tls;
  admin = pki.admin;
  server = await startApiServer({ backend, host: '127.0.0.1', port: 0, tls });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigYaml(server.url, pki.tls.caPem, { name: 'admin', ...pki.admin }));
  env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') };
});

afterEach(async () => {
  // The server stays up and keeps serving after every case.
  const health = await send('GET', '/readyz');
  expect(health.status).toBe(200);
  expect((await send('GET', '/api/v1/namespaces/default')).status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  await backend?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('malformed bodies', () => {
  it('malformed JSON is a 400 naming the parse error and the start of the body', async () => {
    const truncated = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}';
    expectStatus(
      await refused('POST', PODS, { body: truncated }),
      400,
      'BadRequest',
      `the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: unexpected end of JSON input (${summary(truncated)})`,
    );
    const trailing = `${podJson('x')}x`;
    expectStatus(
      await refused('POST', PODS, { body: trailing }),
      400,
      'BadRequest',
      `the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: invalid character 'x' after top-level value (${summary(trailing)})`,
    );
    expectStatus(
      await refused('POST', PODS, { body: '' }),
      400,
      'BadRequest',
      `the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)`,
    );
    expectStatus(
      await refused('POST', PODS, { body: '[1,2]' }),
      400,
      'BadRequest',
      `the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b312c325d)`,
    );
  });

  it('malformed YAML (application/yaml) is a 400 with go-yaml\'s wording; valid YAML creates', async () => {
    const nested = 'apiVersion: v1\nkind: Pod\nmetadata:\n name: x\n  bad: y\n';
    expectStatus(
      await refused('POST', PODS, { body: nested, contentType: 'application/yaml' }),
      400,
      'BadRequest',
      `the object provided is unrecognized (must be of type Pod): error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context (${summary(nested)})`,
    );
    const inline = 'apiVersion: v1\nkind: Pod\nmetadata: name: x\n';
    expectStatus(
      await refused('POST', PODS, { body: inline, contentType: 'application/yaml' }),
      400,
      'BadRequest',
      `the object provided is unrecognized (must be of type Pod): error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this context (${summary(inline)})`,
    );
    const tabbed = 'apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n';
    expectStatus(
      await refused('POST', PODS, { body: tabbed, contentType: 'application/yaml' }),
      400,
      'BadRequest',
      `the object provided is unrecognized (must be of type Pod): error converting YAML to JSON: yaml: line 4: found character that cannot start any token (${summary(tabbed)})`,
    );
    const good = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: "1"\n';
    const created = await send('POST', '/api/v1/namespaces/default/configmaps', { body: good, contentType: 'application/yaml' });
    expect(created.status).toBe(201);
    expect((JSON.parse(created.text) as { data: unknown }).data).toEqual({ a: '1' });
  });

  it('wrong Go types are a 400 naming the Go struct field', async () => {
    const deployments = '/apis/apps/v1/namespaces/default/deployments';
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'typed' }, spec: { replicas: 'three', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    expectStatus(
      await refused('POST', deployments, { body: JSON.stringify(dep) }),
      400,
      'BadRequest',
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    expectStatus(
      await refused('POST', PODS, { body: podJson('typed', { containers: {} }) }),
      400,
      'BadRequest',
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container',
    );
    expectStatus(
      await refused('POST', PODS, { body: podJson('typed', { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: '80' }] }] }) }),
      400,
      'BadRequest',
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    );
    expectStatus(
      await refused('POST', PODS, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: 'x' }) }),
      400,
      'BadRequest',
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta',
    );
  });

  it('unknown fields: Strict refuses, Warn warns, Ignore is silent', async () => {
    const body = podJson('unknown', { containers: [{ name: 'app', image: 'busybox:1.35' }], foo: 1 });
    expectStatus(
      await refused('POST', `${PODS}?fieldValidation=Strict`, { body }),
      400,
      'BadRequest',
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"',
    );
    const two = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unknown', bar: 2 }, spec: { containers: [{ name: 'app', image: 'busybox:1.35', baz: true }] } });
    expectStatus(
      await refused('POST', `${PODS}?fieldValidation=Strict`, { body: two }),
      400,
      'BadRequest',
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "metadata.bar", unknown field "spec.containers[0].baz"',
    );

    const warned = await send('POST', `${PODS}?fieldValidation=Warn`, { body });
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toBe('299 - "unknown field \\"spec.foo\\""');
    expect((JSON.parse(warned.text) as { spec: Record<string, unknown> }).spec.foo).toBeUndefined();

    const ignored = await send('POST', `${PODS}?fieldValidation=Ignore`, { body: podJson('unknown-ignored', { containers: [{ name: 'app', image: 'busybox:1.35' }], foo: 1 }) });
    expect(ignored.status).toBe(201);
    expect(ignored.headers.warning).toBeUndefined();

    // kubectl sends fieldValidation=Strict by default, Warn with --validate=warn.
    const manifest = join(dir, 'unknown.yaml');
    await writeFile(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubectl-unknown\ndata:\n  a: "1"\nfoo: bar\n');
    const strict = await kubectl(['create', '-f', manifest]);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${manifest}": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "foo"`);
    expect((await send('GET', '/api/v1/namespaces/default/configmaps/kubectl-unknown')).status).toBe(404);
    const warn = await kubectl(['create', '--validate=warn', '-f', manifest]);
    expect(warn.exitCode).toBe(0);
    expect(warn.stdout.trim()).toBe('configmap/kubectl-unknown created');
    expect(warn.stderr.trim()).toBe('Warning: unknown field "foo"');
  });

  it('a body over 3 MiB is a 413, declared or chunked', async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } });
    expectStatus(await refused('POST', '/api/v1/namespaces/default/configmaps', { body: big }), 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    expectStatus(await refused('POST', '/api/v1/namespaces/default/configmaps', { body: big, chunked: 64 * 1024 }), 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    expect((await send('GET', '/api/v1/namespaces/default/configmaps/big')).status).toBe(404);
  });

  it('an unsupported Content-Type is a 415 listing the accepted media types', async () => {
    expectStatus(
      await refused('POST', PODS, { body: podJson('plain'), contentType: 'text/plain' }),
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    );
  });
});

describe('objects that are not what the endpoint takes', () => {
  it('a kind or apiVersion that does not match the URL is a 400', async () => {
    expectStatus(
      await refused('POST', PODS, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'k' } }) }),
      400,
      'BadRequest',
      'Service in version "v1" cannot be handled as a Pod: converting (v1.Service) to (core.Pod): unknown conversion',
    );
    expectStatus(
      await refused('POST', PODS, { body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Pod', metadata: { name: 'k' } }) }),
      400,
      'BadRequest',
      'Pod in version "v1" cannot be handled as a Pod: no kind "Pod" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"',
    );
    expectStatus(
      await refused('POST', '/api/v1/namespaces/default/pods', { body: podJson('elsewhere', undefined, { namespace: 'kube-system' }) }),
      400,
      'BadRequest',
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  });

  it('an invalid name is a 422 with the DNS-1123 message and the field', async () => {
    const pod = expectStatus(
      await refused('POST', PODS, { body: podJson('Invalid_Name') }),
      422,
      'Invalid',
      `Pod "Invalid_Name" is invalid: metadata.name: Invalid value: "Invalid_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    expect(pod.details).toMatchObject({ name: 'Invalid_Name', kind: 'Pod', causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }] });
    expectStatus(
      await refused('POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Invalid_Name' } }) }),
      422,
      'Invalid',
      `Namespace "Invalid_Name" is invalid: metadata.name: Invalid value: "Invalid_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    );
    const manifest = join(dir, 'invalid-name.yaml');
    await writeFile(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Invalid_Name\n');
    const r = await kubectl(['create', '-f', manifest]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe(
      `The ConfigMap "Invalid_Name" is invalid: metadata.name: Invalid value: "Invalid_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  });

  it('missing required fields are a 422 naming each field', async () => {
    const noContainers = expectStatus(await refused('POST', PODS, { body: podJson('nocontainers', {}) }), 422, 'Invalid', 'Pod "nocontainers" is invalid: spec.containers: Required value');
    expect(noContainers.details?.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }]);
    expectStatus(
      await refused('POST', PODS, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { containers: [{ name: 'a', image: 'b' }] } }) }),
      422,
      'Invalid',
      'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
    );
    expectStatus(
      await refused('POST', '/api/v1/namespaces/default/services', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'noports' }, spec: { selector: { a: 'b' } } }) }),
      422,
      'Invalid',
      'Service "noports" is invalid: spec.ports: Required value',
    );
  });
});

describe('state the request does not fit', () => {
  it('an update with a stale resourceVersion is a 409 and changes nothing', async () => {
    const created = await send('POST', PODS, { body: podJson('stale') });
    expect(created.status).toBe(201);
    const first = JSON.parse(created.text) as { metadata: { resourceVersion: string; labels?: Record<string, string> } };
    const patched = await send('PATCH', `${PODS}/stale`, { body: '{"metadata":{"labels":{"v":"2"}}}', contentType: 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    const stale = JSON.parse(podJson('stale', undefined, { resourceVersion: first.metadata.resourceVersion, labels: { v: 'stale' } })) as object;
    const message = 'Operation cannot be fulfilled on pods "stale": the object has been modified; please apply your changes to the latest version and try again';
    const s = expectStatus(await refused('PUT', `${PODS}/stale`, { body: JSON.stringify(stale) }), 409, 'Conflict', message);
    expect(s.details).toEqual({ name: 'stale', kind: 'pods' });
    expect((JSON.parse((await send('GET', `${PODS}/stale`)).text) as typeof first).metadata.labels).toEqual({ v: '2' });

    // kubectl replace with the old object prints the same Conflict.
    const manifest = join(dir, 'stale.json');
    await writeFile(manifest, JSON.stringify(stale));
    const r = await kubectl(['replace', '-f', manifest]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe(`Error from server (Conflict): error when replacing "${manifest}": ${message}`);
  });

  it('creating in a missing namespace is a 404, in a terminating one a 403; deleting there works', async () => {
    expectStatus(await refused('POST', '/api/v1/namespaces/nope/pods', { body: podJson('x') }), 404, 'NotFound', 'namespaces "nope" not found');
    const r = await kubectl(['create', 'configmap', 'c', '-n', 'nope', '--from-literal=a=b']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe('error: failed to create configmap: namespaces "nope" not found');

    expect((await send('POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ending' } }) })).status).toBe(201);
    // A finalizer keeps the namespace in Terminating.
    const held = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    expect((await send('POST', '/api/v1/namespaces/ending/configmaps', { body: held })).status).toBe(201);
    expect((await send('POST', '/api/v1/namespaces/ending/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' } }) })).status).toBe(201);
    const deleting = await send('DELETE', '/api/v1/namespaces/ending');
    expect(deleting.status).toBe(200);
    expect((JSON.parse(deleting.text) as { status: { phase: string } }).status.phase).toBe('Terminating');

    const s = expectStatus(
      await refused('POST', '/api/v1/namespaces/ending/pods', { body: podJson('late') }),
      403,
      'Forbidden',
      'pods "late" is forbidden: unable to create new content in namespace ending because it is being terminated',
    );
    expect(s.details).toEqual({ name: 'late', kind: 'pods', causes: [{ reason: 'NamespaceTerminating', message: 'namespace ending is being terminated', field: 'metadata.namespace' }] });
    const k = await kubectl(['create', '-n', 'ending', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n');
    expect(k.exitCode).toBe(1);
    expect(k.stderr.trim()).toBe('Error from server (Forbidden): error when creating "STDIN": configmaps "late" is forbidden: unable to create new content in namespace ending because it is being terminated');
    // Deletes are still allowed in a terminating namespace.
    const del = await send('DELETE', '/api/v1/namespaces/ending/configmaps/plain');
    expect(del.status).toBe(200);
    expect((await send('GET', '/api/v1/namespaces/ending/configmaps/plain')).status).toBe(404);
  });

  it('a delete whose preconditions do not match is a 409 and deletes nothing', async () => {
    const created = await send('POST', PODS, { body: podJson('guarded') });
    expect(created.status).toBe(201);
    const meta = (JSON.parse(created.text) as { metadata: { uid: string; resourceVersion: string } }).metadata;
    expectStatus(
      await refused('DELETE', `${PODS}/guarded`, { body: JSON.stringify({ preconditions: { uid: 'not-the-uid' } }) }),
      409,
      'Conflict',
      `Operation cannot be fulfilled on Pod "guarded": the UID in the precondition (not-the-uid) does not match the UID in record (${meta.uid}). The object might have been deleted and then recreated`,
    );
    const s = expectStatus(
      await refused('DELETE', `${PODS}/guarded`, { body: JSON.stringify({ preconditions: { resourceVersion: '1' } }) }),
      409,
      'Conflict',
      `Operation cannot be fulfilled on Pod "guarded": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${meta.resourceVersion}). The object might have been modified`,
    );
    expect(s.details).toEqual({ name: 'guarded', kind: 'Pod' });
    expect((await send('GET', `${PODS}/guarded`)).status).toBe(200);
    const ok = await send('DELETE', `${PODS}/guarded`, { body: JSON.stringify({ preconditions: { uid: meta.uid, resourceVersion: meta.resourceVersion } }) });
    expect(ok.status).toBe(200);
  });

  it('invalid label and field selectors are a 400', async () => {
    const list = async (q: string): Promise<Answer> => refused('GET', `${PODS}?${q}`);
    expectStatus(await list(`labelSelector=${encodeURIComponent('a b')}`), 400, 'BadRequest', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    expectStatus(await list(`labelSelector=${encodeURIComponent('a in (b')}`), 400, 'BadRequest', "unable to parse requirement: found '', expected: ',' or ')'");
    expectStatus(await list(`labelSelector=${encodeURIComponent('a=b c')}`), 400, 'BadRequest', "found 'c', expected: ',' or 'end of string'");
    expectStatus(
      await list(`labelSelector=${encodeURIComponent('Bad_!key=x')}`),
      400,
      'BadRequest',
      `unable to parse requirement: <nil>: Invalid value: "Bad_": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
    expectStatus(await list(`fieldSelector=${encodeURIComponent('spec.foo=x')}`), 400, 'BadRequest', 'field label not supported: spec.foo');
    expectStatus(await list(`watch=true&labelSelector=${encodeURIComponent('a b')}`), 400, 'BadRequest', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  });

  it('a watch from a compacted resourceVersion ends with 410 Expired', async () => {
    const listed = JSON.parse((await send('GET', '/api/v1/namespaces/default/configmaps')).text) as { metadata: { resourceVersion: string } };
    const rv = listed.metadata.resourceVersion;
    for (const name of ['gone-1', 'gone-2']) {
      expect((await send('POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }) })).status).toBe(201);
    }
    const current = (await backend?.currentRevision()) ?? 0;
    await backend?.compact(current);
    // A restarted server no longer has the events in memory: the watch goes to the storage.
    const port = server?.port ?? 0;
    await server?.close();
    if (!backend || !tls) throw new Error('not started');
    server = await startApiServer({ backend, host: '127.0.0.1', port, tls });
    const w = await send('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`);
    expect(w.status).toBe(200);
    expect(w.headers['content-type']).toBe('application/json');
    const lines = w.text.split('\n').filter((l) => l !== '');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rv} (${current})`, reason: 'Expired', code: 410 } },
    ]);
    // A resourceVersion ahead of the store is refused at once.
    const ahead = current + 1000;
    expectStatus(
      await refused('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${ahead}`),
      504,
      'Timeout',
      `Timeout: Too large resource version: ${ahead}, current: ${current}`,
    );
  });
});
