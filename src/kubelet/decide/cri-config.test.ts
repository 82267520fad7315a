import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/index.js';
import { ContainerConfigError, SandboxConfigError } from './config-error.js';
import { containerConfig, containerLogPath, podHostname, podLogDirectory, podSandboxConfig, sysctlWithDots, verifyRunAsNonRoot } from './cri-config.js';
import { container, makePod, sidecar } from './fixtures.js';
import { hashContainer } from './hash.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './linux.js';

const GiB = 1024 ** 3;

describe('podSandboxConfig (upstream generatePodSandboxConfig)', () => {
  const pod = makePod(
    {
      containers: [
        container('app', {
          ports: [{ name: 'http', containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: 'UDP' }, { name: 'http', containerPort: 81 }],
          resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        }),
        container('side', { securityContext: { privileged: true } }),
      ],
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000], sysctls: [{ name: 'net/ipv4/ip_unprivileged_port_start', value: '0' }] },
    },
    { labels: { app: 'web' }, annotations: { note: 'x' } },
  );

  it('builds metadata, hostname, log directory, DNS, ports, labels and the linux config', () => {
    const config = podSandboxConfig(pod, {
      attempt: 2,
      cgroupParent: '/kubepods/burstable/poduid-1',
      dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
    });
    expect(config).toEqual({
      metadata: { name: 'web', namespace: 'default', uid: 'uid-1', attempt: 2 },
      hostname: 'web',
      logDirectory: '/var/log/pods/default_web_uid-1',
      dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      // All ports, as upstream; containerd hands only those with a hostPort to the portmap plugin.
      portMappings: [
        { protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' },
        { protocol: 'UDP', containerPort: 53, hostPort: 0, hostIp: '' },
      ],
      labels: { app: 'web', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-1' },
      annotations: { note: 'x' },
      linux: {
        cgroupParent: '/kubepods/burstable/poduid-1',
        securityContext: {
          namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
          privileged: true,
          seccomp: { profileType: 'RuntimeDefault' },
          supplementalGroups: [2000, 4000],
          runAsUser: { value: 1000 },
          runAsGroup: { value: 3000 },
        },
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
        resources: { cpuShares: 256, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 128 * 1024 * 1024 },
      },
    });
  });

  it('gives a host-network sandbox no hostname and the node network namespace', () => {
    const config = podSandboxConfig(makePod({ hostNetwork: true, hostPID: true }), { attempt: 0 });
    expect(config.hostname).toBeUndefined();
    expect(config.linux?.securityContext?.namespaceOptions).toEqual({ network: 'NODE', pid: 'NODE', ipc: 'POD' });
  });

  it('adds the pod overhead as its own resources', () => {
    const config = podSandboxConfig(makePod({ overhead: { cpu: '100m', memory: '32Mi' } }), { attempt: 0 });
    expect(config.linux?.overhead).toEqual({ cpuShares: 102, cpuQuota: 10_000, cpuPeriod: 100_000, memoryLimitInBytes: 32 * 1024 * 1024 });
  });

  it('writes logs under a configured root', () => {
    expect(podLogDirectory(makePod(), '/tmp/logs')).toBe('/tmp/logs/default_web_uid-1');
    expect(containerLogPath('app', 3)).toBe('app/3.log');
  });
});

describe('podHostname (upstream GeneratePodHostNameAndDomain + GetNodenameForKernel)', () => {
  const long = 'a'.repeat(60) + '-b.c';
  it.each<[string, Pod, string]>([
    ['the pod name', makePod(), 'web'],
    ['spec.hostname', makePod({ hostname: 'db-0' }), 'db-0'],
    ['subdomain alone does not change it', makePod({ hostname: 'db-0', subdomain: 'db' }), 'db-0'],
    ['setHostnameAsFQDN gives the FQDN', makePod({ hostname: 'db-0', subdomain: 'db', setHostnameAsFQDN: true }), 'db-0.db.default.svc.cluster.local'],
    ['a long name is cut to 63 without a trailing dash or dot', makePod({}, { name: `${'x'.repeat(62)}-yyy` }), 'x'.repeat(62)],
    ['a cut that ends in a dot loses the dot', makePod({}, { name: long }), `${'a'.repeat(60)}-b`],
  ])('%s', (_why, pod, want) => {
    expect(podHostname(pod)).toBe(want);
  });

  it.each<[string, Pod, string]>([
    ['an invalid hostname', makePod({ hostname: 'Bad_Name' }), 'pod Hostname "Bad_Name" is not a valid DNS label: a lowercase RFC 1123 label must consist of'],
    ['an invalid subdomain', makePod({ subdomain: 'x.y' }), 'pod Subdomain "x.y" is not a valid DNS label'],
    [
      'an FQDN over 64 characters',
      makePod({ hostname: 'h'.repeat(40), subdomain: 'sub', setHostnameAsFQDN: true }),
      'failed to construct FQDN from pod hostname and cluster domain, FQDN',
    ],
  ])('rejects %s', (_why, pod, message) => {
    expect(() => podHostname(pod)).toThrow(SandboxConfigError);
    expect(() => podHostname(pod)).toThrow(message);
  });

  it.each([
    ['net.ipv4.ip_forward', 'net.ipv4.ip_forward'],
    ['net/ipv4/ip_forward', 'net.ipv4.ip_forward'],
    ['net/ipv4/conf/eno2.100/rp_filter', 'net.ipv4.conf.eno2/100.rp_filter'],
    ['kernel.shm_rmid_forced', 'kernel.shm_rmid_forced'],
  ])('sysctl %s is passed to runc as %s', (name, want) => {
    expect(sysctlWithDots(name)).toBe(want);
  });
});

describe('containerConfig (upstream generateContainerConfig)', () => {
  const app = container('app', {
    image: 'busybox:1.36',
    command: ['sh', '-c', 'echo $(GREETING) from $(POD_NAME)'],
    args: ['$(MISSING)', '$$(POD_NAME)'],
    workingDir: '/work',
    env: [
      { name: 'GREETING', value: 'hello' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MSG', value: '$(GREETING), $(POD_NAME)' },
    ],
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    securityContext: { capabilities: { add: ['NET_ADMIN'] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    stdin: true,
    tty: true,
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  });
  const pod = makePod({ containers: [app], terminationGracePeriodSeconds: 30 });
  const mount = { containerPath: '/data', hostPath: '/var/lib/kubelet/pods/uid-1/volumes/x', readonly: false };

  it('builds metadata, image, expanded command and env, logs, labels, resources and security', () => {
    const { config, warnings } = containerConfig(pod, app, {
      restartCount: 2,
      imageRef: 'sha256:abc',
      mounts: [mount],
      memoryCapacityBytes: 8 * GiB,
      podIPs: ['10.88.0.5'],
    });
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      metadata: { name: 'app', attempt: 2 },
      image: { image: 'sha256:abc', userSpecifiedImage: 'busybox:1.36' },
      command: ['sh', '-c', 'echo hello from web'],
      args: ['$(MISSING)', '$(POD_NAME)'],
      workingDir: '/work',
      envs: [
        { key: 'GREETING', value: 'hello' },
        { key: 'POD_NAME', value: 'web' },
        { key: 'MSG', value: 'hello, web' },
      ],
      mounts: [mount],
      labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'uid-1', 'io.kubernetes.container.name': 'app' },
      annotations: {
        'io.kubernetes.container.hash': hashContainer(app),
        'io.kubernetes.container.restartCount': '2',
        'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
        'io.kubernetes.container.terminationMessagePolicy': 'File',
        'io.kubernetes.pod.terminationGracePeriod': '30',
      },
      logPath: 'app/2.log',
      stdin: true,
      stdinOnce: false,
      tty: true,
      linux: {
        resources: { cpuShares: 102, cpuQuota: 20_000, cpuPeriod: 100_000, memoryLimitInBytes: 128 * 1024 * 1024, oomScoreAdj: 993 },
        securityContext: {
          privileged: false,
          readonlyRootfs: true,
          namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
          supplementalGroups: [],
          noNewPrivs: true,
          maskedPaths: [...DEFAULT_MASKED_PATHS],
          readonlyPaths: [...DEFAULT_READONLY_PATHS],
          seccomp: { profileType: 'Unconfined' },
          capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: [] },
        },
      },
    });
  });

  it('runs the spec image when no resolved reference is given', () => {
    const { config } = containerConfig(pod, app, { restartCount: 0, memoryCapacityBytes: GiB });
    expect(config.image).toEqual({ image: 'busybox:1.36', userSpecifiedImage: 'busybox:1.36' });
    expect(config.logPath).toBe('app/0.log');
  });

  it('gives a Guaranteed pod -997 and a sidecar its own kind of score', () => {
    const g = container('g', { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } });
    const gp = makePod({ containers: [g] });
    expect(containerConfig(gp, g, { restartCount: 0, memoryCapacityBytes: 8 * GiB }).config.linux?.resources?.oomScoreAdj).toBe(-997);
    const s = sidecar('s');
    const sp = makePod({ initContainers: [s] });
    expect(containerConfig(sp, s, { restartCount: 0, memoryCapacityBytes: 8 * GiB }).config.linux?.resources?.oomScoreAdj).toBe(1000);
  });

  it('turns unresolvable references into CreateContainerConfigError', () => {
    const bad: Container = container('bad', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] });
    const p = makePod({ containers: [bad] });
    const build = (): unknown => containerConfig(p, bad, { restartCount: 0, memoryCapacityBytes: GiB });
    expect(build).toThrow(ContainerConfigError);
    try {
      build();
    } catch (err) {
      expect(err).toMatchObject({ code: 'CreateContainerConfigError', containerName: 'bad', message: "couldn't get configMap default/cfg, no kubeClient defined" });
    }
  });

  it('a Localhost seccomp profile without a name is a config error', () => {
    const c = container('app', { securityContext: { seccompProfile: { type: 'Localhost' } } });
    expect(() => containerConfig(makePod({ containers: [c] }), c, { restartCount: 0, memoryCapacityBytes: GiB })).toThrow(ContainerConfigError);
  });
});

describe('verifyRunAsNonRoot (upstream verifyRunAsNonRoot)', () => {
  const nonRoot = (sc: Container['securityContext'] = {}): Pod => makePod({ securityContext: { runAsNonRoot: true }, containers: [container('app', { securityContext: sc })] });
  const app = (p: Pod): Container => p.spec.containers[0] as Container;
  it.each<[string, Pod, { uid?: number; username?: string }, string | null]>([
    ['not requested', makePod(), { uid: 0 }, null],
    ['runAsUser 0 breaks it', nonRoot({ runAsUser: 0 }), {}, 'container\'s runAsUser breaks non-root policy (pod: "web_default(uid-1)", container: app)'],
    ['runAsUser 1000 satisfies it', nonRoot({ runAsUser: 1000 }), { uid: 0 }, null],
    ['an image running as root breaks it', nonRoot(), { uid: 0 }, 'container has runAsNonRoot and image will run as root (pod: "web_default(uid-1)", container: app)'],
    [
      'a named image user cannot be verified',
      nonRoot(),
      { username: 'nginx' },
      'container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: "web_default(uid-1)", container: app)',
    ],
    ['a numeric non-root image user satisfies it', nonRoot(), { uid: 101 }, null],
  ])('%s', (_why, pod, user, want) => {
    expect(verifyRunAsNonRoot(pod, app(pod), user)).toBe(want);
  });

  it('fails the container config', () => {
    const p = nonRoot({ runAsUser: 0 });
    expect(() => containerConfig(p, app(p), { restartCount: 0, memoryCapacityBytes: GiB })).toThrow(ContainerConfigError);
  });
});
