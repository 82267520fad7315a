import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, kubeconfigYaml, startApiServer, type ApiServer } from '../../src/controlplane/apiserver/index.js';
import { openSqliteBackend, type Backend } from '../../src/controlplane/storage/index.js';
import { createCriClient, type CriClient } from '../../src/cri/index.js';
import { startTestContainerd, TEST_TMP_BASE, type TestContainerd } from './helpers/env.js';
import { kubeletDirs, removeManifest, startKubelet, waitFor, writeManifest, type KubeletDirs, type TestKubelet } from './helpers/kubelet.js';

/** The kubelet joined to tskube's API server, driven by the real kubectl (node-agent slice). */
describe('kubelet registered with the API server, driven by kubectl', () => {
  let env: TestContainerd;
  let cri: CriClient;
  let dir = '';
  let backend: Backend;
  let server: ApiServer;
  let kubelet: TestKubelet;
  let kenv: Record<string, string>;
  let dirs: KubeletDirs;
  const kubectl = (args: string[]) => execa('kubectl', args, { env: kenv, reject: false, timeout: 60_000 });

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
    cri = createCriClient({ endpoint: env.socket });
    dir = await mkdtemp(join(TEST_TMP_BASE, 'tskube-node-agent-'));
    backend = openSqliteBackend({ path: join(dir, 'state.db') });
    const pki = await ensurePki(dir, { hosts: ['127.0.0.1'] });
    server = await startApiServer({ backend, host: '127.0.0.1', port: 0, tls: pki.tls });
    const kubeconfig = join(dir, 'admin.kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml(server.url, pki.tls.caPem, { name: 'admin', ...pki.admin }));
    kenv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') };
    dirs = await kubeletDirs(env);
    kubelet = await startKubelet(env, dirs, ['--kubeconfig', kubeconfig]);
  });
  afterAll(async () => {
    await kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s']);
    await kubelet?.stop();
    cri?.close();
    await server?.close();
    await backend?.close();
    await env?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('registers the node: kubectl get nodes shows it Ready with its IP, OS, kernel and runtime', async () => {
    const out = await waitFor('node Ready', async () => {
      const r = await kubectl(['get', 'nodes', '-o', 'wide']);
      return /\nnode1\s+Ready\s/.test(r.stdout) ? r.stdout : undefined;
    }, 30_000);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/);
    expect(out).toMatch(/node1\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-tskube\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+.+\s+\S+\s+containerd:\/\/1\.6\.\S+/);
    const lease = await kubectl(['get', 'lease', 'node1', '-n', 'kube-node-lease', '-o', 'jsonpath={.spec.holderIdentity}']);
    expect(lease.stdout).toBe('node1');
  });

  it('runs a pod applied with spec.nodeName, shows it Running, and completes kubectl delete', async () => {
    const manifest = join(dir, 'web.yaml');
    await writeFile(manifest, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  nodeName: node1\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: ${env.images.busybox.replace(/:latest$/, ':1.35')}\n    command: ["sleep", "3600"]\n`);
    expect((await kubectl(['apply', '-f', manifest])).stdout).toBe('pod/web created');
    await waitFor('Running', async () => (await kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 60_000);
    const wide = (await kubectl(['get', 'pod', 'web', '-o', 'wide'])).stdout.split('\n');
    expect(wide[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(wide[1]).toMatch(new RegExp(`^web\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${env.podSubnetPrefix.replace(/\./g, '\\.')}\\d+\\s+node1\\s+<none>\\s+<none>$`));
    // The kubelet's events, as kubectl describe shows them.
    const describe = await waitFor('events in describe', async () => {
      const out = (await kubectl(['describe', 'pod', 'web'])).stdout;
      return /Started\s+\S+\s+kubelet\s+Started container app/.test(out) ? out : undefined;
    }, 20_000);
    expect(describe).toMatch(/Normal\s+Pulled\s+\S+\s+kubelet\s+(Successfully pulled image ".*busybox:1\.35" in [\d.]+s|Container image ".*busybox:1\.35" already present on machine)/);
    expect(describe).toMatch(/Normal\s+Created\s+\S+\s+kubelet\s+Created container: app/);
    const del = await kubectl(['delete', 'pod', 'web']);
    expect(del.exitCode).toBe(0);
    expect(del.stdout).toBe('pod "web" deleted');
    expect((await kubectl(['get', 'pod', 'web'])).stderr).toBe('Error from server (NotFound): pods "web" not found');
    await waitFor('containers gone', async () => (await cri.sandboxes.listPodSandbox()).length === 0, 30_000);
  });

  it('shows static pods as mirror pods with their status, and removes the mirror with the manifest', async () => {
    await writeManifest(dirs.manifestDir, 'static.yaml', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'static', namespace: 'kube-system' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: env.images.busybox.replace(/:latest$/, ':1.35'), command: ['sleep', '3600'] }] } });
    await waitFor('mirror pod Running', async () => (await kubectl(['get', 'pod', 'static-node1', '-n', 'kube-system', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 60_000);
    const mirror = JSON.parse((await kubectl(['get', 'pod', 'static-node1', '-n', 'kube-system', '-o', 'json'])).stdout) as { metadata: { annotations: Record<string, string> }; spec: { nodeName: string } };
    expect(mirror.metadata.annotations['kubernetes.io/config.mirror']).toBeTruthy();
    expect(mirror.metadata.annotations['kubernetes.io/config.source']).toBe('file');
    expect(mirror.spec.nodeName).toBe('node1');
    // The kubelet does not run its own mirror pod a second time.
    expect((await cri.sandboxes.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.name': 'static-node1' } })).length).toBe(1);
    await removeManifest(dirs.manifestDir, 'static.yaml');
    await waitFor('mirror gone', async () => (await kubectl(['get', 'pod', 'static-node1', '-n', 'kube-system'])).stderr.includes('not found'), 30_000);
  });
});
