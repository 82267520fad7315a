import { describe, expect, it } from 'vitest';
import type { Container, ContainerStats, PodSandbox } from '../../cri/index.js';
import { hostMemory, isHostInterface, parseDefaultRoute, parseKeyValues, parseNetDev, parseProcStat } from './host.js';
import { CpuRateCache, usageNanoCores } from './rates.js';
import { buildNodeStats, buildPodStats, type FsInfo } from './summary.js';

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;

function sandbox(id: string, uid: string, name: string, state: PodSandbox['state'] = 'SANDBOX_READY', createdAt = T0): PodSandbox {
  return { id, metadata: { name, uid, namespace: 'default', attempt: 0 }, state, createdAt, labels: {}, annotations: {}, runtimeHandler: '' };
}

function container(id: string, sb: string, name: string, state: Container['state'] = 'CONTAINER_RUNNING', createdAt = T0 + S): Container {
  return { id, podSandboxId: sb, metadata: { name, attempt: 0 }, image: 'busybox', imageRef: 'sha256:1', state, createdAt, labels: {}, annotations: {} };
}

function stats(id: string, at: bigint, cpuNs: number, workingSet: number, nanoCores: number | null = 0): ContainerStats {
  return {
    id,
    metadata: { name: id, attempt: 0 },
    labels: {},
    annotations: {},
    cpu: { timestamp: at, usageCoreNanoSeconds: cpuNs, usageNanoCores: nanoCores },
    memory: { timestamp: at, workingSetBytes: workingSet, availableBytes: 0, usageBytes: workingSet * 2, rssBytes: workingSet, pageFaults: 10, majorPageFaults: 1 },
    writableLayer: { timestamp: at, mountpoint: '/var/lib/containerd', usedBytes: 4096, inodesUsed: 3 },
  };
}

const FS: FsInfo = { capacityBytes: 100e9, availableBytes: 60e9, usedBytes: 40e9, inodes: 1000, inodesFree: 400 };

describe('CPU rates', () => {
  it('computes usageNanoCores from two samples and refuses backwards or empty intervals', () => {
    expect(usageNanoCores(undefined, { timestampNs: T0, usageCoreNanoSeconds: 5 })).toBeUndefined();
    // 0.5 s of CPU over 2 s: a quarter of a core.
    expect(usageNanoCores({ timestampNs: T0, usageCoreNanoSeconds: 1e9 }, { timestampNs: T0 + 2n * S, usageCoreNanoSeconds: 1.5e9 })).toBe(250_000_000);
    expect(usageNanoCores({ timestampNs: T0, usageCoreNanoSeconds: 1e9 }, { timestampNs: T0, usageCoreNanoSeconds: 2e9 })).toBeUndefined();
    expect(usageNanoCores({ timestampNs: T0, usageCoreNanoSeconds: 1e9 }, { timestampNs: T0 + S, usageCoreNanoSeconds: 1 })).toBeUndefined();
  });

  it('keeps the previous sample per key, ignores samples closer than the minimum interval and forgets gone keys', () => {
    const cache = new CpuRateCache({ minIntervalNs: S });
    expect(cache.update('a', { timestampNs: T0, usageCoreNanoSeconds: 0 })).toBeUndefined();
    expect(cache.update('a', { timestampNs: T0 + S / 10n, usageCoreNanoSeconds: 1e8 })).toBeUndefined(); // too close: the kept sample stays
    expect(cache.update('a', { timestampNs: T0 + 2n * S, usageCoreNanoSeconds: 2e9 })).toBe(1e9);
    expect(cache.update('a', { timestampNs: T0 + 2n * S + 1000n, usageCoreNanoSeconds: 2e9 + 10 })).toBe(1e9);
    cache.update('b', { timestampNs: T0, usageCoreNanoSeconds: 0 });
    cache.retain(new Set(['b']));
    expect(cache.size).toBe(1);
    expect(cache.update('a', { timestampNs: T0 + 10n * S, usageCoreNanoSeconds: 9e9 })).toBeUndefined();
  });
});

describe('pod stats', () => {
  it('aggregates the running containers of each ready sandbox and computes rates across calls', () => {
    const rates = new CpuRateCache();
    const sandboxes = [sandbox('sb1', 'u1', 'web'), sandbox('old', 'u1', 'web', 'SANDBOX_NOTREADY', T0 - S), sandbox('sb2', 'u2', 'api')];
    const containers = [
      container('c1', 'sb1', 'app'),
      container('c2', 'sb1', 'sidecar'),
      container('c0', 'sb1', 'app', 'CONTAINER_EXITED', T0),
      container('c3', 'old', 'app'),
    ];
    const input = {
      nowMs: Number((T0 + 5n * S) / 1_000_000n),
      sandboxes,
      containers,
      imageFs: FS,
      nodeFs: FS,
      logsFs: FS,
      logs: new Map([['c1', { usedBytes: 8192, inodesUsed: 2 }]]),
      network: new Map([['sb1', [{ name: 'eth0', rxBytes: 100, txBytes: 50, rxErrors: 0, txErrors: 0 }]]]),
      processCount: new Map([['u1', 3]]),
    };
    const first = buildPodStats({ ...input, stats: [stats('c1', T0 + 2n * S, 1e9, 10e6), stats('c2', T0 + 2n * S, 0, 1e6)] }, rates);
    expect(first.map((p) => p.podRef)).toEqual([
      { name: 'api', namespace: 'default', uid: 'u2' },
      { name: 'web', namespace: 'default', uid: 'u1' },
    ]);
    const web = first[1];
    expect(web?.containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
    expect(web?.containers[0]?.cpu).toEqual({ time: '2023-11-14T22:13:22Z', usageCoreNanoSeconds: 1e9 }); // no rate yet
    expect(web?.containers[0]?.memory).toEqual({ time: '2023-11-14T22:13:22Z', usageBytes: 20e6, workingSetBytes: 10e6, rssBytes: 10e6, pageFaults: 10, majorPageFaults: 1 });
    expect(web?.containers[0]?.rootfs).toEqual({ time: '2023-11-14T22:13:22Z', availableBytes: 60e9, capacityBytes: 100e9, inodesFree: 400, inodes: 1000, usedBytes: 4096, inodesUsed: 3 });
    expect(web?.containers[0]?.logs?.usedBytes).toBe(8192);
    expect(web?.startTime).toBe('2023-11-14T22:13:20Z');
    expect(web?.memory?.workingSetBytes).toBe(11e6);
    expect(web?.network).toMatchObject({ name: 'eth0', rxBytes: 100, txBytes: 50, interfaces: [{ name: 'eth0' }] });
    expect(web?.['ephemeral-storage']).toMatchObject({ usedBytes: 4096 + 8192 + 4096, inodesUsed: 3 + 2 + 3, capacityBytes: 100e9 });
    expect(web?.process_stats).toEqual({ process_count: 3 });
    expect(first[0]).toMatchObject({ containers: [], 'ephemeral-storage': { usedBytes: 0 } });
    expect(first[0]?.cpu).toBeUndefined();

    // Four seconds later app used two more CPU-seconds: half a core; the sidecar's runtime rate wins.
    const second = buildPodStats({ ...input, stats: [stats('c1', T0 + 6n * S, 3e9, 12e6), stats('c2', T0 + 6n * S, 1e8, 1e6, 7)] }, rates);
    const web2 = second[1];
    expect(web2?.containers[0]?.cpu?.usageNanoCores).toBe(500_000_000);
    expect(web2?.containers[1]?.cpu?.usageNanoCores).toBe(7);
    expect(web2?.cpu).toEqual({ time: '2023-11-14T22:13:26Z', usageNanoCores: 500_000_007, usageCoreNanoSeconds: 3.1e9 });
  });
});

describe('node stats', () => {
  it('builds cpu, memory, network, filesystems and limits', () => {
    const rates = new CpuRateCache();
    const base = {
      nodeName: 'node1',
      nowMs: Number(T0 / 1_000_000n),
      bootTimeMs: 1_600_000_000_000,
      memory: { totalBytes: 8e9, usageBytes: 3e9, workingSetBytes: 2e9, rssBytes: 1e9 },
      interfaces: [{ name: 'ens3', rxBytes: 1, txBytes: 2 }, { name: 'cni0', rxBytes: 3, txBytes: 4 }],
      defaultInterface: 'ens3',
      nodeFs: FS,
      imageFs: { ...FS, imagesUsage: { usedBytes: 5e6, inodesUsed: 50 } },
      maxPid: 32768,
      processes: 300,
    };
    buildNodeStats({ ...base, cpu: { timestampNs: T0, usageCoreNanoSeconds: 10e9 } }, rates);
    const node = buildNodeStats({ ...base, cpu: { timestampNs: T0 + 10n * S, usageCoreNanoSeconds: 25e9 } }, rates);
    expect(node).toEqual({
      nodeName: 'node1',
      startTime: '2020-09-13T12:26:40Z',
      cpu: { time: '2023-11-14T22:13:30Z', usageNanoCores: 1_500_000_000, usageCoreNanoSeconds: 25e9 },
      memory: { time: '2023-11-14T22:13:20Z', availableBytes: 6e9, usageBytes: 3e9, workingSetBytes: 2e9, rssBytes: 1e9 },
      network: { time: '2023-11-14T22:13:20Z', name: 'ens3', rxBytes: 1, txBytes: 2, interfaces: base.interfaces },
      fs: { time: '2023-11-14T22:13:20Z', availableBytes: 60e9, capacityBytes: 100e9, inodesFree: 400, inodes: 1000, usedBytes: 40e9, inodesUsed: 600 },
      runtime: { imageFs: { time: '2023-11-14T22:13:20Z', availableBytes: 60e9, capacityBytes: 100e9, inodesFree: 400, inodes: 1000, usedBytes: 5e6, inodesUsed: 50 } },
      rlimit: { time: '2023-11-14T22:13:20Z', maxpid: 32768, curproc: 300 },
    });
  });
});

describe('host parsers', () => {
  it('reads /proc/stat, meminfo, memory.stat, net/dev and the default route', () => {
    const stat = parseProcStat('cpu  100 5 50 1000 20 1 2 3 0 0\ncpu0 1 2 3 4\nbtime 1700000000\n');
    expect(stat).toEqual({ bootTimeMs: 1_700_000_000_000, busyCoreNanoSeconds: (100 + 5 + 50 + 1 + 2 + 3) * 10_000_000 });
    const meminfo = parseKeyValues('MemTotal:       1000 kB\nMemFree:         200 kB\nInactive(file):  100 kB\nAnonPages:        50 kB\n');
    expect(meminfo.get('Inactive(file)')).toBe(102_400);
    expect(hostMemory(meminfo)).toEqual({ totalBytes: 1_024_000, usageBytes: 819_200, workingSetBytes: 716_800, rssBytes: 51_200 });
    const cgroup = { usageBytes: 5000, stat: parseKeyValues('total_inactive_file 1000\ntotal_rss 3000\ntotal_pgfault 7\ntotal_pgmajfault 1\n') };
    expect(hostMemory(meminfo, cgroup)).toEqual({ totalBytes: 1_024_000, usageBytes: 5000, workingSetBytes: 4000, rssBytes: 3000, pageFaults: 7, majorPageFaults: 1 });
    const dev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0',
      '  eth0: 2000 20 1 0 0 0 0 0 3000 30 2 0 0 0 0 0',
    ].join('\n');
    expect(parseNetDev(dev)).toEqual([
      { name: 'lo', rxBytes: 100, rxErrors: 0, txBytes: 100, txErrors: 0 },
      { name: 'eth0', rxBytes: 2000, rxErrors: 1, txBytes: 3000, txErrors: 2 },
    ]);
    expect(['lo', 'veth1234', 'eth0', 'cni0'].filter(isHostInterface)).toEqual(['eth0', 'cni0']);
    expect(parseDefaultRoute('Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nens3\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\n')).toBe('ens3');
  });
});
