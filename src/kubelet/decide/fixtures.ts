/**
 * Builders of pods and runtime views for the deciders' table tests. Test-only: not exported from
 * the folder's index.
 */
import type { Container, Pod, PodSpec } from '../../api/index.js';
import type { PodActions, PodActionsContext } from './actions.js';
import type { ContainerState, PodSandboxStatus } from '../../cri/index.js';
import { hashContainer } from './hash.js';
import type { RuntimeContainerStatus, RuntimePodStatus } from './runtime.js';

export const UID = 'uid-1';
/** 2024-01-01T00:00:00Z in ns. */
export const T0 = 1_704_067_200_000_000_000n;
export const SECOND = 1_000_000_000n;

export function container(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: 'busybox:1.36', ...extra };
}

export function sidecar(name: string, extra: Partial<Container> = {}): Container {
  return container(name, { restartPolicy: 'Always', ...extra });
}

export function makePod(spec: Partial<PodSpec> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    metadata: { name: 'web', namespace: 'default', uid: UID, ...meta },
    spec: { containers: [container('app')], restartPolicy: 'Always', ...spec },
  };
}

export interface InstanceOptions {
  id?: string;
  exitCode?: number;
  reason?: string;
  /** Seconds after T0 the instance was created; later means newer. */
  created?: number;
  restartCount?: number;
  /** Use this hash instead of the spec's. */
  hash?: string;
}

/** An instance of the pod's container `name`, hashed from the pod's spec unless told otherwise. */
export function instance(pod: Pod, name: string, state: ContainerState, o: InstanceOptions = {}): RuntimeContainerStatus {
  const spec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === name);
  const created = BigInt(o.created ?? 0);
  const exited = state === 'CONTAINER_EXITED';
  const exitCode = o.exitCode ?? 0;
  return {
    id: o.id ?? `${name}-${o.restartCount ?? 0}`,
    name,
    state,
    createdAt: T0 + created * SECOND,
    startedAt: state === 'CONTAINER_CREATED' ? 0n : T0 + (created + 1n) * SECOND,
    finishedAt: exited ? T0 + (created + 5n) * SECOND : 0n,
    exitCode: exited ? exitCode : 0,
    reason: o.reason ?? (exited ? (exitCode === 0 ? 'Completed' : 'Error') : ''),
    message: '',
    image: `docker.io/library/${spec?.image ?? 'busybox:1.36'}`,
    imageRef: 'docker.io/library/busybox@sha256:0123',
    hash: o.hash ?? (spec ? hashContainer(spec) : ''),
    restartCount: o.restartCount ?? 0,
  };
}

export interface SandboxOptions {
  id?: string;
  ready?: boolean;
  attempt?: number;
  ip?: string | null;
  network?: 'POD' | 'NODE';
  created?: number;
}

export function sandbox(o: SandboxOptions = {}): PodSandboxStatus {
  const network = o.network ?? 'POD';
  const ip = o.ip === undefined ? (network === 'NODE' ? null : '10.88.0.5') : o.ip;
  return {
    id: o.id ?? `sb-${o.attempt ?? 0}`,
    metadata: { name: 'web', namespace: 'default', uid: UID, attempt: o.attempt ?? 0 },
    state: o.ready === false ? 'SANDBOX_NOTREADY' : 'SANDBOX_READY',
    createdAt: T0 + BigInt(o.created ?? 0) * SECOND,
    labels: { 'io.kubernetes.pod.uid': UID, 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default' },
    annotations: {},
    runtimeHandler: '',
    network: ip === null ? null : { ip, additionalIps: [] },
    namespaceOptions: { network, pid: 'CONTAINER', ipc: 'POD', targetId: '' },
  };
}

/** A runtime view; lists are sorted newest first like `buildRuntimePodStatus` does. */
export function runtimeView(sandboxes: PodSandboxStatus[], containers: RuntimeContainerStatus[]): RuntimePodStatus {
  const byAge = <T extends { createdAt: bigint }>(a: T, b: T): number => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0);
  const sbs = [...sandboxes].sort(byAge);
  const newest = sbs[0];
  const ips = newest?.state === 'SANDBOX_READY' && newest.network ? [newest.network.ip] : [];
  return { uid: UID, name: 'web', namespace: 'default', sandboxes: sbs, containers: [...containers].sort(byAge), ips };
}

// --- computePodActions tables ---------------------------------------------------------------------

/** A compact, readable digest of the decision. */
export interface Digest {
  type: PodActions['type'];
  attempt: number;
  reason?: string;
  kill?: string[];
  init?: string[];
  start?: string[];
  backedOff?: string[];
}

export function digest(a: PodActions): Digest {
  switch (a.type) {
    case 'KillPod':
      return { type: a.type, attempt: a.attempt, reason: a.reason };
    case 'CreateSandbox':
      return {
        type: a.type,
        attempt: a.attempt,
        reason: a.reason,
        init: a.initContainersToStart.map((s) => `${s.name}:${s.reason}`),
        start: a.containersToStart.map((s) => `${s.name}:${s.reason}`),
        backedOff: a.backedOff.map((s) => s.name),
      };
    case 'SyncContainers':
      return {
        type: a.type,
        attempt: a.attempt,
        kill: a.containersToKill.map((k) => `${k.name}:${k.reason}`),
        init: a.initContainersToStart.map((s) => `${s.name}:${s.reason}`),
        start: a.containersToStart.map((s) => `${s.name}:${s.reason}`),
        backedOff: a.backedOff.map((s) => s.name),
      };
    default: {
      const never: never = a;
      throw new Error(`unexpected ${String(never)}`);
    }
  }
}

export const sync = (d: Partial<Digest> = {}): Digest => ({ type: 'SyncContainers', attempt: 0, kill: [], init: [], start: [], backedOff: [], ...d });

export interface ActionCase {
  name: string;
  pod: Pod;
  runtime: (pod: Pod) => RuntimePodStatus;
  ctx?: PodActionsContext;
  want: Digest;
}
