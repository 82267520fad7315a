/**
 * `tskube server` as composed by `runServer`: a temp data dir, a free port, SQLite storage; the
 * real kubectl uses the admin.kubeconfig it writes. A restart on the same data dir keeps the PKI
 * and every acknowledged write.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServer, serverConfig } from '../../src/cli/server.js';
import { UsageError } from '../../src/cli/flags.js';
import { silentLogger } from '../../src/lib/logger.js';
import { freePort } from '../../src/images/index.js';

const KUBECTL = '/usr/bin/kubectl';
let dir = '';
let port = 0;

interface Running {
  stop(): Promise<void>;
  line: string;
}


async function start(): Promise<Running> {
  const ac = new AbortController();
  let ready: (line: string) => void = () => undefined;
  const readyLine = new Promise<string>((r) => (ready = r));
  const flags = { 'data-dir': dir, 'bind-address': '127.0.0.1', 'advertise-address': '127.0.0.1', 'secure-port': String(port) };
  const done = runServer(flags, silentLogger(), ac.signal, ready);
  const line = await Promise.race([readyLine, done.then(() => 'stopped before ready')]);
  return {
    line,
    async stop() {
      ac.abort();
      await done;
    },
  };
}

async function kubectl(args: string[]): Promise<string> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: join(dir, 'admin.kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  const r = await execa(KUBECTL, args, { env, extendEnv: false, reject: false, timeout: 60_000 });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${String(r.exitCode)}): ${String(r.stderr)}`);
  return String(r.stdout);
}

beforeAll(async () => {
  dir = await mkdtemp('/var/tmp/tskube-server-');
  port = await freePort();
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tskube server', () => {
  it('refuses bad flag values, naming the flag', () => {
    expect(() => serverConfig({ 'secure-port': '70000' })).toThrow(UsageError);
    expect(() => serverConfig({ 'secure-port': '70000' })).toThrow(/--secure-port/);
    expect(() => serverConfig({ 'advertise-address': '127.0.0.1', 'service-cidr': '10.96.0.1/12' })).toThrow(/--service-cidr: host bits must be zero/);
    expect(() => serverConfig({ 'advertise-address': '127.0.0.1', storage: 'mysql://x' })).toThrow(/--storage/);
    expect(() => serverConfig({ 'advertise-address': 'nope' })).toThrow(/--advertise-address/);
    expect(() => serverConfig({ 'advertise-address': '127.0.0.1', 'cluster-cidr': '10.96.0.0/16' })).toThrow(/--cluster-cidr: overlaps --service-cidr/);
    expect(serverConfig({ 'data-dir': '/d', 'advertise-address': '127.0.0.1' }).storage).toEqual({ kind: 'sqlite', path: '/d/state.db' });
    expect(serverConfig({ 'advertise-address': '127.0.0.1', storage: 'etcd://a:2379,b:2379' }).storage).toEqual({ kind: 'etcd', endpoints: ['a:2379', 'b:2379'] });
  });

  it('serves kubectl with its admin.kubeconfig and keeps writes across a restart', async () => {
    const first = await start();
    try {
      expect(first.line).toBe(`tskube server: API on https://127.0.0.1:${port}, kubeconfig ${join(dir, 'admin.kubeconfig')}`);
      const ns = (await kubectl(['get', 'ns', '-o', 'name'])).split('\n');
      expect(ns).toEqual(['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
      expect(await kubectl(['create', 'configmap', 'kept', '--from-literal=a=b'])).toBe('configmap/kept created');
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      expect(await kubectl(['get', 'configmap', 'kept', '-o', 'jsonpath={.data.a}'])).toBe('b');
    } finally {
      await second.stop();
    }
  });
});
