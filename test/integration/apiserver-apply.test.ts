/**
 * Server-side apply driven by the real `/usr/bin/kubectl` (v1.32) against the API server on
 * SQLite: creating and updating with `apply --server-side`, pruning fields removed from the
 * manifest, conflicts with other managers (kubectl's error text as against Kubernetes),
 * `--force-conflicts`, managedFields shown only with `--show-managed-fields`, the client-side to
 * server-side upgrade, and a pod whose containers merge by name across two managers.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type KubectlRun, type TestApiServer } from './helpers/apiserver.js';

let api: TestApiServer;

/** An apply patch sent with the admin client certificate; the status code and parsed body. */
async function applyRequest(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const headers = { 'Content-Type': 'application/apply-patch+yaml', 'Content-Length': String(data.length) };
    const req = request(new URL(`${api.server.url}${path}`), { method: 'PATCH', ca: api.pki.tls.caPem, cert: api.pki.admin.certPem, key: api.pki.admin.keyPem, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const kubectl = (args: string[]): Promise<KubectlRun> => api.kubectl(args);
const ok = (args: string[]): Promise<string> => api.ok(args);

/** Writes a manifest into the temp dir and returns its path. */
async function manifest(name: string, text: string): Promise<string> {
  const path = join(api.dir, name);
  await writeFile(path, text);
  return path;
}

interface Obj {
  metadata: { annotations?: Record<string, string>; labels?: Record<string, string>; managedFields?: { manager: string; operation: string; subresource?: string; fieldsV1: Record<string, unknown> }[] };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

async function getYaml(args: string[]): Promise<Obj> {
  return parseYaml(await ok(['get', ...args, '-o', 'yaml'])) as Obj;
}

const deployment = (opts: { replicas?: number; image: string; minReadySeconds?: number; note?: string }): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
${opts.note ? `  annotations:\n    note: ${opts.note}\n` : ''}spec:
${opts.replicas === undefined ? '' : `  replicas: ${opts.replicas}\n`}${opts.minReadySeconds === undefined ? '' : `  minReadySeconds: ${opts.minReadySeconds}\n`}  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${opts.image}
        ports:
        - containerPort: 80
`;

/** kubectl's own advice after an apply conflict, as it prints it against Kubernetes. */
const CONFLICT_HINT = `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.`;

beforeAll(async () => {
  api = await startTestApiServer('apiserver-apply');
});

afterAll(async () => {
  await api?.close();
});

describe('kubectl apply --server-side', () => {
  it('creates, updates and prunes a Deployment, then conflicts with another manager until forced', async () => {
    const v1 = await manifest('deploy-1.yaml', deployment({ replicas: 2, image: 'nginx:1.27', minReadySeconds: 5, note: 'first' }));
    expect(await ok(['apply', '--server-side', '-f', v1])).toBe('deployment.apps/web serverside-applied');
    let d = await getYaml(['deploy', 'web', '--show-managed-fields']);
    expect(d.spec).toMatchObject({ replicas: 2, minReadySeconds: 5 });
    expect(d.metadata.annotations).toEqual({ note: 'first' });
    const applier = d.metadata.managedFields?.find((m) => m.manager === 'kubectl' && m.operation === 'Apply');
    expect(applier?.fieldsV1).toMatchObject({
      'f:spec': { 'f:replicas': {}, 'f:minReadySeconds': {}, 'f:selector': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
    });

    // A changed field is updated; fields dropped from the manifest are removed from the object.
    const v2 = await manifest('deploy-2.yaml', deployment({ replicas: 3, image: 'nginx:1.28' }));
    expect(await ok(['apply', '--server-side', '-f', v2])).toBe('deployment.apps/web serverside-applied');
    d = await getYaml(['deploy', 'web']);
    expect(d.spec?.replicas).toBe(3);
    expect(d.spec?.minReadySeconds).toBeUndefined();
    expect(d.metadata.annotations).toBeUndefined();
    expect(JSON.stringify(d.spec)).toContain('nginx:1.28');
    // kubectl strips managedFields unless asked to show them.
    expect(d.metadata.managedFields).toBeUndefined();

    await ok(['label', 'deploy', 'web', 'tier=frontend']);
    expect(await ok(['scale', 'deploy', 'web', '--replicas=5'])).toBe('deployment.apps/web scaled');
    const v3 = await manifest('deploy-3.yaml', deployment({ replicas: 4, image: 'nginx:1.28' }));
    const conflict = await kubectl(['apply', '--server-side', '-f', v3]);
    expect(conflict.exitCode).toBe(1);
    expect(conflict.stderr).toContain(`error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas\n${CONFLICT_HINT}`);
    expect((await getYaml(['deploy', 'web'])).spec?.replicas).toBe(5);

    expect(await ok(['apply', '--server-side', '--force-conflicts', '-f', v3])).toBe('deployment.apps/web serverside-applied');
    d = await getYaml(['deploy', 'web', '--show-managed-fields']);
    expect(d.spec?.replicas).toBe(4);
    const managers = (d.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}${m.subresource ? `/${m.subresource}` : ''}`);
    expect(managers).toContain('kubectl/Apply');
    expect(managers).toContain('kubectl-label/Update');
    // The scaler lost .spec.replicas (its only field) to the forced apply.
    expect(managers).not.toContain('kubectl/Update/scale');
    expect(d.metadata.labels).toEqual({ tier: 'frontend' });

    // dryRun never persists; diff goes through the same apply.
    const v4 = await manifest('deploy-4.yaml', deployment({ replicas: 6, image: 'nginx:1.28' }));
    expect(await ok(['apply', '--server-side', '--dry-run=server', '-f', v4])).toBe('deployment.apps/web serverside-applied (server dry run)');
    expect((await getYaml(['deploy', 'web'])).spec?.replicas).toBe(4);
    const diff = await kubectl(['diff', '--server-side', '-f', v4]);
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toMatch(/^- {2}replicas: 4\n\+ {2}replicas: 6$/m);

    // A field the type does not have is refused as upstream refuses it.
    const bad = await manifest('deploy-bad.yaml', deployment({ replicas: 4, image: 'nginx:1.28' }).replace('spec:\n', 'spec:\n  foo: 1\n'));
    const refused = await kubectl(['apply', '--server-side', '-f', bad]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema');
  });

  it('prunes ConfigMap data and upgrades from client-side apply without conflicts', async () => {
    const cm = (data: Record<string, string>): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"\n`).join('')}`;
    expect(await ok(['apply', '--server-side', '-f', await manifest('cm-1.yaml', cm({ a: '1', b: '2' }))])).toBe('configmap/settings serverside-applied');
    expect(await ok(['apply', '--server-side', '-f', await manifest('cm-2.yaml', cm({ a: '10' }))])).toBe('configmap/settings serverside-applied');
    expect((await getYaml(['configmap', 'settings'])).data).toEqual({ a: '10' });

    // Client-side apply first, then server-side apply of a changed value: upstream lets kubectl take over.
    expect(await ok(['apply', '-f', await manifest('csa-1.yaml', cm({ x: '1' }).replace('settings', 'csa'))])).toBe('configmap/csa created');
    expect(await ok(['apply', '--server-side', '-f', await manifest('csa-2.yaml', cm({ x: '2' }).replace('settings', 'csa'))])).toBe('configmap/csa serverside-applied');
    const c = await getYaml(['configmap', 'csa', '--show-managed-fields']);
    expect(c.data).toEqual({ x: '2' });
    expect(JSON.parse(c.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}')).toMatchObject({ data: { x: '2' } });
    expect((c.metadata.managedFields ?? []).map((m) => m.manager)).toContain('kubectl');

    // An edit by another manager (different value, no last-applied match) conflicts.
    await ok(['patch', 'configmap', 'csa', '--type=merge', '-p', '{"data":{"x":"3"}}']);
    const r = await kubectl(['apply', '--server-side', '-f', await manifest('csa-3.yaml', cm({ x: '4' }).replace('settings', 'csa'))]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.x');
  });

  it('merges a Pod\'s containers by name across two managers', async () => {
    const podA = `apiVersion: v1
kind: Pod
metadata:
  name: merged
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sleep", "3600"]
`;
    const podB = `apiVersion: v1
kind: Pod
metadata:
  name: merged
spec:
  containers:
  - name: main
    image: busybox:1.37
`;
    expect(await ok(['apply', '--server-side', '--field-manager=team-a', '-f', await manifest('pod-a.yaml', podA)])).toBe('pod/merged serverside-applied');
    const conflict = await kubectl(['apply', '--server-side', '--field-manager=team-b', '-f', await manifest('pod-b.yaml', podB)]);
    expect(conflict.exitCode).toBe(1);
    expect(conflict.stderr).toContain('error: Apply failed with 1 conflict: conflict with "team-a": .spec.containers[name="main"].image\n');
    expect(await ok(['apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-f', join(api.dir, 'pod-b.yaml')])).toBe('pod/merged serverside-applied');
    const pod = await getYaml(['pod', 'merged', '--show-managed-fields']);
    const containers = pod.spec?.containers as { name: string; image: string; command?: string[] }[];
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ name: 'main', image: 'busybox:1.37', command: ['sleep', '3600'] });
    const fields = Object.fromEntries((pod.metadata.managedFields ?? []).map((m) => [m.manager, m.fieldsV1]));
    expect(fields['team-b']).toEqual({ 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } });
    expect(fields['team-a']).toEqual({ 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:command': {}, 'f:name': {} } } } });
  });

  it('applies through the scale subresource, taking .spec.replicas from its owner when forced', async () => {
    await ok(['create', 'deployment', 'scaled', '--image=nginx:1.27', '--replicas=2']);
    const path = '/apis/apps/v1/namespaces/default/deployments/scaled/scale';
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scaled' }, spec: { replicas: 4 } };
    expect(await applyRequest(path, scale)).toMatchObject({ status: 422, json: { message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch' } });
    const conflict = await applyRequest(`${path}?fieldManager=autoscaler`, scale);
    expect(conflict).toMatchObject({
      status: 409,
      json: {
        reason: 'Conflict',
        message: 'Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas',
        details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-create" using apps/v1', field: '.spec.replicas' }] },
      },
    });
    const forced = await applyRequest(`${path}?fieldManager=autoscaler&force=true`, scale);
    expect(forced).toMatchObject({ status: 200, json: { kind: 'Scale', spec: { replicas: 4 } } });
    const d = await getYaml(['deploy', 'scaled', '--show-managed-fields']);
    expect(d.spec?.replicas).toBe(4);
    const fields = Object.fromEntries((d.metadata.managedFields ?? []).map((m) => [`${m.manager}/${m.operation}${m.subresource ? `/${m.subresource}` : ''}`, m.fieldsV1]));
    expect(fields['autoscaler/Apply/scale']).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(JSON.stringify(fields['kubectl-create/Update'])).not.toContain('f:replicas');
  });
});
