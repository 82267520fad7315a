import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, fakeRunner } from './fixtures.js';
import { createNodeNetwork, type NodeNetworkOptions } from './node-network.js';
import type { CommandRunner } from './types.js';

/** A fake `ip`/`nft`/`modprobe` keeping a main routing table with protocols. */
function fakeHost() {
  const routes: Array<{ dst: string; gateway: string; protocol: string }> = [{ dst: '10.99.0.0/24', gateway: '192.168.1.1', protocol: 'static' }];
  let table: string | undefined;
  const runner = fakeRunner((file, args, input) => {
    const cmd = args.join(' ');
    if (file === 'nft' && cmd === '-f -') {
      table = input;
      return '';
    }
    if (file === 'nft' && args[0] === 'delete') {
      if (table === undefined) throw fail(file, args, 'Error: Could not process rule: No such file or directory');
      table = undefined;
      return '';
    }
    if (file === 'ip' && args[0] === '-j') {
      const proto = args[args.length - 1];
      return JSON.stringify(routes.filter((r) => r.protocol === proto));
    }
    if (file === 'ip' && args[0] === 'route') {
      const [, verb, dst = '', ...rest] = args;
      const proto = rest[rest.indexOf('proto') + 1] ?? '';
      const via = rest[rest.indexOf('via') + 1] ?? '';
      const at = routes.findIndex((r) => r.dst === dst);
      if (verb === 'add') {
        if (at >= 0) throw fail(file, args, 'RTNETLINK answers: File exists');
        routes.push({ dst, gateway: via, protocol: proto });
      } else if (verb === 'replace') {
        routes.splice(at, at >= 0 ? 1 : 0, { dst, gateway: via, protocol: proto });
      } else if (verb === 'del') {
        if (at < 0 || routes[at]?.protocol !== proto) throw fail(file, args, 'RTNETLINK answers: No such process');
        routes.splice(at, 1);
      }
      return '';
    }
    throw fail(file, args, `${file}: not found`);
  });
  return { ...runner, routes, table: () => table };
}

describe('createNodeNetwork', () => {
  let dir: string;
  let procSys: string;
  let host: ReturnType<typeof fakeHost>;
  const options = (extra: Partial<NodeNetworkOptions> = {}): NodeNetworkOptions => ({
    podCidr: '10.244.1.0/24',
    clusterCidr: '10.244.0.0/16',
    confDir: join(dir, 'net.d'),
    dataDir: join(dir, 'data'),
    bridgeName: 'tsk0',
    procSysDir: procSys,
    exec: host.exec,
    ...extra,
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-nodenet-'));
    procSys = join(dir, 'proc-sys');
    for (const p of ['net/ipv4/ip_forward', 'net/bridge/bridge-nf-call-iptables', 'net/ipv4/conf/all/route_localnet']) {
      await mkdir(join(procSys, p, '..'), { recursive: true });
      await writeFile(join(procSys, p), p.endsWith('route_localnet') ? '1\n' : '0\n');
    }
    host = fakeHost();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ensure() sets sysctls, masquerade and the conflist; a second run changes nothing', async () => {
    const net = createNodeNetwork(options({ mtu: 1400 }));
    expect(net.gatewayIp).toBe('10.244.1.1');
    expect(net.ipamDataDir).toBe(join(dir, 'data', 'cni', 'ipam'));
    const first = await net.ensure();
    expect(first).toMatchObject({ conflistWritten: true, sysctlsChanged: ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables'] });
    expect(await readFile(join(procSys, 'net/ipv4/ip_forward'), 'utf8')).toBe('1\n');
    expect(await readFile(join(procSys, 'net/bridge/bridge-nf-call-iptables'), 'utf8')).toBe('1\n');
    expect(JSON.parse(await readFile(net.conflistPath, 'utf8'))).toEqual(net.conflist);
    expect(net.conflistPath).toBe(join(dir, 'net.d', '10-tskube.conflist'));
    expect(net.conflist.plugins[0]).toMatchObject({ bridge: 'tsk0', mtu: 1400, hairpinMode: true });
    expect(host.table()).toContain('ip saddr 10.244.1.0/24 ip daddr != 10.244.0.0/16');
    expect(host.table()).toContain('table ip tskube-tsk0 {');

    const before = await stat(net.conflistPath);
    const second = await net.ensure();
    expect(second).toMatchObject({ conflistWritten: false, sysctlsChanged: [] });
    expect((await stat(net.conflistPath)).ino).toBe(before.ino);
  });

  it('rewrites a conflist whose content differs, atomically', async () => {
    const net = createNodeNetwork(options());
    await mkdir(join(dir, 'net.d'), { recursive: true });
    await writeFile(net.conflistPath, '{"stale":true}');
    expect((await net.ensure()).conflistWritten).toBe(true);
    expect(JSON.parse(await readFile(net.conflistPath, 'utf8'))).toEqual(net.conflist);
  });

  it('loads br_netfilter when /proc/sys/net/bridge is missing, and names the sysctl when that fails', async () => {
    await rm(join(procSys, 'net', 'bridge'), { recursive: true });
    const exec: CommandRunner = async (file, args, o) => {
      if (file === 'modprobe') throw fail(file, [...args], 'modprobe: FATAL: Module br_netfilter not found');
      return host.exec(file, args, o);
    };
    const err = await createNodeNetwork(options({ exec })).ensure().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as Error).message).toMatch(/sysctls: sysctl net.bridge.bridge-nf-call-iptables: .* is missing and loading br_netfilter failed: .*Module br_netfilter not found/);
    // The other steps still ran.
    expect(host.table()).toBeDefined();
    expect(await readFile(join(procSys, 'net/ipv4/ip_forward'), 'utf8')).toBe('1\n');
  });

  it('reconciles peer routes, touching only its own protocol, and teardown removes everything', async () => {
    const net = createNodeNetwork(options());
    await net.ensure();
    let changes = await net.setPeerRoutes([
      { podCidr: '10.244.2.0/24', via: '192.168.1.12' },
      { podCidr: '10.244.3.0/24', via: '192.168.1.13' },
    ]);
    expect(changes).toMatchObject({ add: [{ podCidr: '10.244.2.0/24' }, { podCidr: '10.244.3.0/24' }], errors: [] });
    changes = await net.setPeerRoutes([
      { podCidr: '10.244.3.0/24', via: '192.168.1.33' },
      { podCidr: '10.99.0.0/24', via: '192.168.1.14' },
    ]);
    expect(changes.replace).toEqual([{ podCidr: '10.244.3.0/24', via: '192.168.1.33' }]);
    expect(changes.remove).toEqual([{ dst: '10.244.2.0/24', via: '192.168.1.12' }]);
    expect(changes.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^adding route 10.99.0.0\/24 via 192.168.1.14 failed: .*File exists/)]);
    expect(host.routes).toContainEqual({ dst: '10.99.0.0/24', gateway: '192.168.1.1', protocol: 'static' });

    // ensure() re-applies the routes last given (here: one deleted behind our back).
    host.routes.splice(host.routes.findIndex((r) => r.dst === '10.244.3.0/24'), 1);
    await expect(net.ensure()).rejects.toThrow(/peer routes: adding route 10.99.0.0\/24/);
    expect(host.routes).toContainEqual({ dst: '10.244.3.0/24', gateway: '192.168.1.33', protocol: '122' });
    await expect(net.setPeerRoutes([{ podCidr: '10.244.1.0/24', via: '192.168.1.1' }])).rejects.toThrow(RangeError);

    await net.teardown();
    await net.teardown();
    expect(host.routes).toEqual([{ dst: '10.99.0.0/24', gateway: '192.168.1.1', protocol: 'static' }]);
    expect(host.table()).toBeUndefined();
    await expect(stat(net.conflistPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    [{ podCidr: '10.244.1.0/33' }, /podCidr/],
    [{ podCidr: '10.244.1.1/24' }, /podCidr: .*host bits/],
    [{ clusterCidr: '10.245.0.0/16' }, /podCidr: 10.244.1.0\/24 is not inside clusterCidr 10.245.0.0\/16/],
    [{ clusterCidr: 'x' }, /clusterCidr/],
    [{ confDir: 'net.d' }, /confDir must be an absolute path/],
    [{ dataDir: 'data' }, /dataDir must be an absolute path/],
    [{ bridgeName: 'a-bridge-name-too-long' }, /bridgeName/],
    [{ mtu: 100 }, /mtu/],
    [{ nftTable: 'bad table' }, /nftTable/],
    [{ routeProtocol: 2 }, /routeProtocol/],
    [{ networkName: '' }, /networkName/],
  ])('rejects %j', (extra, want) => {
    expect(() => createNodeNetwork(options(extra))).toThrow(RangeError);
    expect(() => createNodeNetwork(options(extra))).toThrow(want);
  });
});
