/**
 * The executor of pod actions (upstream `SyncPod`/`KillPod`): performs what `computePodActions`
 * decided against CRI, in numbered steps, and records why containers could not start. Reentrant
 * and level-triggered: every step can be repeated after a failure or a kubelet restart, because
 * the next sync re-reads the runtime and decides again.
 */
import type { Container, Pod } from '../api/index.js';
import type { CriRuntime, PodSandboxConfig } from '../cri/index.js';
import { isNotFound } from '../cri/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { VolumeManager } from '../volumes/index.js';
import { VolumeError } from '../volumes/index.js';
import {
  BackOff,
  computePodActions,
  containerBackOffKey,
  containerConfig,
  crashLoopBackOffMessage,
  hashContainer,
  isContainerConfigError,
  podSandboxConfig,
  type ContainerToKill,
  type ContainerToStart,
  type RuntimeContainerStatus,
  type RuntimePodStatus,
  type WaitingReason,
} from './decide/index.js';
import type { DnsSettings } from './dns.js';
import { podDnsConfig } from './dns.js';
import type { EventRecorder } from './events.js';
import { grpcErrorText, type ImageManager } from './images.js';
import type { PodCgroupSpec } from './cm/index.js';
import { podCgroupSpec, type QOSClass } from './pod-resources.js';

/** The slice of the cgroup manager the executor needs. */
export interface PodCgroups {
  podCgroupParent(uid: string, qosClass: QOSClass): string;
  ensurePodCgroup(spec: PodCgroupSpec): Promise<void>;
  removePodCgroup(uid: string, qosClass: QOSClass): Promise<void>;
}

export interface NodeFacts {
  hostIPs: string[];
  memoryCapacityBytes: number;
  podLogsRoot: string;
  dns: DnsSettings;
}

export interface SyncDeps {
  cri: Pick<CriRuntime, 'sandboxes' | 'containers'>;
  images: ImageManager;
  volumes: Pick<VolumeManager, 'setUpPodVolumes' | 'containerMounts'>;
  cgroups: PodCgroups;
  recorder: EventRecorder;
  crashBackOff: BackOff;
  clock: Clock;
  node: NodeFacts;
  logger: Logger;
}

export interface SyncResult {
  /** Whether the sync changed anything in the runtime (if not, the runtime view read before it is still current). */
  acted: boolean;
  /** Sync again after this long (a back-off ends), if nothing else triggers it first. */
  requeueAfterMs?: number;
  /** What failed; the pod is synced again with back-off while non-empty. */
  errors: string[];
}

export interface PodSyncer {
  /** Brings the runtime in line with the pod's spec. Never throws for per-container failures. */
  syncPod(pod: Pod, runtime: RuntimePodStatus, signal?: AbortSignal): Promise<SyncResult>;
  /** Stops every container (with the grace period) and sandbox of the pod. Idempotent. */
  killPod(pod: Pod, runtime: RuntimePodStatus, gracePeriodSeconds: number, signal?: AbortSignal): Promise<SyncResult>;
  /** Why containers of the pod are waiting, for its status. */
  waitingReasons(podUid: string): ReadonlyMap<string, WaitingReason>;
  /** Forgets the pod's records once it is gone. */
  forget(podUid: string): void;
}

function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

function specOf(pod: Pod, start: Pick<ContainerToStart, 'kind' | 'index'>): Container | undefined {
  return start.kind === 'regular' ? pod.spec.containers[start.index] : pod.spec.initContainers?.[start.index];
}

export function createPodSyncer(deps: SyncDeps): PodSyncer {
  const { cri, recorder, clock, logger } = deps;
  const reasons = new Map<string, Map<string, WaitingReason>>();

  const reasonsOf = (uid: string): Map<string, WaitingReason> => {
    let m = reasons.get(uid);
    if (!m) reasons.set(uid, (m = new Map()));
    return m;
  };

  function backOffKey(pod: Pod, c: Container): string {
    return containerBackOffKey(pod, c, hashContainer(c));
  }

  function inBackOff(pod: Pod, name: string, lastExit: RuntimeContainerStatus): boolean {
    const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x) => x.name === name);
    return !!c && deps.crashBackOff.isInBackOffSince(backOffKey(pod, c), nsToMs(lastExit.finishedAt), clock.now());
  }

  async function stopContainer(pod: Pod, id: string, name: string, grace: number, message: string, signal?: AbortSignal): Promise<void> {
    recorder.event(pod, 'Normal', 'Killing', message, name);
    try {
      await cri.containers.stopContainer(id, grace, { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Starts one container: image, mounts, config, create, start. Returns an error text or null. */
  async function startContainer(
    pod: Pod,
    start: ContainerToStart,
    sandboxId: string,
    sandboxConfig: PodSandboxConfig,
    runtime: RuntimePodStatus,
    podIPs: readonly string[],
    volumes: ReadonlyMap<string, string>,
    requeue: (ms: number) => void,
    signal?: AbortSignal,
  ): Promise<string | null> {
    const container = specOf(pod, start);
    const uid = pod.metadata.uid ?? '';
    if (!container) return `no container ${start.name} in the spec`;
    const waiting = reasonsOf(uid);
    const fail = (reason: string, message: string, eventMessage = `Error: ${reason}`): string => {
      waiting.set(container.name, { reason, message });
      recorder.event(pod, 'Warning', 'Failed', eventMessage, container.name);
      return `${container.name}: ${reason}: ${message}`;
    };

    // 1. The crash-loop back-off starts counting from the last exit (upstream doBackOff).
    const lastExit = runtime.containers.find((c) => c.name === container.name && c.state === 'CONTAINER_EXITED');
    if (lastExit) deps.crashBackOff.next(backOffKey(pod, container), clock.now(), nsToMs(lastExit.finishedAt));

    // 2. The image, per pull policy.
    const image = await deps.images.ensureImage(pod, container, sandboxConfig, signal);
    if (!image.ok) {
      waiting.set(container.name, { reason: image.reason, message: image.message });
      if (image.retryAfterMs !== undefined) requeue(image.retryAfterMs);
      return `${container.name}: ${image.reason}: ${image.message}`;
    }

    // 3. The container's config: mounts from the prepared volumes, env, resources, security.
    let config;
    try {
      const mounts = deps.volumes.containerMounts(pod, container, volumes);
      const result = containerConfig(pod, container, {
        restartCount: start.restartCount,
        imageRef: image.imageRef,
        imageUser: image.imageUser,
        mounts,
        memoryCapacityBytes: deps.node.memoryCapacityBytes,
        podIPs,
        hostIPs: deps.node.hostIPs,
      });
      for (const w of result.warnings) recorder.event(pod, 'Warning', 'InvalidEnvironmentVariableNames', w, container.name);
      config = result.config;
    } catch (err) {
      if (isContainerConfigError(err) || err instanceof VolumeError) {
        return fail('CreateContainerConfigError', (err as Error).message, `Error: ${(err as Error).message}`);
      }
      throw err;
    }

    // 4. Create and start. An instance that was created but never started (the kubelet died in
    //    between) is removed first: it never ran, and its replacement reuses its name and count.
    for (const stale of runtime.containers) {
      if (stale.name === container.name && stale.state === 'CONTAINER_CREATED' && stale.startedAt === 0n) {
        await cri.containers.removeContainer(stale.id, { signal });
      }
    }
    let containerId: string;
    try {
      containerId = await cri.containers.createContainer(sandboxId, config, sandboxConfig, { signal });
    } catch (err) {
      return fail('CreateContainerError', grpcErrorText(err), `Error: ${grpcErrorText(err)}`);
    }
    recorder.event(pod, 'Normal', 'Created', `Created container: ${container.name}`, container.name);
    try {
      await cri.containers.startContainer(containerId, { signal });
    } catch (err) {
      return fail('RunContainerError', grpcErrorText(err), `Error: ${grpcErrorText(err)}`);
    }
    recorder.event(pod, 'Normal', 'Started', `Started container ${container.name}`, container.name);
    waiting.delete(container.name);
    return null;
  }

  async function killContainers(pod: Pod, kills: readonly ContainerToKill[], signal?: AbortSignal): Promise<void> {
    const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
    await Promise.all(kills.map((k) => stopContainer(pod, k.containerId, k.name, grace, k.message, signal)));
  }

  /** Stops running containers, then ready sandboxes; returns whether there was anything to stop. */
  async function stopAll(pod: Pod, runtime: RuntimePodStatus, grace: number, signal?: AbortSignal): Promise<boolean> {
    const running = runtime.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_UNKNOWN');
    await Promise.all(running.map((c) => stopContainer(pod, c.id, c.name, grace, `Stopping container ${c.name}`, signal)));
    const ready = runtime.sandboxes.filter((s) => s.state === 'SANDBOX_READY');
    for (const s of ready) await cri.sandboxes.stopPodSandbox(s.id, { signal });
    return running.length > 0 || ready.length > 0;
  }

  return {
    async syncPod(pod, runtime, signal) {
      const uid = pod.metadata.uid ?? '';
      const errors: string[] = [];
      let requeueAfterMs: number | undefined;
      const requeue = (ms: number): void => {
        requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms);
      };
      const actions = computePodActions(pod, runtime, { inBackOff: (name, lastExit) => inBackOff(pod, name, lastExit) });
      logger.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, actions: actions.type }, 'sync pod');

      // 1. A finished pod (or failed init under Never): stop what still runs, start nothing.
      if (actions.type === 'KillPod') {
        const acted = await stopAll(pod, runtime, pod.spec.terminationGracePeriodSeconds ?? 30, signal);
        return { acted, errors };
      }

      const waiting = reasonsOf(uid);
      // 2. Crash-looping containers wait: report CrashLoopBackOff and come back when it ends.
      for (const b of actions.backedOff) {
        const c = specOf(pod, b);
        if (!c) continue;
        const delay = deps.crashBackOff.get(backOffKey(pod, c));
        waiting.set(b.name, { reason: 'CrashLoopBackOff', message: crashLoopBackOffMessage(pod, b.name, delay) });
        recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', b.name);
        requeue(Math.max(1, nsToMs(b.lastExit.finishedAt) + delay - clock.now()));
      }

      // 3. Volumes gate container start; setting them up again is a no-op.
      const cg = podCgroupSpec(pod);
      let volumes: Map<string, string>;
      try {
        volumes = await deps.volumes.setUpPodVolumes(pod);
      } catch (err) {
        if (!(err instanceof VolumeError)) throw err;
        const message = `MountVolume.SetUp failed for volume ${JSON.stringify(err.volume)} : ${err.message}`;
        recorder.event(pod, 'Warning', 'FailedMount', message);
        return { acted: false, errors: [message] };
      }

      let sandboxId: string;
      let podIPs: readonly string[] = runtime.ips;
      const sandboxConfig = podSandboxConfig(pod, {
        attempt: actions.attempt,
        podLogsRoot: deps.node.podLogsRoot,
        dnsConfig: podDnsConfig(pod, deps.node.dns),
        clusterDomain: deps.node.dns.clusterDomain,
        cgroupParent: deps.cgroups.podCgroupParent(uid, cg.qosClass),
      });
      if (actions.type === 'CreateSandbox') {
        // 4. A new sandbox: kill whatever the pod still has, make the pod cgroup with the pod's
        //    limits (idempotent; runc would create it without limits), then run the sandbox.
        if (runtime.sandboxes.length > 0) {
          recorder.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
          await stopAll(pod, runtime, pod.spec.terminationGracePeriodSeconds ?? 30, signal);
        }
        await deps.cgroups.ensurePodCgroup(cg);
        try {
          sandboxId = await cri.sandboxes.runPodSandbox(sandboxConfig, { signal });
        } catch (err) {
          const message = `Failed to create pod sandbox: ${grpcErrorText(err)}`;
          recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', message);
          return { acted: true, errors: [message] };
        }
        const { status } = await cri.sandboxes.podSandboxStatus(sandboxId, { signal });
        podIPs = status.network ? [status.network.ip, ...status.network.additionalIps].filter(Boolean) : [];
      } else {
        sandboxId = actions.sandboxId;
        // 5. Containers to replace (spec changed, liveness failed, unknown state).
        await killContainers(pod, actions.containersToKill, signal);
      }

      // 6. Init containers (and sidecars) in order; a regular init container that fails stops the rest.
      for (const start of actions.initContainersToStart) {
        const err = await startContainer(pod, start, sandboxId, sandboxConfig, runtime, podIPs, volumes, requeue, signal);
        if (err) {
          errors.push(err);
          if (start.kind === 'init') return { acted: true, errors, requeueAfterMs };
        }
      }
      // 7. App containers, independently of each other.
      const results = await Promise.all(
        actions.containersToStart.map((start) => startContainer(pod, start, sandboxId, sandboxConfig, runtime, podIPs, volumes, requeue, signal)),
      );
      for (const err of results) if (err) errors.push(err);
      const acted = actions.type === 'CreateSandbox' || actions.containersToKill.length > 0 || actions.initContainersToStart.length > 0 || actions.containersToStart.length > 0;
      return { acted, errors, requeueAfterMs };
    },

    async killPod(pod, runtime, gracePeriodSeconds, signal) {
      return { acted: await stopAll(pod, runtime, gracePeriodSeconds, signal), errors: [] };
    },

    waitingReasons: (uid) => reasons.get(uid) ?? new Map(),
    forget: (uid) => void reasons.delete(uid),
  };
}
