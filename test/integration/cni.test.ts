/**
 * The node network manager with a real containerd: tskube's generated conflist gives pods working
 * IPs; the repair mechanisms free what leaked. (A broken config: cni-broken-config.test.ts.)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addChain,
  checkChain,
  createNodeNetwork,
  KNOWN_BROKEN_CHECKS,
  listIpamAllocations,
  listStaleVeths,
  NODE_SYSCTLS,
  readCachedResult,
  readSysctl,
  releaseStaleAllocations,
  removeStaleVeths,
  type NodeNetwork,
} from '../../src/cni/index.js';
import { createCriClient, type CriClient, type PodSandboxConfig } from '../../src/cri/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { startTestContainerd, type TestContainerd } from './helpers/env.js';

async function ip(args: string[]): Promise<string> {
  return (await execa('ip', args)).stdout;
}

/** Distinct random /24 prefixes (`10.223.N.`) in 10.223.0.0/16 that no interface or route uses. */
async function freePrefixes(n: number): Promise<string[]> {
  const used = (await ip(['-4', '-o', 'addr', 'show'])) + (await ip(['-4', 'route', 'show', 'table', 'all']));
  const out = new Set<string>();
  for (let i = 0; i < 256 && out.size < n; i++) {
    const prefix = `10.223.${randomBytes(1)[0] ?? 0}.`;
    if (!used.includes(prefix)) out.add(prefix);
  }
  if (out.size < n) throw new Error('no free /24s in 10.223.0.0/16');
  return [...out];
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** GET from the test process (node:http: no proxy), resolving with the body. */
function httpGet(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`))).on('error', reject);
  });
}

describe('pod networking with tskube\'s node network and a real containerd', () => {
  const hex = randomBytes(3).toString('hex');
  const bridge = `tsk${hex}`;
  const routeProtocol = 200 + (randomBytes(1)[0] ?? 0) % 50;
  const leakNs = [`tskube-cni-test-${hex}-a`, `tskube-cni-test-${hex}-b`];
  let prefix: string;
  let peerPrefixes: string[];
  let env: TestContainerd;
  let cri: CriClient;
  let net: NodeNetwork;
  let server: Server | undefined;
  const pods: Array<{ name: string; sandboxId: string; containerId: string; ip: string; mark: string }> = [];

  beforeAll(async () => {
    [prefix = '', ...peerPrefixes] = await freePrefixes(3);
    env = await startTestContainerd({ cniConfig: 'none' });
    cri = createCriClient({ endpoint: env.socket, timeoutMs: 60_000 });
    net = createNodeNetwork({
      podCidr: `${prefix}0/24`,
      clusterCidr: '10.223.0.0/16',
      confDir: env.cniConfDir,
      dataDir: join(env.dir, 'tskube'),
      bridgeName: bridge,
      routeProtocol,
      logger: createLogger('cni-test', { level: process.env.TSKUBE_LOG_LEVEL ?? 'warn' }),
    });
    await cri.images.pullImage({ image: env.images.busybox });
  });

  afterAll(async () => {
    server?.close();
    for (const p of pods) {
      await cri?.sandboxes.stopPodSandbox(p.sandboxId).catch(() => undefined);
      await cri?.sandboxes.removePodSandbox(p.sandboxId).catch(() => undefined);
    }
    cri?.close();
    await env?.cleanup();
    await net?.teardown().catch((err: unknown) => console.error('node network teardown failed', err));
    for (const ns of leakNs) await execa('ip', ['netns', 'del', ns], { reject: false });
    await execa('ip', ['link', 'del', bridge], { reject: false });
    await execa('ip', ['route', 'del', `${peerPrefixes?.[1] ?? 'x'}0/24`, 'proto', 'static'], { reject: false });
  });

  it('ensure() sets sysctls, the masquerade table and the conflist; containerd picks it up without a restart', async () => {
    const first = await net.ensure();
    expect(first.conflistWritten).toBe(true);
    for (const [name, value] of NODE_SYSCTLS) expect(await readSysctl('/proc/sys', name), name).toBe(value);
    const table = (await execa('nft', ['list', 'table', 'ip', `tskube-${bridge}`])).stdout;
    expect(table).toContain(`ip saddr ${prefix}0/24 ip daddr != 10.223.0.0/16 ip daddr != 224.0.0.0/4 masquerade`);
    expect(JSON.parse(await readFile(join(env.cniConfDir, '10-tskube.conflist'), 'utf8'))).toEqual(net.conflist);
    const mtime = (await stat(net.conflistPath)).mtimeMs;
    expect((await net.ensure()).conflistWritten).toBe(false);
    expect((await stat(net.conflistPath)).mtimeMs).toBe(mtime);
    await waitFor('NetworkReady', async () => {
      const st = await cri.runtime.status();
      return st.conditions.find((c) => c.type === 'NetworkReady')?.status ? true : undefined;
    });
  });

  it('two pods get distinct IPs from the pod CIDR and serve HTTP to each other and to the node', async () => {
    for (const name of ['pod-a', 'pod-b']) {
      const uid = randomUUID();
      const mark = `${name}-${hex}-${uid}`;
      const logDirectory = join(env.dir, 'pods', uid);
      await mkdir(logDirectory, { recursive: true });
      const config: PodSandboxConfig = {
        metadata: { name, namespace: 'default', uid, attempt: 0 },
        hostname: name,
        logDirectory,
        labels: { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.uid': uid },
        linux: { cgroupParent: `${env.cgroupParent}/pod${uid}`, securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
      };
      const sandboxId = await cri.sandboxes.runPodSandbox(config);
      const containerId = await cri.containers.createContainer(
        sandboxId,
        {
          metadata: { name: 'web', attempt: 0 },
          image: { image: env.images.busybox },
          command: ['sh', '-c', 'mkdir -p /www && echo "$MARK" > /www/index.html && exec httpd -f -p 8080 -h /www'],
          envs: [{ key: 'MARK', value: mark }],
          logPath: 'web.log',
        },
        config,
      );
      await cri.containers.startContainer(containerId);
      const { status } = await cri.sandboxes.podSandboxStatus(sandboxId);
      pods.push({ name, sandboxId, containerId, ip: status.network?.ip ?? '', mark });
    }
    const [a, b] = pods as [(typeof pods)[0], (typeof pods)[0]];
    expect(a.ip).not.toBe(b.ip);
    for (const p of pods) {
      expect(p.ip.startsWith(prefix), p.ip).toBe(true);
      expect(p.ip).not.toBe(net.gatewayIp);
      // Node -> pod; the body proves it came from our httpd, not from a proxy answering for any IP.
      expect(await waitFor(`${p.name} HTTP from the node`, async () => (await httpGet(`http://${p.ip}:8080/`)).trim() || undefined)).toBe(p.mark);
    }
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const res = await cri.containers.execSync(from.containerId, ['sh', '-c', `timeout 5 wget -q -O - http://${to.ip}:8080/`], 15);
      expect(res.stdout.toString().trim(), `${from.name} -> ${to.name}: ${res.stderr.toString()}`).toBe(to.mark);
    }
  });

  it('a pod reaches the node on the bridge gateway; pod-to-pod keeps source IPs, leaving the cluster is masqueraded', async () => {
    const token = `node-${hex}`;
    server = createServer((_req, res) => res.end(token));
    await new Promise<void>((resolve) => server?.listen(0, net.gatewayIp, resolve));
    const port = (server.address() as AddressInfo).port;
    const [a, b] = pods as [(typeof pods)[0], (typeof pods)[0]];
    const res = await cri.containers.execSync(a.containerId, ['sh', '-c', `timeout 5 wget -q -O - http://${net.gatewayIp}:${port}/`], 15);
    expect(res.stdout.toString()).toBe(token);

    // Conntrack's reply tuple shows NAT: its destination is the original source unless masqueraded.
    const replyDst = async (src: string, dst: string): Promise<string | undefined> => {
      const out = await execa('conntrack', ['-L', '-p', 'tcp', '-s', src, '-d', dst], { reject: false });
      return [...String(out.stdout).matchAll(/dst=(\S+)/g)][1]?.[1];
    };
    expect(await replyDst(a.ip, b.ip)).toBe(a.ip);
    const outside = '198.51.100.7';
    await cri.containers.execSync(a.containerId, ['sh', '-c', `timeout 3 wget -q -O - http://${outside}/ || true`], 10);
    const nodeIp = (await ip(['-4', 'route', 'get', outside])).match(/src (\S+)/)?.[1];
    expect(await replyDst(a.ip, outside)).toBe(nodeIp);
  });

  it('CHECK of a containerd-made sandbox passes with libcni\'s cached result', async () => {
    const a = pods[0];
    const cached = await readCachedResult({ networkName: net.conflist.name, containerId: a?.sandboxId ?? '' });
    expect(cached?.result.ips[0]?.address).toBe(`${a?.ip}/24`);
    const { info } = await cri.sandboxes.podSandboxStatus(a?.sandboxId ?? '', { verbose: true });
    const spec = JSON.parse(info.info ?? '{}') as { runtimeSpec?: { linux?: { namespaces?: Array<{ type: string; path?: string }> } } };
    const netns = spec.runtimeSpec?.linux?.namespaces?.find((n) => n.type === 'network')?.path ?? '';
    await checkChain(net.conflist, { binDirs: net.binDirs, containerId: a?.sandboxId ?? '', netns, prevResult: cached?.result.raw ?? {}, skipCheck: KNOWN_BROKEN_CHECKS });
  });

  it('frees an allocation leaked behind the kubelet\'s back and removes a veth left in a leaked netns', async () => {
    const ids = leakNs.map((_, i) => `leaked-${hex}-${i}`);
    const results = [];
    for (const [i, ns] of leakNs.entries()) {
      await ip(['netns', 'add', ns]);
      results.push(await addChain(net.conflist, { binDirs: net.binDirs, containerId: ids[i] ?? '', netns: `/var/run/netns/${ns}` }));
    }
    await ip(['netns', 'del', leakNs[0] ?? '']); // its veth goes with it; its IP stays allocated
    const live = new Set(pods.map((p) => p.sandboxId));
    expect((await listIpamAllocations(net.ipamDataDir, net.conflist.name)).map((a) => a.containerId).sort()).toEqual([...live, ...ids].sort());

    const leakedVeth = results[1]?.interfaces[1]?.name;
    expect((await listStaleVeths({ bridgeName: bridge, minAgeMs: 0 })).map((v) => v.ifName)).toEqual([leakedVeth]);
    expect(await listStaleVeths({ bridgeName: bridge })).toEqual([]); // too young by default

    const young = await releaseStaleAllocations({ conflist: net.conflist, binDirs: net.binDirs, liveContainerIds: live });
    expect({ released: young.released.length, deferred: young.deferred.length }).toEqual({ released: 0, deferred: 2 });
    const res = await releaseStaleAllocations({ conflist: net.conflist, binDirs: net.binDirs, liveContainerIds: live, minAgeMs: 0 });
    expect(res.failed).toEqual([]);
    expect(res.released.map((a) => a.containerId).sort()).toEqual(ids);
    const left = await listIpamAllocations(net.ipamDataDir, net.conflist.name);
    expect(left.map((a) => a.containerId).sort()).toEqual([...live].sort());

    expect((await removeStaleVeths({ bridgeName: bridge, minAgeMs: 0 })).removed.map((v) => v.ifName)).toEqual([leakedVeth]);
    expect(await listStaleVeths({ bridgeName: bridge, minAgeMs: 0 })).toEqual([]);
    const ports = JSON.parse(await ip(['-j', 'link', 'show', 'master', bridge])) as unknown[];
    expect(ports).toHaveLength(pods.length);
    await ip(['netns', 'del', leakNs[1] ?? '']);
  });

  it('reconciles routes to peer pod CIDRs, never touching routes it did not add', async () => {
    const [p1 = '', p2 = ''] = peerPrefixes;
    const ours = async (): Promise<string> => ip(['-4', 'route', 'show', 'proto', String(routeProtocol)]);
    await ip(['route', 'add', `${p2}0/24`, 'via', `${prefix}201`, 'proto', 'static']);
    let ch = await net.setPeerRoutes([{ podCidr: `${p1}0/24`, via: `${prefix}200` }]);
    expect(ch.errors).toEqual([]);
    expect(await ours()).toContain(`${p1}0/24 via ${prefix}200 dev ${bridge}`);
    ch = await net.setPeerRoutes([{ podCidr: `${p1}0/24`, via: `${prefix}202` }, { podCidr: `${p2}0/24`, via: `${prefix}203` }]);
    expect(ch.replace).toEqual([{ podCidr: `${p1}0/24`, via: `${prefix}202` }]);
    expect(ch.errors.map((e) => e.message)).toEqual([expect.stringMatching(new RegExp(`^adding route ${p2}0/24 via ${prefix}203 failed: .*File exists`))]);
    expect((await ours()).trim()).toBe(`${p1}0/24 via ${prefix}202 dev ${bridge}`);
    await net.setPeerRoutes([]);
    expect(await ours()).toBe('');
    expect(await ip(['-4', 'route', 'show', `${p2}0/24`])).toContain(`via ${prefix}201`);
  });

  it('removing the sandboxes frees everything; teardown() removes the conflist, the nftables table and its routes', async () => {
    for (const p of pods.splice(0)) {
      await cri.sandboxes.stopPodSandbox(p.sandboxId);
      await cri.sandboxes.removePodSandbox(p.sandboxId);
    }
    expect(await listIpamAllocations(net.ipamDataDir, net.conflist.name)).toEqual([]);
    expect(JSON.parse(await ip(['-j', 'link', 'show', 'master', bridge]))).toEqual([]);

    await net.setPeerRoutes([{ podCidr: `${peerPrefixes[0]}0/24`, via: `${prefix}200` }]);
    await net.teardown();
    await expect(stat(net.conflistPath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await execa('nft', ['list', 'table', 'ip', `tskube-${bridge}`], { reject: false })).exitCode).not.toBe(0);
    expect(await ip(['-4', 'route', 'show', 'proto', String(routeProtocol)])).toBe('');
    await net.teardown();
  });
});
