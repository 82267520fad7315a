/**
 * The API server driven by the real `/usr/bin/kubectl` (v1.32) over HTTPS with the generated admin
 * kubeconfig, on SQLite in a temp dir: every command's output is compared with what kubectl
 * prints against a real Kubernetes API server (headers, rows, error texts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, kubeconfigYaml } from '../../src/controlplane/apiserver/index.js';
import { startTestApiServer, type KubectlOptions, type KubectlRun, type TestApiServer } from './helpers/apiserver.js';

let api: TestApiServer;
const kubectl = (args: string[], opts?: KubectlOptions): Promise<KubectlRun> => api.kubectl(args, opts);
const ok = (args: string[], opts?: KubectlOptions): Promise<string> => api.ok(args, opts);

/** A request with the admin client certificate, as the kubelet would make it. */
async function adminRequest(method: string, path: string, body?: unknown): Promise<number> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const url = new URL(`${api.server.url}${path}`);
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    // An explicit length: Node sends DELETE bodies neither chunked nor with a length otherwise.
    const headers = { 'Content-Type': 'application/json', 'Content-Length': String(data?.length ?? 0) };
    const req = request(url, { method, ca: api.pki.tls.caPem, cert: api.pki.admin.certPem, key: api.pki.admin.keyPem, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** A table line with its ages (`0s`, `12s`) as `<age>`. */
const aged = (line: string | undefined): string => (line ?? '').replace(/\b\d+s\b( *)/g, (_m, pad: string) => (pad ? '<age> ' : '<age>'));

/** A GET without client certificate; the Status message when it fails. */
async function anonymousRequest(path: string): Promise<{ status: number; message?: string }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(new URL(`${api.server.url}${path}`), { ca: api.pki.tls.caPem }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve(status >= 400 ? { status, message: (JSON.parse(text) as { message: string }).message } : { status });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: app
    image: busybox:1.35
    command: ["sleep", "3600"]
`;

beforeAll(async () => {
  api = await startTestApiServer('apiserver');
  await writeFile(join(api.dir, 'pod.yaml'), POD);
});

afterAll(async () => {
  await api?.close();
});

describe('kubectl against the tskube API server', () => {
  it('version and api-resources', async () => {
    expect(await ok(['version'])).toMatch(/^Server Version: v1\.32\.0-tskube$/m);
    const resources = await ok(['api-resources']);
    expect(resources).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
    expect(resources).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(resources).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    expect(await ok(['get', 'namespaces', '-o', 'name'])).toBe('namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system');
  });

  it('create -f and get in every output form', async () => {
    expect(await ok(['create', '-f', join(api.dir, 'pod.yaml')])).toBe('pod/web created');
    const table = (await ok(['get', 'pods'])).split('\n');
    expect(table[0]).toBe('NAME   READY   STATUS    RESTARTS   AGE');
    expect(aged(table[1])).toBe('web    0/1     Pending   0          <age>');
    const wide = (await ok(['get', 'pods', '-o', 'wide'])).split('\n');
    expect(wide[0]).toBe('NAME   READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES');
    expect(aged(wide[1])).toBe('web    0/1     Pending   0          <age> <none>   <none>   <none>           <none>');
    const all = (await ok(['get', 'pods', '-A'])).split('\n');
    expect(all[0]).toBe('NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE');
    expect(aged(all[1])).toBe('default     web    0/1     Pending   0          <age>');
    expect((await ok(['get', 'pods', '--show-labels'])).split('\n')[1]).toMatch(/\s+app=web$/);
    const json = JSON.parse(await ok(['get', 'pod', 'web', '-o', 'json'])) as { kind: string; status: { phase: string; qosClass: string }; spec: { serviceAccountName: string } };
    expect(json).toMatchObject({ kind: 'Pod', status: { phase: 'Pending', qosClass: 'BestEffort' }, spec: { serviceAccountName: 'default' } });
    expect(await ok(['get', 'pod', 'web', '-o', 'yaml'])).toMatch(/^ {2}name: web\n {2}namespace: default\n {2}resourceVersion: "\d+"\n {2}uid: [0-9a-f-]{36}$/m);
    expect(await ok(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.name}/{.status.phase}'])).toBe('web/Pending');
    expect(await ok(['describe', 'pod', 'web'])).toMatch(/^Status:\s+Pending$/m);
  });

  it('label, annotate and the three patch types', async () => {
    expect(await ok(['label', 'pod', 'web', 'tier=frontend'])).toBe('pod/web labeled');
    expect(await ok(['annotate', 'pod', 'web', 'note=hello'])).toBe('pod/web annotated');
    expect(await ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1"}}}'])).toBe('pod/web patched');
    expect(await ok(['patch', 'pod', 'web', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/j","value":"2"}]'])).toBe('pod/web patched');
    expect(await ok(['patch', 'pod', 'web', '-p', '{"spec":{"containers":[{"name":"app","image":"busybox:1.36"}]}}'])).toBe('pod/web patched');
    expect(await ok(['get', 'pod', 'web', '-o', 'jsonpath={.metadata.labels.tier},{.metadata.labels.m},{.metadata.labels.j},{.metadata.annotations.note},{.spec.containers[0].image}'])).toBe('frontend,1,2,hello,busybox:1.36');
    expect(await ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1"}}}'])).toBe('pod/web patched (no change)');
  });

  it('apply twice (client-side) and diff', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n';
    expect(await ok(['apply', '-f', '-'], { input: cm })).toBe('configmap/applied created');
    expect(await ok(['apply', '-f', '-'], { input: cm.replace('"1"', '"2"') })).toBe('configmap/applied configured');
    expect(await ok(['apply', '-f', '-'], { input: cm.replace('"1"', '"2"') })).toBe('configmap/applied unchanged');
    const diff = await kubectl(['diff', '-f', '-'], { input: cm.replace('"1"', '"3"') });
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toContain('\n-  a: "2"\n+  a: "3"\n');
    expect(await ok(['get', 'configmap', 'applied', '-o', 'jsonpath={.data.a}'])).toBe('2');
  });

  it('edit via KUBE_EDITOR', async () => {
    const editor = join(api.dir, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i \'s/^  a: "2"$/  a: "edited"/\' "$1"\n', { mode: 0o755 });
    expect(await ok(['edit', 'configmap', 'applied'], { env: { KUBE_EDITOR: editor } })).toBe('configmap/applied edited');
    expect(await ok(['get', 'configmap', 'applied', '-o', 'jsonpath={.data.a}'])).toBe('edited');
  });

  it('prints upstream errors', async () => {
    expect(await kubectl(['get', 'pod', 'nope'])).toMatchObject({ exitCode: 1, stderr: 'Error from server (NotFound): pods "nope" not found' });
    const bad = await kubectl(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec: {}\n' });
    expect(bad.stderr).toBe('The Pod "bad" is invalid: spec.containers: Required value');
    const stale = JSON.parse(await ok(['get', 'pod', 'web', '-o', 'json'])) as { metadata: { resourceVersion: string; labels: Record<string, string> } };
    await ok(['label', 'pod', 'web', 'bump=1']);
    stale.metadata.labels.stale = 'yes';
    const conflict = await kubectl(['replace', '-f', '-'], { input: JSON.stringify(stale) });
    expect(conflict.stderr).toBe(
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
    );
    await writeFile(join(api.dir, 'bad.json'), '{bad');
    const raw = await kubectl(['create', '--raw', '/api/v1/namespaces/default/pods', '-f', join(api.dir, 'bad.json')]);
    expect(raw.stderr).toBe(
      "Error from server (BadRequest): the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: invalid character 'b' looking for beginning of object key string ({bad)",
    );
    const strict = await kubectl(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: s\nspec:\n  foo: 1\n  containers:\n  - name: a\n    image: b\n' });
    expect(strict.stderr).toBe('Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"');
  });

  it('generator commands send protobuf: create namespace, configmap and secret', async () => {
    expect(await ok(['create', 'namespace', 'team'])).toBe('namespace/team created');
    expect(await ok(['create', 'configmap', 'cfg', '-n', 'team', '--from-literal=a=b'])).toBe('configmap/cfg created');
    expect(await ok(['create', 'secret', 'generic', 'sec', '-n', 'team', '--from-literal=p=q'])).toBe('secret/sec created');
    expect(aged((await ok(['get', 'configmaps', '-n', 'team'])).split('\n')[1])).toBe('cfg    1      <age>');
    expect((await ok(['get', 'secrets', '-n', 'team'])).split('\n').map(aged)).toEqual(['NAME   TYPE     DATA   AGE', 'sec    Opaque   1      <age>']);
    expect(await ok(['get', 'secret', 'sec', '-n', 'team', '-o', 'jsonpath={.data.p}'])).toBe(Buffer.from('q').toString('base64'));
  });

  it('get -w shows a change as it happens', async () => {
    const watch = execa('/usr/bin/kubectl', ['get', 'pods', '-w', '--request-timeout=20s'], { env: api.env, extendEnv: false, reject: false });
    const lines: string[] = [];
    let sawInitial: () => void = () => undefined;
    const initial = new Promise<void>((r) => (sawInitial = r));
    let sawChange: () => void = () => undefined;
    const changed = new Promise<void>((r) => (sawChange = r));
    // Output arrives in chunks that may end mid-line: only complete lines count.
    let pending = '';
    watch.stdout?.on('data', (d: Buffer) => {
      const parts = (pending + d.toString()).split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l !== ''));
      if (lines.length >= 2) sawInitial();
      if (lines.some((l) => /^web .*Terminating/.test(l))) sawChange();
    });
    await initial;
    expect(lines[0]).toBe('NAME   READY   STATUS    RESTARTS   AGE');
    // Bind the pod, then delete it gracefully: the watch shows it Terminating.
    expect(await adminRequest('POST', '/api/v1/namespaces/default/pods/web/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'n1' } })).toBe(201);
    expect(await ok(['delete', 'pod', 'web', '--wait=false'])).toBe('pod "web" deleted');
    await changed;
    watch.kill();
    await watch;
    expect(aged((await ok(['get', 'pods'])).split('\n')[1])).toBe('web    0/1     Terminating   0          <age>');
  });

  it('delete waits for a graceful pod deletion to complete (the kubelet finishes it)', async () => {
    const deleting = kubectl(['delete', 'pod', 'web', '--timeout=30s']);
    await new Promise((r) => setTimeout(r, 500));
    expect(await adminRequest('DELETE', '/api/v1/namespaces/default/pods/web', { gracePeriodSeconds: 0 })).toBe(200);
    expect(await deleting).toMatchObject({ exitCode: 0, stdout: 'pod "web" deleted' });
    await ok(['create', '-f', join(api.dir, 'pod.yaml')]);
    expect(await ok(['delete', 'pod', 'web'])).toBe('pod "web" deleted');
    expect(await kubectl(['get', 'pod', 'web'])).toMatchObject({ exitCode: 1 });
  });

  it('a terminating namespace refuses new content', async () => {
    expect(await ok(['delete', 'namespace', 'team', '--wait=false'])).toBe('namespace "team" deleted');
    expect(aged((await ok(['get', 'namespace', 'team'])).split('\n')[1])).toBe('team   Terminating   <age>');
    const refused = await kubectl(['create', 'configmap', 'late', '-n', 'team', '--from-literal=a=b']);
    expect(refused.stderr).toBe('error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in namespace team because it is being terminated');
    expect((await kubectl(['delete', 'namespace', 'default'])).stderr).toBe('Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted');
  });

  it('authenticates client certificates and authorizes system:masters only', async () => {
    expect(await ok(['auth', 'whoami'])).toMatch(/^Username\s+kubernetes-admin\nGroups\s+\[system:masters system:authenticated\]$/m);
    expect(await ok(['auth', 'can-i', 'delete', 'pods'])).toBe('yes');
    // No client certificate: anonymous, allowed only health and version (kubectl itself would
    // prompt for a password here, so this is a plain request).
    expect(await anonymousRequest('/api/v1/namespaces/default/pods')).toEqual({
      status: 403,
      message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
    });
    expect((await anonymousRequest('/version')).status).toBe(200);
    const foreign = await ensurePki(join(api.dir, 'foreign'), { hosts: ['127.0.0.1'] });
    const strangers = join(api.dir, 'stranger.kubeconfig');
    await writeFile(strangers, kubeconfigYaml(api.server.url, api.pki.tls.caPem, { name: 'stranger', ...foreign.admin }));
    expect((await kubectl(['get', 'pods', '--kubeconfig', strangers])).stderr).toBe('error: You must be logged in to the server (Unauthorized)');
  });

  it('other kinds list with their upstream columns', async () => {
    expect(await kubectl(['get', 'events', '-A'])).toMatchObject({ exitCode: 0, stderr: 'No resources found' });
    expect(await ok(['get', 'namespaces'])).toMatch(/^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+\d+s$/m);
    expect((await kubectl(['get', 'nodes'])).stderr).toBe('No resources found');
    expect((await kubectl(['get', 'leases', '-n', 'kube-node-lease'])).stderr).toBe('No resources found in kube-node-lease namespace.');
  });
});
