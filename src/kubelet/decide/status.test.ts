import { describe, expect, it } from 'vitest';
import type { Pod, PodCondition, PodStatus } from '../../api/index.js';
import { container, instance, makePod, runtimeView, sandbox, sidecar } from './fixtures.js';
import type { RuntimePodStatus } from './runtime.js';
import { generatePodStatus, sortPodIPs, type PodStatusContext } from './status.js';

const NOW = 1_704_067_200_000 + 60_000; // 2024-01-01T00:01:00Z
const ctx = (extra: Partial<PodStatusContext> = {}): PodStatusContext => ({ now: NOW, hostIPs: ['192.168.1.10'], ...extra });
const cond = (s: PodStatus): Record<string, string> =>
  Object.fromEntries((s.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message].filter(Boolean).join(' / ')]));
const gen = (pod: Pod, runtime: RuntimePodStatus, extra: Partial<PodStatusContext> = {}): PodStatus => generatePodStatus(pod, runtime, ctx(extra));

describe('generatePodStatus: a new pod', () => {
  const pod = makePod();
  const s = gen(pod, runtimeView([], []));

  it('is Pending with its container waiting in ContainerCreating', () => {
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses).toEqual([
      { name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, ready: false, restartCount: 0, image: 'busybox:1.36', imageID: '', started: false },
    ]);
    expect(s.initContainerStatuses).toEqual([]);
  });

  it('reports the kubelet conditions in upstream order with upstream reasons', () => {
    expect(s.conditions?.map((c) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    expect(cond(s)).toEqual({
      PodReadyToStartContainers: 'False',
      Initialized: 'True',
      Ready: 'False / ContainersNotReady / containers with unready status: [app]',
      ContainersReady: 'False / ContainersNotReady / containers with unready status: [app]',
      PodScheduled: 'True',
    });
    for (const c of s.conditions ?? []) expect(c).toMatchObject({ lastProbeTime: null, lastTransitionTime: '2024-01-01T00:01:00Z' });
  });

  it('sets startTime, hostIP(s) and the QoS class, and no pod IP yet', () => {
    expect(s).toMatchObject({ startTime: '2024-01-01T00:01:00Z', hostIP: '192.168.1.10', hostIPs: [{ ip: '192.168.1.10' }], qosClass: 'BestEffort' });
    expect(s.podIP).toBeUndefined();
  });
});

describe('generatePodStatus: a running pod', () => {
  const pod = makePod({ containers: [container('app'), container('web', { readinessProbe: { httpGet: { port: 80 } } })] });
  const runtime = runtimeView([sandbox()], [instance(pod, 'app', 'CONTAINER_RUNNING'), instance(pod, 'web', 'CONTAINER_RUNNING')]);

  it('is Running with container IDs, image IDs, start times and the pod IP', () => {
    const s = gen(pod, runtime, { probes: { readiness: new Map([['web-0', 'success']]) } });
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.88.0.5');
    expect(s.podIPs).toEqual([{ ip: '10.88.0.5' }]);
    expect(s.containerStatuses?.[0]).toEqual({
      name: 'app',
      ready: true,
      started: true,
      restartCount: 0,
      image: 'docker.io/library/busybox:1.36',
      imageID: 'docker.io/library/busybox@sha256:0123',
      containerID: 'containerd://app-0',
      state: { running: { startedAt: '2024-01-01T00:00:01Z' } },
    });
    expect(cond(s)).toMatchObject({ PodReadyToStartContainers: 'True', Ready: 'True', ContainersReady: 'True' });
  });

  it('a container with a readiness probe is not ready until the probe succeeds', () => {
    const s = gen(pod, runtime);
    expect(s.containerStatuses?.map((c) => c.ready)).toEqual([true, false]);
    expect(cond(s).Ready).toBe('False / ContainersNotReady / containers with unready status: [web]');
    const failed = gen(pod, runtime, { probes: { readiness: new Map([['web-0', 'failure']]) } });
    expect(failed.containerStatuses?.[1]?.ready).toBe(false);
  });

  it('a container with a startup probe is neither started nor ready until it succeeds', () => {
    const p = makePod({ containers: [container('app', { startupProbe: { exec: { command: ['true'] } } })] });
    const r = runtimeView([sandbox()], [instance(p, 'app', 'CONTAINER_RUNNING')]);
    expect(gen(p, r).containerStatuses?.[0]).toMatchObject({ started: false, ready: false });
    expect(gen(p, r, { probes: { startup: new Map([['app-0', 'success']]) } }).containerStatuses?.[0]).toMatchObject({ started: true, ready: true });
  });

  it('keeps lastTransitionTime while a condition holds, and moves it when it flips', () => {
    const first = gen(pod, runtime, { now: NOW });
    const later = NOW + 3_600_000;
    const same = gen(pod, runtime, { now: later, previous: first });
    const time = (s: PodStatus, type: string): PodCondition['lastTransitionTime'] => s.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    expect(time(same, 'ContainersReady')).toBe('2024-01-01T00:01:00Z');
    const flipped = gen(pod, runtime, { now: later, previous: first, probes: { readiness: new Map([['web-0', 'success']]) } });
    expect(time(flipped, 'ContainersReady')).toBe('2024-01-01T01:01:00Z');
    expect(time(flipped, 'PodScheduled')).toBe('2024-01-01T00:01:00Z');
    expect(flipped.startTime).toBe('2024-01-01T00:01:00Z');
  });

  it('orders pod IPs by the node family: primary IPv4 first, then IPv6', () => {
    expect(sortPodIPs(['fd00::5', '10.88.0.5', '10.88.0.6'], ['192.168.1.10'])).toEqual(['10.88.0.5', 'fd00::5']);
    expect(sortPodIPs(['10.88.0.5', 'fd00::5'], ['fd00::1'])).toEqual(['fd00::5', '10.88.0.5']);
  });

  it('a host-network pod reports the host IP as its pod IP', () => {
    const p = makePod({ hostNetwork: true });
    const s = gen(p, runtimeView([sandbox({ network: 'NODE' })], [instance(p, 'app', 'CONTAINER_RUNNING')]));
    expect(s.podIP).toBe('192.168.1.10');
  });
});

describe('generatePodStatus: failures and restarts', () => {
  it('a crash-looping container waits in CrashLoopBackOff with the last exit as lastState', () => {
    const pod = makePod();
    const runtime = runtimeView(
      [sandbox()],
      [
        instance(pod, 'app', 'CONTAINER_EXITED', { id: 'c2', exitCode: 1, restartCount: 2, created: 20 }),
        instance(pod, 'app', 'CONTAINER_EXITED', { id: 'c1', exitCode: 1, restartCount: 1, created: 10 }),
      ],
    );
    const message = 'back-off 20s restarting failed container=app pod=web_default(uid-1)';
    const s = gen(pod, runtime, { waitingReasons: new Map([['app', { reason: 'CrashLoopBackOff', message }]]) });
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      containerID: 'containerd://c2',
      state: { waiting: { reason: 'CrashLoopBackOff', message } },
      lastState: {
        terminated: { exitCode: 1, reason: 'Error', startedAt: '2024-01-01T00:00:21Z', finishedAt: '2024-01-01T00:00:25Z', containerID: 'containerd://c2' },
      },
      ready: false,
      started: false,
    });
  });

  it('without a recorded reason, the newest exit is the state and the one before it the last state', () => {
    const pod = makePod();
    const runtime = runtimeView(
      [sandbox()],
      [instance(pod, 'app', 'CONTAINER_RUNNING', { id: 'c2', restartCount: 1, created: 20 }), instance(pod, 'app', 'CONTAINER_EXITED', { id: 'c1', exitCode: 137, reason: 'OOMKilled', created: 10 })],
    );
    expect(gen(pod, runtime).containerStatuses?.[0]).toMatchObject({
      restartCount: 1,
      state: { running: {} },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', containerID: 'containerd://c1' } },
    });
  });

  it('an image that cannot be pulled shows ErrImagePull on a never-created container', () => {
    const pod = makePod();
    const message = 'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nope:1": not found';
    const s = gen(pod, runtimeView([sandbox()], []), { waitingReasons: new Map([['app', { reason: 'ErrImagePull', message }]]) });
    expect(s.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'ErrImagePull', message } });
    expect(s.phase).toBe('Pending');
  });

  it('a container that ran and vanished from the runtime is terminated with ContainerStatusUnknown', () => {
    const pod = makePod();
    const runningBefore = gen(pod, runtimeView([sandbox()], [instance(pod, 'app', 'CONTAINER_RUNNING', { restartCount: 3 })]));
    const s = gen(pod, runtimeView([sandbox()], []), { previous: runningBefore });
    expect(s.containerStatuses?.[0]).toMatchObject({
      restartCount: 4,
      state: { waiting: { reason: 'ContainerCreating' } },
      lastState: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running' } },
    });
    expect(s.phase).toBe('Running');
  });

  it('under Never a failed container fails the pod, with PodFailed readiness', () => {
    const pod = makePod({ restartPolicy: 'Never' });
    const s = gen(pod, runtimeView([sandbox()], [instance(pod, 'app', 'CONTAINER_EXITED', { exitCode: 3 })]));
    expect(s.phase).toBe('Failed');
    expect(cond(s)).toMatchObject({ Ready: 'False / PodFailed', ContainersReady: 'False / PodFailed', Initialized: 'True' });
  });

  it('a job-like pod that exited 0 Succeeds, with PodCompleted conditions', () => {
    const pod = makePod({ restartPolicy: 'Never', initContainers: [container('init')] });
    const s = gen(pod, runtimeView([sandbox({ ready: false })], [instance(pod, 'init', 'CONTAINER_EXITED'), instance(pod, 'app', 'CONTAINER_EXITED', { created: 5 })]));
    expect(s.phase).toBe('Succeeded');
    expect(cond(s)).toMatchObject({ Initialized: 'True / PodCompleted', Ready: 'False / PodCompleted', ContainersReady: 'False / PodCompleted', PodReadyToStartContainers: 'False' });
    expect(s.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('a terminal phase is sticky', () => {
    const pod = makePod({ restartPolicy: 'Never' });
    const previous: PodStatus = { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' };
    const s = gen(pod, runtimeView([], []), { previous });
    expect(s).toMatchObject({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' });
    const fromApi = gen({ ...pod, status: { phase: 'Succeeded' } }, runtimeView([sandbox()], [instance(pod, 'app', 'CONTAINER_RUNNING')]), { previous: {} });
    expect(fromApi.phase).toBe('Succeeded');
  });
});

describe('generatePodStatus: init containers and sidecars', () => {
  const pod = makePod({ initContainers: [container('init'), sidecar('proxy')] });

  it('while the init container runs: Pending, app waits in PodInitializing, Initialized lists the incomplete ones', () => {
    const s = gen(pod, runtimeView([sandbox()], [instance(pod, 'init', 'CONTAINER_RUNNING')]));
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(s.initContainerStatuses?.map((c) => [c.name, c.ready, c.started])).toEqual([
      ['init', false, true],
      ['proxy', false, false],
    ]);
    expect(cond(s).Initialized).toBe('False / ContainersNotInitialized / containers with incomplete status: [init proxy]');
    expect(cond(s).ContainersReady).toBe('False / ContainersNotReady / containers with unready status: [proxy app]');
  });

  it('once done: the init container is ready but not started, the sidecar counts for readiness', () => {
    const s = gen(
      pod,
      runtimeView([sandbox()], [instance(pod, 'init', 'CONTAINER_EXITED'), instance(pod, 'proxy', 'CONTAINER_RUNNING', { created: 6 }), instance(pod, 'app', 'CONTAINER_RUNNING', { created: 7 })]),
    );
    expect(s.phase).toBe('Running');
    expect(s.initContainerStatuses?.map((c) => [c.name, c.ready, c.started])).toEqual([
      ['init', true, false],
      ['proxy', true, true],
    ]);
    expect(cond(s)).toMatchObject({ Initialized: 'True', Ready: 'True', ContainersReady: 'True' });
  });

  it('a failed init container under restartPolicy Always waits with its recorded back-off', () => {
    const s = gen(pod, runtimeView([sandbox()], [instance(pod, 'init', 'CONTAINER_EXITED', { exitCode: 1 })]), {
      waitingReasons: new Map([['init', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=init pod=web_default(uid-1)' }]]),
    });
    expect(s.phase).toBe('Pending');
    expect(s.initContainerStatuses?.[0]).toMatchObject({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } });
  });
});

describe('generatePodStatus: conditions owned by others', () => {
  it('keeps foreign conditions and checks readiness gates against them', () => {
    const pod: Pod = {
      ...makePod({ readinessGates: [{ conditionType: 'example.com/lb' }] }),
      status: { conditions: [{ type: 'example.com/lb', status: 'False', lastTransitionTime: '2023-12-31T00:00:00Z' }] },
    };
    const s = gen(pod, runtimeView([sandbox()], [instance(pod, 'app', 'CONTAINER_RUNNING')]));
    expect(s.conditions?.[0]).toEqual({ type: 'example.com/lb', status: 'False', lastTransitionTime: '2023-12-31T00:00:00Z' });
    expect(cond(s).Ready).toBe('False / ReadinessGatesNotReady / the status of pod readiness gate "example.com/lb" is not "True", but False');
    expect(cond(s).ContainersReady).toBe('True');
  });
});
