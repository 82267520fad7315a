import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupContainerd, startContainerd } from '../../src/containerd/index.js';
import { buildTestImages, exportDockerArchive } from '../../src/images/index.js';
import { cgroupDirsOf, startTestContainerd, testRegistry, type TestContainerd } from './helpers/env.js';

// The environment is proven without src/cri: a raw gRPC client on proto/cri is enough here.
type Unary = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

function rawCri(socket: string): { call<T>(method: string, req: object): Promise<T>; close(): void } {
  const def = protoLoader.loadSync(join(import.meta.dirname, '../../proto/cri/api.proto'), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
  const client = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
  return {
    call<T>(method: string, req: object): Promise<T> {
      const fn = (client as unknown as Record<string, Unary>)[method];
      if (!fn) throw new Error(`no method ${method}`);
      return new Promise<T>((resolve, reject) => {
        fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + 60_000 }, (err, res) => (err ? reject(err) : resolve(res as T)));
      });
    },
    close: () => client.close(),
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function processesMentioning(text: string): Promise<string[]> {
  const { stdout } = await execa('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

async function linkExists(name: string): Promise<boolean> {
  return (await execa('ip', ['link', 'show', name], { reject: false })).exitCode === 0;
}

describe('test images', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('build reproducibly: two fresh caches give the same digests, a second call hits the cache', async () => {
    const a = await mkdtemp('/var/tmp/tskube-imgcache-');
    const b = await mkdtemp('/var/tmp/tskube-imgcache-');
    dirs.push(a, b);
    const first = await buildTestImages({ cacheDir: a });
    const second = await buildTestImages({ cacheDir: b });
    expect(second.busybox.digest).toBe(first.busybox.digest);
    expect(second.pause.digest).toBe(first.pause.digest);
    expect(first.busybox.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.busybox.tags).toEqual(['1.35', 'latest']);
    expect(first.pause.tags).toEqual(['3.10', 'latest']);

    const started = performance.now();
    const again = await buildTestImages({ cacheDir: a });
    expect(performance.now() - started).toBeLessThan(500);
    expect(again).toEqual(first);
    // The default cache (used by global setup) holds the very same images.
    expect((await buildTestImages()).busybox.digest).toBe(first.busybox.digest);
  });

  it('export as a docker archive', async () => {
    const dir = await mkdtemp('/var/tmp/tskube-archive-');
    dirs.push(dir);
    const { pause } = await buildTestImages();
    const file = join(dir, 'pause.tar');
    await exportDockerArchive(pause, '3.10', 'example.com/tskube/pause:3.10', file);
    const { stdout } = await execa('tar', ['-xOf', file, 'manifest.json']);
    expect(JSON.parse(stdout)).toMatchObject([{ RepoTags: ['example.com/tskube/pause:3.10'] }]);
  });
});

describe('registry', () => {
  it('serves the pushed tags', async () => {
    const registry = testRegistry();
    const tags = async (name: string): Promise<string[]> => {
      const res = await fetch(`http://${registry}/v2/tskube/${name}/tags/list`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { tags: string[] }).tags.sort();
    };
    expect(await tags('busybox')).toEqual(['1.35', 'latest']);
    expect(await tags('pause')).toEqual(['3.10', 'latest']);
  });
});

describe('containerd with the generated config', () => {
  let env: TestContainerd;
  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('loads the config as written', async () => {
    const { stdout } = await execa('containerd', ['--config', env.containerd.configPath, 'config', 'dump']);
    expect(stdout).toContain(`sandbox_image = "${env.images.pause}"`);
    expect(stdout).toContain('restrict_oom_score_adj = true');
    expect(stdout).toContain(`Root = "${join(env.dir, 'state', 'runc')}"`);
    expect(stdout).toContain(`conf_dir = "${env.cniConfDir}"`);
    expect(stdout).toContain(`config_path = "${join(env.dir, 'certs.d')}"`);
    expect(stdout).toMatch(/disabled_plugins = \[.*"io\.containerd\.internal\.v1\.opt".*\]/);
    const { stdout: plugins } = await execa('ctr', ['--address', env.socket, 'plugins', 'ls']);
    expect(plugins.split('\n').filter((l) => /\serror\s*$/.test(l))).toEqual([]);
  });

  it('pulls from the loopback registry with ctr and sees its own namespace', async () => {
    await execa('ctr', ['--address', env.socket, '-n', 'k8s.io', 'images', 'pull', '--plain-http', env.images.busybox]);
    const { stdout: images } = await execa('ctr', ['--address', env.socket, '-n', 'k8s.io', 'images', 'ls', '-q']);
    expect(images.split('\n')).toContain(env.images.busybox);
    const { stdout: namespaces } = await execa('ctr', ['--address', env.socket, 'namespaces', 'ls', '-q']);
    expect(namespaces.split('\n')).toContain('k8s.io');
  });

  it('runs a second containerd beside it without collisions', async () => {
    const other = await startTestContainerd({ cniConfig: 'none' });
    try {
      expect(other.socket).not.toBe(env.socket);
      await execa('ctr', ['--address', other.socket, 'version']);
      await execa('ctr', ['--address', env.socket, 'version']);
    } finally {
      await other.cleanup();
    }
    expect(await exists(other.dir)).toBe(false);
  });

  it('survives kill -9 and restart', async () => {
    const before = env.containerd.pid;
    await env.containerd.kill9();
    await env.containerd.restart();
    expect(env.containerd.pid).not.toBe(before);
    await execa('ctr', ['--address', env.socket, 'version']);
  });

  it('runs a pod whose busybox serves HTTP, answers nc and runs sh; cleanup leaves nothing behind', async () => {
    const cri = rawCri(env.socket);
    let podIp = '';
    let netnsPath = '';
    let sandboxId = '';
    try {
      const sandboxConfig = {
        metadata: { name: 'env-test', namespace: 'default', uid: 'env-test-uid', attempt: 0 },
        hostname: 'env-test',
        log_directory: join(env.dir, 'pods', 'env-test'),
        linux: { cgroup_parent: `${env.cgroupParent}/podenvtest` },
      };
      ({ pod_sandbox_id: sandboxId } = await cri.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config: sandboxConfig }));
      const status = await cri.call<{ status: { network: { ip: string } }; info: Record<string, string> }>('PodSandboxStatus', {
        pod_sandbox_id: sandboxId,
        verbose: true,
      });
      podIp = status.status.network.ip;
      expect(podIp.startsWith(env.podSubnetPrefix)).toBe(true);
      const info = JSON.parse(status.info.info ?? '{}') as { runtimeSpec: { linux: { namespaces: { type: string; path?: string }[] } } };
      netnsPath = info.runtimeSpec.linux.namespaces.find((n) => n.type === 'network')?.path ?? '';
      expect(netnsPath).toMatch(/^\/var\/run\/netns\/cni-/);

      const script = 'echo hello-from-busybox > /tmp/index.html; exec httpd -f -p 8080 -h /tmp';
      const { container_id: containerId } = await cri.call<{ container_id: string }>('CreateContainer', {
        pod_sandbox_id: sandboxId,
        config: { metadata: { name: 'web', attempt: 0 }, image: { image: env.images.busybox }, command: ['sh', '-c', script], log_path: 'web.log' },
        sandbox_config: sandboxConfig,
      });
      await cri.call('StartContainer', { container_id: containerId });

      let body = '';
      for (let i = 0; i < 50 && body === ''; i++) {
        body = await fetch(`http://${podIp}:8080/index.html`).then(
          (r) => r.text(),
          () => '',
        );
        if (body === '') await new Promise((r) => setTimeout(r, 100));
      }
      expect(body).toBe('hello-from-busybox\n');
      const exec = await cri.call<{ stdout: Buffer; exit_code: number }>('ExecSync', {
        container_id: containerId,
        cmd: ['sh', '-c', 'printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc 127.0.0.1 8080 | tail -n 1'],
        timeout: 10,
      });
      expect(exec.exit_code).toBe(0);
      expect(exec.stdout.toString()).toBe('hello-from-busybox\n');
      expect((await cgroupDirsOf(env.cgroupParent)).length).toBeGreaterThan(0);
    } finally {
      cri.close();
    }

    // Leave the pod running: cleanup must cope with everything a failed test leaves.
    await env.cleanup();
    expect(await processesMentioning(env.socket)).toEqual([]);
    expect(await processesMentioning(env.dir)).toEqual([]);
    expect(await exists(env.dir)).toBe(false);
    expect(await exists(netnsPath)).toBe(false);
    expect(await linkExists(env.bridge ?? 'none')).toBe(false);
    expect(await cgroupDirsOf(env.cgroupParent)).toEqual([]);
    expect((await readdir('/var/lib/cni/results').catch(() => [])).filter((f) => f.includes(sandboxId))).toEqual([]);
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(env.dir);
    // No fetch to podIp here: with the route gone this VM's eth0 proxy answers any HTTP (404).
    const { stdout: routes } = await execa('ip', ['-4', 'route', 'show']);
    expect(routes).not.toContain(env.podSubnet ?? 'none');
  });
});

describe('startContainerd failures', () => {
  it('rejects with the log tail when containerd exits early', async () => {
    const dir = await mkdtemp('/var/tmp/tskube-test-');
    try {
      const err = await startContainerd({ dir, binary: 'false' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String(err)).toMatch(/containerd exited with code 1 during start-up; last log lines/);
    } finally {
      await cleanupContainerd(dir);
    }
    expect(await exists(dir)).toBe(false);
  });

  it('rejects when containerd boots but its CRI plugin fails to load (registry mirrors + config_path)', async () => {
    const dir = await mkdtemp('/var/tmp/tskube-test-');
    try {
      // A wrapper that adds registry.mirrors to our config: the trap ENVIRONMENT.md describes.
      const wrapper = join(dir, 'containerd-with-mirrors');
      await writeFile(
        wrapper,
        [
          '#!/bin/sh',
          'cp "$2" "$2.bad"',
          `printf '\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://mirror.invalid"]\n' >> "$2.bad"`,
          'exec containerd --config "$2.bad"',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const err = await startContainerd({ dir, binary: wrapper }).catch((e: unknown) => e);
      expect(String(err)).toMatch(/CRI plugin failed to load/);
      expect(String(err)).toMatch(/failed to load plugin io\.containerd\.grpc\.v1\.cri/);
    } finally {
      await cleanupContainerd(dir);
    }
    expect(await processesMentioning(dir)).toEqual([]);
  });
});
