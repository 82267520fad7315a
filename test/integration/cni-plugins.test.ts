/**
 * The CNI exec protocol against Debian's real plugins (/usr/lib/cni: bridge, host-local, portmap,
 * bandwidth) in a network namespace of this test's own; no containerd.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addChain,
  checkChain,
  CniError,
  delChain,
  invokePlugin,
  KNOWN_BROKEN_CHECKS,
  listIpamAllocations,
  renderNodeConflist,
  type CniResult,
  type NetworkConfigList,
} from '../../src/cni/index.js';

const BIN = ['/usr/lib/cni'];

async function ip(args: string[]): Promise<string> {
  return (await execa('ip', args)).stdout;
}

async function linkExists(name: string): Promise<boolean> {
  return (await execa('ip', ['link', 'show', name], { reject: false })).exitCode === 0;
}

/** A /24 in 10.223.0.0/16 that no interface or route on this host uses. */
async function freeSubnet(): Promise<string> {
  const used = (await ip(['-4', '-o', 'addr', 'show'])) + (await ip(['-4', 'route', 'show', 'table', 'all']));
  for (let i = 0; i < 64; i++) {
    const prefix = `10.223.${randomBytes(1)[0] ?? 0}.`;
    if (!used.includes(prefix)) return `${prefix}0/24`;
  }
  throw new Error('no free /24 in 10.223.0.0/16');
}

describe('CNI protocol against the real plugins', () => {
  const hex = randomBytes(3).toString('hex');
  const bridge = `tsk${hex}`;
  const netnsName = `tskube-cni-test-${hex}`;
  const netns = `/var/run/netns/${netnsName}`;
  const containerId = `tskube-cni-test-${hex}`;
  let dir: string;
  let subnet: string;
  let list: NetworkConfigList;
  let added: CniResult;

  beforeAll(async () => {
    dir = await mkdtemp('/var/tmp/tskube-cni-plugins-');
    subnet = await freeSubnet();
    list = renderNodeConflist({ networkName: `tskube-${hex}`, bridgeName: bridge, podCidr: subnet, ipamDataDir: join(dir, 'ipam'), hairpin: true });
    await ip(['netns', 'add', netnsName]);
  });
  afterAll(async () => {
    // DEL first (frees the ifb device and any portmap state), then the namespace, bridge and files.
    if (list) await delChain(list, { binDirs: BIN, containerId, netns }).catch(() => undefined);
    await execa('ip', ['netns', 'del', netnsName], { reject: false });
    await execa('ip', ['link', 'del', bridge], { reject: false });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('VERSION: every plugin speaks 1.0.0', async () => {
    for (const plugin of ['bridge', 'host-local', 'portmap', 'bandwidth']) {
      const v = await invokePlugin({ binDirs: BIN, plugin, command: 'VERSION', config: { cniVersion: '1.0.0' } });
      expect(v.supportedVersions, plugin).toContain('1.0.0');
    }
  });

  it('structured errors of a real plugin become CniErrors', async () => {
    const config = { ...list.plugins[0], name: list.name, cniVersion: '1.1.0' };
    const err = await invokePlugin({ binDirs: BIN, plugin: 'bridge', command: 'ADD', containerId, netns, ifName: 'eth9', config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({ code: 'IncompatibleVersion', cniCode: 1, plugin: 'bridge', command: 'ADD', msg: 'incompatible CNI versions' });
    expect((err as Error).message).toMatch(/^CNI bridge ADD \(container tskube-cni-test-\w+\): \[1 IncompatibleVersion\] incompatible CNI versions: config is "1.1.0"/);
    // 1.1.1 plugins predate GC: their skel asks for CNI_CONTAINERID and answers code 3.
    const gc = await invokePlugin({ binDirs: BIN, plugin: 'bridge', command: 'GC', config }).catch((e: unknown) => e);
    expect(gc).toMatchObject({ code: 'UnknownContainer', cniCode: 3, msg: 'missing containerID' });
  });

  it('ADD threads the result through bridge, portmap and bandwidth', async () => {
    added = await addChain(list, {
      binDirs: BIN,
      containerId,
      netns,
      args: { IgnoreUnknown: '1', K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'plugins-test' },
      capabilityArgs: { bandwidth: { ingressRate: 8_000_000, ingressBurst: 1_000_000, egressRate: 8_000_000, egressBurst: 1_000_000 } },
    });
    const address = added.ips[0]?.address ?? '';
    expect(address.startsWith(subnet.replace(/0\/24$/, ''))).toBe(true);
    expect(added.ips[0]?.gateway).toBe(subnet.replace(/0\/24$/, '1'));
    const names = added.interfaces.map((i) => i.name);
    expect(names[0]).toBe(bridge);
    expect(added.interfaces.find((i) => i.name === 'eth0')?.sandbox).toBe(netns);
    const ifb = names.find((n) => n.startsWith('bwp'));
    expect(ifb, 'bandwidth adds its ifb device to the result').toBeDefined();
    expect(await linkExists(ifb ?? '')).toBe(true);
    expect(await ip(['-n', netnsName, '-4', '-o', 'addr', 'show', 'eth0'])).toContain(`inet ${address}`);
    expect(await ip(['-n', netnsName, 'route', 'show', 'default'])).toContain(`via ${added.ips[0]?.gateway}`);
    expect((await listIpamAllocations(join(dir, 'ipam'), list.name)).map((a) => [a.ip, a.containerId, a.ifName])).toEqual([
      [address.split('/')[0], containerId, 'eth0'],
    ]);
  });

  it('CHECK passes with the ADD result and fails, naming the plugin, with a wrong one', async () => {
    await checkChain(list, { binDirs: BIN, containerId, netns, prevResult: added.raw, skipCheck: KNOWN_BROKEN_CHECKS });
    const wrong = JSON.parse(JSON.stringify(added.raw).replace(/"address":"[^"]+"/, `"address":"${subnet.replace(/0\/24$/, '250/24')}"`)) as Record<string, unknown>;
    const err = await checkChain(list, { binDirs: BIN, containerId, netns, prevResult: wrong, skipCheck: KNOWN_BROKEN_CHECKS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).plugin).toBe('bridge');
    expect((err as Error).message).toMatch(/^CNI bridge CHECK \(container tskube-cni-test-/);
  });

  it('DEL frees everything and is idempotent, with or without the netns', async () => {
    const hostVeth = added.interfaces[1]?.name ?? '';
    const ifb = added.interfaces.find((i) => i.name.startsWith('bwp'))?.name ?? '';
    await delChain(list, { binDirs: BIN, containerId, netns, prevResult: added.raw });
    expect(await listIpamAllocations(join(dir, 'ipam'), list.name)).toEqual([]);
    expect(await linkExists(hostVeth)).toBe(false);
    expect(await linkExists(ifb)).toBe(false);
    await delChain(list, { binDirs: BIN, containerId, netns });
    await ip(['netns', 'del', netnsName]);
    await delChain(list, { binDirs: BIN, containerId, netns });
    await delChain(list, { binDirs: BIN, containerId, netns: '' });
  });
});
