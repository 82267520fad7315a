import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/index.js';
import { container, makePod, sidecar } from './fixtures.js';
import {
  DEFAULT_MASKED_PATHS,
  containerOOMScoreAdjust,
  containerSecurityContext,
  linuxResources,
  milliCPUToQuota,
  milliCPUToShares,
  seccompProfile,
} from './linux.js';

const GiB = 1024 ** 3;

describe('cpu shares and quota (upstream MilliCPUToShares / milliCPUToQuota)', () => {
  it.each([
    [0, 2],
    [1, 2],
    [2, 2],
    [10, 10],
    [100, 102],
    [250, 256],
    [1000, 1024],
    [1500, 1536],
    [300_000, 262_144],
  ])('%i milliCPU -> %i shares', (milli, shares) => {
    expect(milliCPUToShares(milli)).toBe(shares);
  });

  it.each([
    [0, 100_000, 0],
    [5, 100_000, 1000],
    [10, 100_000, 1000],
    [200, 100_000, 20_000],
    [1500, 100_000, 150_000],
    [250, 50_000, 12_500],
  ])('%i milliCPU over a %i µs period -> quota %i µs', (milli, period, quota) => {
    expect(milliCPUToQuota(milli, period)).toBe(quota);
  });
});

describe('linuxResources (upstream calculateLinuxResources)', () => {
  it.each<[string, [string | undefined, string | undefined, string | undefined], object]>([
    ['nothing set: minimal shares, no quota, no memory limit', [undefined, undefined, undefined], { cpuShares: 2, cpuPeriod: 100_000 }],
    ['request only', ['250m', undefined, undefined], { cpuShares: 256, cpuPeriod: 100_000 }],
    ['limit only: shares from the limit', [undefined, '500m', '128Mi'], { cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 134_217_728 }],
    ['request and limit', ['100m', '2', '1Gi'], { cpuShares: 102, cpuQuota: 200_000, cpuPeriod: 100_000, memoryLimitInBytes: GiB }],
  ])('%s', (_why, [req, lim, mem], want) => {
    expect(linuxResources(req, lim, mem)).toEqual(want);
  });

  it('leaves quota and period out when CFS quota is off, and uses a configured period', () => {
    expect(linuxResources('1', '1', undefined, { cpuCFSQuota: false })).toEqual({ cpuShares: 1024 });
    expect(linuxResources('1', '1', undefined, { cpuCFSQuotaPeriodUs: 50_000 })).toEqual({ cpuShares: 1024, cpuQuota: 50_000, cpuPeriod: 50_000 });
  });
});

describe('containerOOMScoreAdjust (upstream GetContainerOOMScoreAdjust)', () => {
  const res = (cpu: string, memory: string): Container['resources'] => ({ requests: { cpu, memory }, limits: { cpu, memory } });
  const burstable = (memory: string): Container => container('app', { resources: { requests: { memory } } });
  const cases: Array<[string, number, Pod, string]> = [
    ['Guaranteed', -997, makePod({ containers: [container('app', { resources: res('1', '1Gi') })] }), 'app'],
    ['BestEffort', 1000, makePod(), 'app'],
    ['Burstable requesting 1/8 of memory', 875, makePod({ containers: [burstable('1Gi')] }), 'app'],
    ['Burstable rounds the request share down', 991, makePod({ containers: [burstable(`${Math.floor(0.01 * 8 * GiB)}`)] }), 'app'],
    ['Burstable requesting all memory stays above Guaranteed', 3, makePod({ containers: [burstable('8Gi')] }), 'app'],
    ['Burstable requesting no memory stays below BestEffort', 999, makePod({ containers: [container('app', { resources: { requests: { cpu: '1' } } })] }), 'app'],
    [
      'a node-critical static pod is protected like Guaranteed',
      -997,
      makePod({ priorityClassName: 'system-node-critical' }, { annotations: { 'kubernetes.io/config.source': 'file' } }),
      'app',
    ],
    [
      'a sidecar is no more killable than the smallest app container',
      750,
      makePod({ initContainers: [sidecar('proxy', { resources: { requests: { memory: '1Gi' } } })], containers: [burstable('4Gi'), container('b', { resources: { requests: { memory: '2Gi' } } })] }),
      'proxy',
    ],
  ];
  it.each(cases)('%s -> %i', (_why, want, pod, name) => {
    const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x) => x.name === name) as Container;
    expect(containerOOMScoreAdjust(pod, c, 8 * GiB)).toBe(want);
  });
});

describe('containerSecurityContext (upstream determineEffectiveSecurityContext)', () => {
  it('defaults: unprivileged, pod namespaces, masked /proc, Unconfined seccomp', () => {
    const pod = makePod();
    expect(containerSecurityContext(pod, pod.spec.containers[0] as Container)).toEqual({
      privileged: false,
      readonlyRootfs: false,
      namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
      supplementalGroups: [],
      noNewPrivs: false,
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      seccomp: { profileType: 'Unconfined' },
    });
  });

  it('merges the pod context under the container context', () => {
    const pod = makePod({
      hostPID: true,
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] },
      containers: [
        container('app', {
          securityContext: {
            runAsUser: 1001,
            privileged: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
            procMount: 'Unmasked',
          },
        }),
      ],
    });
    expect(containerSecurityContext(pod, pod.spec.containers[0] as Container, {}, { extraSupplementalGroups: [5000] })).toEqual({
      privileged: true,
      readonlyRootfs: true,
      namespaceOptions: { network: 'POD', pid: 'NODE', ipc: 'POD' },
      supplementalGroups: [2000, 5000, 4000],
      noNewPrivs: true,
      maskedPaths: [],
      readonlyPaths: [],
      seccomp: { profileType: 'Unconfined' },
      capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] },
      runAsUser: { value: 1001 },
      runAsGroup: { value: 3000 },
    });
  });

  it("falls back to the image's user when no runAsUser is set", () => {
    const pod = makePod();
    const sc = containerSecurityContext(pod, pod.spec.containers[0] as Container, { uid: 65534, username: 'nobody' });
    expect(sc.runAsUser).toEqual({ value: 65534 });
    expect(sc.runAsUsername).toBe('nobody');
  });

  it('shares the pid namespace with shareProcessNamespace', () => {
    const pod = makePod({ shareProcessNamespace: true, hostNetwork: true, hostIPC: true });
    expect(containerSecurityContext(pod, pod.spec.containers[0] as Container).namespaceOptions).toEqual({ network: 'NODE', pid: 'POD', ipc: 'NODE' });
  });

  it.each<[string, Pod, object]>([
    ['none set, default Unconfined', makePod(), { profileType: 'Unconfined' }],
    ['pod RuntimeDefault', makePod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }), { profileType: 'RuntimeDefault' }],
    [
      'container Localhost wins over pod',
      makePod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [container('app', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'audit.json' } } })] }),
      { profileType: 'Localhost', localhostRef: '/var/lib/kubelet/seccomp/audit.json' },
    ],
  ])('seccomp: %s', (_why, pod, want) => {
    expect(seccompProfile(pod, pod.spec.containers[0] as Container)).toEqual(want);
  });

  it('seccomp: --seccomp-default makes RuntimeDefault the default; Localhost needs a profile', () => {
    const pod = makePod();
    expect(seccompProfile(pod, pod.spec.containers[0] as Container, { seccompDefault: true })).toEqual({ profileType: 'RuntimeDefault' });
    const bad = makePod({ securityContext: { seccompProfile: { type: 'Localhost' } } });
    expect(() => seccompProfile(bad, bad.spec.containers[0] as Container)).toThrow('localhostProfile must be set if seccompProfile type is Localhost.');
  });
});
