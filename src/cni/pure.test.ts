import { describe, expect, it } from 'vitest';
import { cidrContains, cidrsOverlap, firstHost, parseCidr4 } from './cidr.js';
import { hostLocalDir, parseNetworkConfigList, renderNodeConflist } from './conflist.js';
import { renderMasqueradeScript } from './masquerade.js';
import { parseResult, parseStructuredError, parseVersionInfo } from './result.js';
import { planPeerRoutes, validatePeerRoutes } from './routes.js';

describe('parseResult', () => {
  it('converts 0.2.0 ip4/ip6 results', () => {
    const r = parseResult({ cniVersion: '0.2.0', ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0' }] }, dns: { nameservers: ['1.1.1.1'] } });
    expect(r).toMatchObject({ interfaces: [], ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1' }], routes: [{ dst: '0.0.0.0/0' }], dns: { nameservers: ['1.1.1.1'] } });
  });
  it('names the bad field', () => {
    expect(() => parseResult({ cniVersion: '1.0.0', ips: [{ gateway: 'x' }] })).toThrow('ips[0].address is missing');
    expect(() => parseResult({ ips: [] })).toThrow('result.cniVersion is missing');
    expect(() => parseResult({ cniVersion: '1.0.0', dns: { nameservers: [1] } })).toThrow('dns.nameservers must be an array of strings');
    expect(() => parseVersionInfo({ cniVersion: '1.0.0' })).toThrow('supportedVersions is missing');
  });
  it('recognizes structured errors only', () => {
    expect(parseStructuredError('{"code":7,"msg":"m","details":""}')).toEqual({ code: 7, msg: 'm' });
    expect(parseStructuredError('{"msg":"m"}')).toBeUndefined();
    expect(parseStructuredError('panic')).toBeUndefined();
  });
});

describe('CIDRs', () => {
  it.each([
    ['10.244.1.0/24', 'ok'],
    ['10.244.1.5/24', /host bits set \(did you mean 10.244.1.0\/24\?\)/],
    ['10.244.1.0', /not a CIDR/],
    ['10.244.1.0/33', /over 32/],
    ['300.1.1.0/24', /not an IPv4 address/],
    ['fd00::/64', /IPv6 .* not supported/],
  ])('parses %s', (text, want) => {
    if (want === 'ok') expect(parseCidr4(text, 'podCidr').text).toBe(text);
    else expect(() => parseCidr4(text, 'podCidr')).toThrow(want);
  });
  it('computes containment, overlap and the gateway', () => {
    const cluster = parseCidr4('10.244.0.0/16', 'c');
    const pod = parseCidr4('10.244.7.0/24', 'p');
    expect(cidrContains(cluster, pod)).toBe(true);
    expect(cidrContains(pod, cluster)).toBe(false);
    expect(cidrsOverlap(pod, parseCidr4('10.244.7.128/25', 'x'))).toBe(true);
    expect(cidrsOverlap(pod, parseCidr4('10.244.8.0/24', 'x'))).toBe(false);
    expect(firstHost(pod)).toBe('10.244.7.1');
    expect(() => firstHost(parseCidr4('10.0.0.4/31', 'x'))).toThrow(/too small/);
  });
});

describe('node conflist', () => {
  const list = renderNodeConflist({ networkName: 'tskube', bridgeName: 'cni0', podCidr: '10.244.1.0/24', ipamDataDir: '/var/lib/tskube/cni/ipam', hairpin: true, mtu: 1450 });
  it('is bridge + host-local, portmap and bandwidth with capabilities', () => {
    expect(list).toEqual({
      cniVersion: '1.0.0',
      name: 'tskube',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          mtu: 1450,
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/var/lib/tskube/cni/ipam' },
        },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
        { type: 'bandwidth', capabilities: { bandwidth: true } },
      ],
    });
    expect(hostLocalDir(list)).toBe('/var/lib/tskube/cni/ipam/tskube');
    expect(hostLocalDir({ ...list, plugins: [{ type: 'ptp', ipam: { type: 'host-local' } }] })).toBe('/var/lib/cni/networks/tskube');
    expect(hostLocalDir({ ...list, plugins: [{ type: 'loopback' }] })).toBeUndefined();
  });
  it('round-trips and rejects broken lists naming the file', () => {
    expect(parseNetworkConfigList(JSON.stringify(list), 'f')).toEqual(list);
    expect(() => parseNetworkConfigList('{"name":"x","cniVersion":"1.0.0","plugins":[{}]}', '/etc/cni/x.conflist')).toThrow('/etc/cni/x.conflist: plugins[0].type is missing');
    expect(() => parseNetworkConfigList('{', 'f.conflist')).toThrow(/f.conflist is not JSON/);
  });
});

describe('masquerade script', () => {
  it('replaces the table atomically and masquerades only traffic leaving the cluster', () => {
    expect(renderMasqueradeScript({ table: 'tskube-cni0', podCidr: '10.244.1.0/24', excludeCidr: '10.244.0.0/16' })).toBe(
      [
        'table ip tskube-cni0',
        'delete table ip tskube-cni0',
        'table ip tskube-cni0 {',
        '  chain postrouting {',
        '    type nat hook postrouting priority srcnat; policy accept;',
        '    ip saddr 10.244.1.0/24 ip daddr != 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade comment "tskube: pods leaving the cluster"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('peer routes', () => {
  const own = parseCidr4('10.244.1.0/24', 'podCidr');
  it('validates and normalizes', () => {
    expect(validatePeerRoutes([{ podCidr: '10.244.2.0/24', via: '192.168.1.12' }], own)).toEqual([{ podCidr: '10.244.2.0/24', via: '192.168.1.12' }]);
    expect(() => validatePeerRoutes([{ podCidr: '10.244.1.0/25', via: '192.168.1.12' }], own)).toThrow("peers[0].podCidr: 10.244.1.0/25 overlaps this node's pod CIDR");
    expect(() => validatePeerRoutes([{ podCidr: '10.244.2.0/24', via: 'node-2' }], own)).toThrow('peers[0].via');
    expect(() =>
      validatePeerRoutes([{ podCidr: '10.244.2.0/24', via: '192.168.1.12' }, { podCidr: '10.244.2.0/23', via: '192.168.1.13' }], own),
    ).toThrow('peers[1].podCidr: 10.244.2.0/23 overlaps 10.244.2.0/24');
  });
  it('plans add, replace and remove', () => {
    const plan = planPeerRoutes(
      [
        { podCidr: '10.244.2.0/24', via: '192.168.1.12' },
        { podCidr: '10.244.3.0/24', via: '192.168.1.13' },
        { podCidr: '10.244.4.0/24', via: '192.168.1.14' },
      ],
      [
        { dst: '10.244.3.0/24', via: '192.168.1.99' },
        { dst: '10.244.4.0/24', via: '192.168.1.14' },
        { dst: '10.244.5.0/24', via: '192.168.1.15' },
      ],
    );
    expect(plan).toEqual({
      add: [{ podCidr: '10.244.2.0/24', via: '192.168.1.12' }],
      replace: [{ podCidr: '10.244.3.0/24', via: '192.168.1.13' }],
      remove: [{ dst: '10.244.5.0/24', via: '192.168.1.15' }],
    });
  });
});
