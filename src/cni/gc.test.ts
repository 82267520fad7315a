import { mkdir, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, fakeRunner, pluginSandbox, type PluginSandbox } from './fixtures.js';
import { listIpamAllocations, releaseStaleAllocations } from './ipam-gc.js';
import type { NetworkConfigList } from './types.js';
import { listStaleVeths, removeStaleVeths } from './veths.js';

describe('IPAM garbage collection', () => {
  let sb: PluginSandbox;
  let ipamDir: string;
  let list: NetworkConfigList;
  const old = new Date(Date.now() - 3_600_000);

  async function allocate(ip: string, containerId: string, ifName = 'eth0', mtime = old): Promise<void> {
    const path = join(ipamDir, 'podnet', ip);
    await writeFile(path, `${containerId}\n${ifName}`);
    await utimes(path, mtime, mtime);
  }

  beforeEach(async () => {
    sb = await pluginSandbox();
    ipamDir = join(sb.log, 'ipam');
    await mkdir(join(ipamDir, 'podnet'), { recursive: true });
    await writeFile(join(ipamDir, 'podnet', 'last_reserved_ip.0'), '10.244.1.9');
    await writeFile(join(ipamDir, 'podnet', 'lock'), '');
    list = {
      cniVersion: '1.0.0',
      name: 'podnet',
      plugins: [
        { type: 'bridge', ipam: { type: 'host-local', dataDir: ipamDir } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    };
    // Like host-local: DEL frees every file owned by CNI_CONTAINERID + CNI_IFNAME; like bridge, needs no netns.
    await sb.plugin(
      'bridge',
      `[ "$CNI_COMMAND" = DEL ] || exit 1
       [ "$CNI_CONTAINERID" = refuses ] && { echo '{"code":5,"msg":"disk on fire"}'; exit 1; }
       [ "$CNI_CONTAINERID" = sticky ] && exit 0
       for f in ${ipamDir}/podnet/*; do [ "$(printf '%s\\n%s' "$CNI_CONTAINERID" "$CNI_IFNAME")" = "$(cat "$f")" ] && rm "$f"; done; exit 0`,
    );
    await sb.plugin('portmap', 'exit 0');
  });
  afterEach(async () => {
    await sb.cleanup();
  });

  it('lists allocations, skipping lock and last_reserved_ip files', async () => {
    await allocate('10.244.1.5', 'live1');
    await allocate('fd00::5', 'live1');
    expect(await listIpamAllocations(ipamDir, 'podnet')).toEqual([
      { ip: '10.244.1.5', containerId: 'live1', ifName: 'eth0', path: join(ipamDir, 'podnet', '10.244.1.5'), mtimeMs: expect.closeTo(old.getTime(), -1) },
      { ip: 'fd00::5', containerId: 'live1', ifName: 'eth0', path: join(ipamDir, 'podnet', 'fd00::5'), mtimeMs: expect.closeTo(old.getTime(), -1) },
    ]);
    expect(await listIpamAllocations(ipamDir, 'other')).toEqual([]);
  });

  it('runs DEL without a netns for dead owners, keeps live and young ones, reports failures', async () => {
    await allocate('10.244.1.5', 'live1');
    await allocate('10.244.1.6', 'dead1');
    await allocate('10.244.1.7', 'dead1', 'net1');
    await allocate('10.244.1.8', 'young', 'eth0', new Date());
    await allocate('10.244.1.10', 'refuses');
    await allocate('10.244.1.11', 'sticky');
    const res = await releaseStaleAllocations({ conflist: list, binDirs: [sb.bin], liveContainerIds: new Set(['live1']), minAgeMs: 60_000 });
    expect(res.released.map((a) => `${a.ip} ${a.containerId} ${a.ifName}`).sort()).toEqual(['10.244.1.6 dead1 eth0', '10.244.1.7 dead1 net1']);
    expect(res.deferred.map((a) => a.ip)).toEqual(['10.244.1.8']);
    expect(res.failed.map((f) => [f.containerId, f.error.message])).toEqual([
      ['refuses', 'CNI bridge DEL (container refuses): [5 IOFailure] disk on fire'],
      ['sticky', `DEL succeeded but ${join(ipamDir, 'podnet', '10.244.1.11')} (10.244.1.11) is still allocated`],
    ]);
    expect((await readdir(join(ipamDir, 'podnet'))).sort()).toEqual(['10.244.1.10', '10.244.1.11', '10.244.1.5', '10.244.1.8', 'last_reserved_ip.0', 'lock']);
    // DEL with an empty netns, reverse order, once per (container, ifName).
    // (dead1, eth0), (dead1, net1), refuses, sticky: portmap first (reverse order), no netns.
    expect(await sb.calls()).toEqual(Array(4).fill(['portmap DEL', 'bridge DEL']).flat());
    expect((await sb.env('bridge', 'DEL')).CNI_NETNS).toBe('');
  });

  it('needs a host-local conflist', async () => {
    await expect(releaseStaleAllocations({ conflist: { ...list, plugins: [{ type: 'loopback' }] }, binDirs: [sb.bin], liveContainerIds: new Set() })).rejects.toThrow(
      /no plugin with host-local IPAM/,
    );
  });
});

describe('stale veths', () => {
  let sb: PluginSandbox;
  let netnsDir: string;
  let procDir: string;

  beforeEach(async () => {
    sb = await pluginSandbox();
    netnsDir = join(sb.log, 'netns');
    procDir = join(sb.log, 'proc');
    await mkdir(netnsDir);
    for (const name of ['cni-live', 'cni-leaked', 'cni-young']) await writeFile(join(netnsDir, name), '');
    const old = new Date(Date.now() - 3_600_000);
    await utimes(join(netnsDir, 'cni-live'), old, old);
    await utimes(join(netnsDir, 'cni-leaked'), old, old);
    const liveIno = (await stat(join(netnsDir, 'cni-live'))).ino;
    await mkdir(join(procDir, '1', 'ns'), { recursive: true });
    await symlink(`net:[${liveIno}]`, join(procDir, '1', 'ns', 'net'));
    await mkdir(join(procDir, 'self'));
  });
  afterEach(async () => {
    await sb.cleanup();
  });

  const links = [
    { ifname: 'veth-live', ifindex: 10, link_netnsid: 0, linkinfo: { info_kind: 'veth' } },
    { ifname: 'veth-leaked', ifindex: 11, link_netnsid: 1, linkinfo: { info_kind: 'veth' } },
    { ifname: 'veth-young', ifindex: 12, link_netnsid: 2, linkinfo: { info_kind: 'veth' } },
    { ifname: 'veth-unnamed', ifindex: 13, link_netnsid: 3, linkinfo: { info_kind: 'veth' } },
    { ifname: 'veth-local', ifindex: 14, linkinfo: { info_kind: 'veth' } },
    { ifname: 'vxlan0', ifindex: 15, link_netnsid: 1, linkinfo: { info_kind: 'vxlan' } },
  ];
  const ids = [{ nsid: 0, name: 'cni-live' }, { nsid: 1, name: 'cni-leaked' }, { nsid: 2, name: 'cni-young' }, { nsid: 3 }];

  function host(deleteFails = false) {
    return fakeRunner((file, args) => {
      if (args.join(' ') === '-j -d link show master br0') return JSON.stringify(links);
      if (args.join(' ') === '-j -d link show master nobr') throw fail(file, args, 'Device "nobr" does not exist.');
      if (args.join(' ') === '-j netns list-id') return JSON.stringify(ids);
      if (args[0] === 'link' && args[1] === 'del') {
        if (deleteFails) throw fail(file, args, 'RTNETLINK answers: Operation not permitted');
        return '';
      }
      throw fail(file, args, 'unexpected');
    });
  }

  it('finds veths whose peer netns has no process and is old enough', async () => {
    const { exec } = host();
    const stale = await listStaleVeths({ bridgeName: 'br0', exec, netnsDir, procDir, minAgeMs: 60_000 });
    expect(stale).toEqual([{ ifName: 'veth-leaked', ifIndex: 11, peerNetnsId: 1, netnsPath: join(netnsDir, 'cni-leaked') }]);
    expect((await listStaleVeths({ bridgeName: 'br0', exec, netnsDir, procDir, minAgeMs: 0 })).map((v) => v.ifName)).toEqual(['veth-leaked', 'veth-young']);
    expect(await listStaleVeths({ bridgeName: 'nobr', exec, netnsDir, procDir })).toEqual([]);
  });

  it('removes them and reports failures', async () => {
    const ok = host();
    expect((await removeStaleVeths({ bridgeName: 'br0', exec: ok.exec, netnsDir, procDir })).removed.map((v) => v.ifName)).toEqual(['veth-leaked']);
    expect(ok.calls.filter((c) => c.args[1] === 'del').map((c) => c.args.join(' '))).toEqual(['link del veth-leaked']);
    const bad = await removeStaleVeths({ bridgeName: 'br0', exec: host(true).exec, netnsDir, procDir });
    expect(bad.failed.map((f) => f.error.message)).toEqual([expect.stringMatching(/^deleting stale veth veth-leaked failed: .*Operation not permitted/)]);
  });
});
