import { describe, expect, it } from 'vitest';
import type { Container, ContainerState, PodSandbox, SandboxState } from '../cri/index.js';
import { computeEvents, computePodEvents, containerPlegState, generateEvents, groupPods, sandboxPlegState } from './events.js';
import type { PlegContainerState, PodLifecycleEventType, RuntimePod } from './types.js';

const UID_LABEL = 'io.kubernetes.pod.uid';
const uidOf = (labels: Record<string, string>): string | undefined => labels[UID_LABEL];

function sandbox(id: string, state: SandboxState, uid = 'pod-a'): PodSandbox {
  return {
    id,
    metadata: { name: 'p', uid, namespace: 'default', attempt: 0 },
    state,
    createdAt: 1n,
    labels: { [UID_LABEL]: uid },
    annotations: {},
    runtimeHandler: '',
  };
}

function container(id: string, state: ContainerState, uid = 'pod-a'): Container {
  return {
    id,
    podSandboxId: 'sb',
    metadata: { name: 'c', attempt: 0 },
    image: 'busybox',
    imageRef: 'busybox@sha256:00',
    state,
    createdAt: 1n,
    labels: { [UID_LABEL]: uid },
    annotations: {},
  };
}

const pod = (sandboxes: PodSandbox[], containers: Container[] = [], uid = 'pod-a'): RuntimePod => ({ uid, sandboxes, containers });

describe('PLEG states', () => {
  it.each<[ContainerState, PlegContainerState]>([
    ['CONTAINER_CREATED', 'unknown'],
    ['CONTAINER_RUNNING', 'running'],
    ['CONTAINER_EXITED', 'exited'],
    ['CONTAINER_UNKNOWN', 'unknown'],
  ])('container %s is %s', (cri, pleg) => {
    expect(containerPlegState(cri)).toBe(pleg);
  });

  it.each<[SandboxState, PlegContainerState]>([
    ['SANDBOX_READY', 'running'],
    ['SANDBOX_NOTREADY', 'exited'],
  ])('sandbox %s is %s', (cri, pleg) => {
    expect(sandboxPlegState(cri)).toBe(pleg);
  });
});

describe('generateEvents: every old x new state pair (upstream generic.go)', () => {
  const table: Array<[PlegContainerState, PlegContainerState, PodLifecycleEventType[]]> = [
    ['running', 'running', []],
    ['running', 'exited', ['ContainerDied']],
    ['running', 'unknown', ['ContainerChanged']],
    ['running', 'non-existent', ['ContainerDied', 'ContainerRemoved']],
    ['exited', 'running', ['ContainerStarted']],
    ['exited', 'exited', []],
    ['exited', 'unknown', ['ContainerChanged']],
    ['exited', 'non-existent', ['ContainerRemoved']],
    ['unknown', 'running', ['ContainerStarted']],
    ['unknown', 'exited', ['ContainerDied']],
    ['unknown', 'unknown', []],
    ['unknown', 'non-existent', ['ContainerDied', 'ContainerRemoved']],
    ['non-existent', 'running', ['ContainerStarted']],
    ['non-existent', 'exited', ['ContainerDied']],
    ['non-existent', 'unknown', ['ContainerChanged']],
    ['non-existent', 'non-existent', []],
  ];

  it('covers all 16 pairs', () => {
    expect(new Set(table.map(([o, n]) => `${o}>${n}`)).size).toBe(16);
  });

  it.each(table)('%s -> %s gives %j', (oldState, newState, types) => {
    const events = generateEvents('pod-a', 'c1', oldState, newState);
    expect(events).toEqual(types.map((type) => ({ podUid: 'pod-a', type, data: 'c1' })));
  });
});

describe('computePodEvents / computeEvents', () => {
  it('a new pod: its sandbox starts before its containers', () => {
    const next = pod([sandbox('sb', 'SANDBOX_READY')], [container('c1', 'CONTAINER_RUNNING'), container('c2', 'CONTAINER_CREATED')]);
    expect(computePodEvents('pod-a', undefined, next)).toEqual([
      { podUid: 'pod-a', type: 'ContainerStarted', data: 'sb' },
      { podUid: 'pod-a', type: 'ContainerStarted', data: 'c1' },
      { podUid: 'pod-a', type: 'ContainerChanged', data: 'c2' },
    ]);
  });

  it('a sandbox going not-ready is a ContainerDied of the sandbox id', () => {
    const prev = pod([sandbox('sb', 'SANDBOX_READY')]);
    const next = pod([sandbox('sb', 'SANDBOX_NOTREADY')]);
    expect(computePodEvents('pod-a', prev, next)).toEqual([{ podUid: 'pod-a', type: 'ContainerDied', data: 'sb' }]);
  });

  it('a pod gone from the runtime: everything dies and is removed; what had exited is only removed', () => {
    const prev = pod([sandbox('sb', 'SANDBOX_READY')], [container('c1', 'CONTAINER_EXITED')]);
    expect(computePodEvents('pod-a', prev, undefined)).toEqual([
      { podUid: 'pod-a', type: 'ContainerDied', data: 'sb' },
      { podUid: 'pod-a', type: 'ContainerRemoved', data: 'sb' },
      { podUid: 'pod-a', type: 'ContainerRemoved', data: 'c1' },
    ]);
  });

  it('nothing changed: no events', () => {
    const p = pod([sandbox('sb', 'SANDBOX_READY')], [container('c1', 'CONTAINER_RUNNING')]);
    expect(computePodEvents('pod-a', p, structuredClone(p))).toEqual([]);
  });

  it('across snapshots: pods of the new relist first, then the vanished ones', () => {
    const prev = new Map([
      ['gone', pod([sandbox('sb-g', 'SANDBOX_NOTREADY', 'gone')], [], 'gone')],
      ['same', pod([sandbox('sb-s', 'SANDBOX_READY', 'same')], [], 'same')],
    ]);
    const next = new Map([
      ['same', pod([sandbox('sb-s', 'SANDBOX_READY', 'same')], [container('c-s', 'CONTAINER_EXITED', 'same')], 'same')],
      ['new', pod([sandbox('sb-n', 'SANDBOX_READY', 'new')], [], 'new')],
    ]);
    expect(computeEvents(prev, next)).toEqual([
      { podUid: 'same', type: 'ContainerDied', data: 'c-s' },
      { podUid: 'new', type: 'ContainerStarted', data: 'sb-n' },
      { podUid: 'gone', type: 'ContainerRemoved', data: 'sb-g' },
    ]);
  });
});

describe('groupPods', () => {
  it('groups sandboxes and containers by the pod uid label and skips unlabelled ones', () => {
    const foreign = { ...container('x', 'CONTAINER_RUNNING'), labels: { app: 'not-a-pod' } };
    const pods = groupPods(
      [sandbox('sb-a1', 'SANDBOX_NOTREADY'), sandbox('sb-b', 'SANDBOX_READY', 'pod-b'), sandbox('sb-a2', 'SANDBOX_READY')],
      [container('c-a', 'CONTAINER_RUNNING'), container('c-b', 'CONTAINER_EXITED', 'pod-b'), foreign, container('c-only', 'CONTAINER_EXITED', 'pod-c')],
      uidOf,
    );
    expect([...pods.keys()]).toEqual(['pod-a', 'pod-b', 'pod-c']);
    expect(pods.get('pod-a')?.sandboxes.map((s) => s.id)).toEqual(['sb-a1', 'sb-a2']);
    expect(pods.get('pod-a')?.containers.map((c) => c.id)).toEqual(['c-a']);
    expect(pods.get('pod-b')?.containers.map((c) => c.id)).toEqual(['c-b']);
    expect(pods.get('pod-c')).toEqual({ uid: 'pod-c', sandboxes: [], containers: [expect.objectContaining({ id: 'c-only' })] });
  });

  it('takes the uid from a custom function; an empty uid is skipped', () => {
    const custom = (labels: Record<string, string>): string | undefined => labels.owner;
    const a = { ...sandbox('s1', 'SANDBOX_READY'), labels: { owner: 'o1' } };
    const b = { ...sandbox('s2', 'SANDBOX_READY'), labels: { owner: '' } };
    expect([...groupPods([a, b], [], custom).keys()]).toEqual(['o1']);
  });
});
