import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensurePki, kubeconfigYaml, startApiServer, type ApiServer, type Pki } from '../../../src/controlplane/apiserver/index.js';
import { openSqliteBackend, type SqliteBackend } from '../../../src/controlplane/storage/index.js';

const KUBECTL = '/usr/bin/kubectl';

export interface KubectlRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface KubectlOptions {
  /** Standard input (`-f -`). */
  input?: string;
  /** Extra environment (e.g. `KUBE_EDITOR`). */
  env?: Record<string, string>;
}

/** The API server on SQLite in a temp dir, over HTTPS with its PKI, and the real kubectl pointed at it. */
export interface TestApiServer {
  readonly dir: string;
  readonly server: ApiServer;
  readonly backend: SqliteBackend;
  readonly pki: Pki;
  readonly kubeconfig: string;
  /** kubectl's environment: this kubeconfig, and a temp HOME and KUBECACHEDIR (no stale discovery). */
  readonly env: Record<string, string>;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlRun>;
  /** kubectl that must succeed; its stdout. */
  ok(args: string[], opts?: KubectlOptions): Promise<string>;
  close(): Promise<void>;
}

/** Starts one under `/var/tmp/tskube-<name>-*`; `close()` stops it and removes the dir. */
export async function startTestApiServer(name: string): Promise<TestApiServer> {
  const dir = await mkdtemp(`/var/tmp/tskube-${name}-`);
  const backend = openSqliteBackend({ path: join(dir, 'state.db') });
  const pki = await ensurePki(dir, { hosts: ['127.0.0.1'] });
  const server = await startApiServer({ backend, host: '127.0.0.1', port: 0, tls: pki.tls, kubeletClient: pki.kubeletClient });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigYaml(server.url, pki.tls.caPem, { name: 'admin', ...pki.admin }));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache') };
  const kubectl = async (args: string[], opts: KubectlOptions = {}): Promise<KubectlRun> => {
    const r = await execa(KUBECTL, args, { env: { ...env, ...opts.env }, extendEnv: false, reject: false, ...(opts.input === undefined ? {} : { input: opts.input }), timeout: 60_000 });
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
  };
  return {
    dir,
    server,
    backend,
    pki,
    kubeconfig,
    env,
    kubectl,
    async ok(args, opts) {
      const r = await kubectl(args, opts);
      if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
      return r.stdout;
    },
    async close() {
      await server.close();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
