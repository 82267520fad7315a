import { execa, type ResultPromise } from 'execa';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, PodStatus } from '../../../src/api/index.js';
import type { TestContainerd } from './env.js';

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).pathname;

export interface TestKubelet {
  api: string;
  manifestDir: string;
  proc: ResultPromise;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number | undefined>;
  /** SIGKILL, as a crash. */
  kill9(): Promise<void>;
  output(): string;
}

export interface KubeletDirs {
  manifestDir: string;
  rootDir: string;
  logsDir: string;
}

export async function kubeletDirs(env: TestContainerd): Promise<KubeletDirs> {
  const dirs = { manifestDir: join(env.dir, 'manifests'), rootDir: join(env.dir, 'kubelet'), logsDir: join(env.dir, 'pod-logs') };
  await mkdir(dirs.manifestDir, { recursive: true });
  return dirs;
}

/** Runs `tskube kubelet` as a child process (so it can be killed -9) against the test containerd. */
export async function startKubelet(env: TestContainerd, dirs: KubeletDirs, extra: string[] = []): Promise<TestKubelet> {
  const args = [
    '--import', 'tsx', MAIN, 'kubelet',
    '--pod-manifest-path', dirs.manifestDir,
    '--container-runtime-endpoint', env.socket,
    '--root-dir', dirs.rootDir,
    '--pod-logs-dir', dirs.logsDir,
    '--cgroup-root', env.cgroupParent,
    '--hostname-override', 'node1',
    '--port', '0',
    '--read-only-port', '0',
    '--pleg-relist-period', '300ms',
    '--sync-frequency', '2s',
    ...extra,
  ];
  const proc = execa('node', args, { env: { TSKUBE_LOG_LEVEL: process.env.TSKUBE_LOG_LEVEL ?? 'warn' }, reject: false, all: true });
  let out = '';
  proc.all?.on('data', (d: Buffer) => (out += d.toString()));
  const api = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const m = /API on http:\/\/(\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    };
    proc.all?.on('data', onData);
    void proc.then((r) => reject(new Error(`kubelet exited ${r.exitCode} before ready: ${out}`)));
  });
  return {
    api,
    manifestDir: dirs.manifestDir,
    proc,
    async stop() {
      proc.kill('SIGTERM');
      return (await proc).exitCode;
    },
    async kill9() {
      proc.kill('SIGKILL');
      await proc;
    },
    output: () => out,
  };
}

export interface ApiPod extends Pod {
  status: PodStatus;
}

export async function listPods(api: string): Promise<ApiPod[]> {
  const res = await fetch(`http://${api}/pods`);
  const body = (await res.json()) as { items: ApiPod[] };
  return body.items;
}

export async function getPod(api: string, name: string): Promise<ApiPod | undefined> {
  return (await listPods(api)).find((p) => p.metadata.name === name);
}

/** Polls until `check` returns a value; fails with the last pod seen. */
export async function waitForPod<T>(api: string, name: string, check: (pod: ApiPod) => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: ApiPod | undefined;
  for (;;) {
    last = await getPod(api, name).catch(() => undefined);
    const v = last ? check(last) : undefined;
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for pod ${name}; last seen: ${JSON.stringify(last?.status ?? null)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function writeManifest(dir: string, file: string, pod: object | string): Promise<void> {
  // Write then rename: the kubelet never reads a half-written file.
  const tmp = join(dir, `.${file}.tmp`);
  await writeFile(tmp, typeof pod === 'string' ? pod : JSON.stringify(pod, null, 2));
  const { rename } = await import('node:fs/promises');
  await rename(tmp, join(dir, file));
}

export async function removeManifest(dir: string, file: string): Promise<void> {
  await rm(join(dir, file), { force: true });
}
