/**
 * The kubelet: wiring, not logic. Merges pod sources into the desired set, hands pods to the pod
 * workers, turns PLEG events into resyncs, and runs housekeeping; the deciders, the executor and
 * the managers do the work. Standalone (static pods only) until the API source arrives.
 */
import { setMaxListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { Pod, PodStatus } from '../api/index.js';
import type { CriRuntime } from '../cri/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { VolumeManager } from '../volumes/index.js';
import { goQuote } from '../lib/go-format.js';
import { BackOff, CONTAINER_NAME_LABEL, POD_UID_LABEL, containerLogPath, podLogDirectory, podsDifferSemantically } from './decide/index.js';
import type { StatusSink } from './apiclient/status-manager.js';
import type { EventRecorder, RecordedEvent } from './events.js';
import { collectPodGarbage, removeOrphanedResources, rotateContainerLog } from './housekeeping.js';
import { createImageManager } from './images.js';
import type { QOSClass } from './pod-resources.js';
import { podCgroupSpec } from './pod-resources.js';
import { createPodWorkers, orphanPod, type PodWorkerObserver, type PodWorkers } from './pod-workers.js';
import { listRuntimePods, readPodRuntimeStatus } from './runtime-view.js';
import { createPodSyncer, type NodeFacts, type PodCgroups } from './sync.js';

/** A source of desired pods; every update carries the source's complete set. */
export interface PodSource {
  readonly name: string;
  run(signal: AbortSignal, onUpdate: (pods: Pod[]) => void): Promise<void>;
}

/** The PLEG as the kubelet uses it. */
export interface PlegSlice {
  run(signal: AbortSignal): Promise<void>;
  subscribe(handler: (ev: { podUid: string }) => void): () => void;
  healthy(): { ok: boolean; message: string };
}

/** The node's pod network as the kubelet drives it (the CLI composes it from src/cni). */
export interface NetworkSlice {
  /** Applies the node network (CNI config, sysctls, masquerade); idempotent. */
  ensure(signal?: AbortSignal): Promise<void>;
  /** Frees IP allocations, port mappings and veths of sandboxes the runtime no longer has. */
  repair(liveSandboxIds: ReadonlySet<string>, signal?: AbortSignal): Promise<{ released: number }>;
  /** CNI CHECK of a running sandbox's network; the error text when it is broken, else null. */
  check(sandboxId: string, netnsPath: string, signal?: AbortSignal): Promise<string | null>;
}

/** The network namespace path of a sandbox, from containerd's verbose PodSandboxStatus info. */
export function sandboxNetnsPath(info: Record<string, string>): string | undefined {
  try {
    const parsed = JSON.parse(info.info ?? '{}') as { runtimeSpec?: { linux?: { namespaces?: { type?: string; path?: string }[] } } };
    return parsed.runtimeSpec?.linux?.namespaces?.find((n) => n.type === 'network')?.path || undefined;
  } catch {
    return undefined;
  }
}

export interface KubeletCgroups extends PodCgroups {
  ensureQosCgroups(): Promise<void>;
  listPodCgroups(): Promise<{ uid: string; qosClass: QOSClass }[]>;
}

export interface KubeletConfig {
  nodeName: string;
  node: NodeFacts;
  /** Every pod is synced at least this often (PLEG events sync it sooner). Default 1 m, as upstream's `--sync-frequency`. */
  resyncIntervalMs?: number;
  /** Orphan cleanup period. Default 2 s, as upstream. */
  housekeepingIntervalMs?: number;
  /** Container GC and log rotation period. Default 10 s (upstream rotates logs every 10 s). */
  containerMaintenanceIntervalMs?: number;
  crashLoopBackOff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number };
  imagePullBackOff?: { initialMs?: number; maxMs?: number };
  /** Exited instances kept per container name. Default 1. */
  maxPerPodContainer?: number;
  containerLogMaxBytes?: number;
  containerLogMaxFiles?: number;
  concurrency?: number;
}

export interface KubeletDeps {
  cri: CriRuntime;
  cgroups: KubeletCgroups;
  volumes: VolumeManager;
  pleg: PlegSlice;
  /** Absent when something else owns pod networking (or none is wanted). */
  network?: NetworkSlice;
  /** Where pod statuses go besides the local API (the API server's status manager). */
  statusSink?: StatusSink;
  sources: PodSource[];
  recorder: EventRecorder & { recent?(): RecordedEvent[] };
  clock: Clock;
  logger: Logger;
  /** Told about pod worker passes and pod starts (metrics). */
  observer?: PodWorkerObserver;
}

export interface PodWithStatus {
  pod: Pod;
  status: PodStatus | undefined;
}

export interface Kubelet {
  run(signal: AbortSignal): Promise<void>;
  /** Desired pods with their latest status (the local API's /pods). */
  pods(): PodWithStatus[];
  healthz(): { ok: boolean; checks: Record<string, string> };
  /**
   * The CRI log file of a container of a pod this kubelet runs (`previous`: of its last
   * terminated instance); an Error with upstream's message when there is none.
   */
  containerLogPath(namespace: string, podName: string, container: string, previous: boolean): Promise<string>;
  /** The most recent events, oldest first (standalone there is no API server to keep them). */
  events(): RecordedEvent[];
  /** Called on every pod status change (null: the pod is gone). Returns the unsubscribe function. */
  onStatus(fn: (pod: Pod, status: PodStatus | null) => void): () => void;
  /**
   * The CRI streaming URL for an exec, attach or port-forward into a pod this kubelet runs; an
   * Error with upstream's message when the pod or a running container is not there.
   */
  streamingUrl(req: StreamRequest): Promise<string>;
}

/** What `/exec`, `/attach` and `/portForward` ask for. */
export type StreamRequest =
  | { kind: 'exec'; namespace: string; pod: string; container: string; cmd: string[]; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }
  | { kind: 'attach'; namespace: string; pod: string; container: string; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }
  | { kind: 'portForward'; namespace: string; pod: string; ports: number[] };

export function createKubelet(deps: KubeletDeps, config: KubeletConfig): Kubelet {
  const { cri, clock, logger: log } = deps;
  const resyncMs = config.resyncIntervalMs ?? 60_000;
  const housekeepingMs = config.housekeepingIntervalMs ?? 2_000;
  const containerMaintenanceMs = config.containerMaintenanceIntervalMs ?? 10_000;
  const maxBytes = config.containerLogMaxBytes ?? 10 * 1024 * 1024;
  const maxFiles = config.containerLogMaxFiles ?? 5;
  const desired = new Map<string, Pod>();
  const bySource = new Map<string, Pod[]>();
  const seenSources = new Set<string>();
  const statusListeners = new Set<(pod: Pod, status: PodStatus | null) => void>();

  const syncer = createPodSyncer({
    cri,
    images: createImageManager({ images: cri.images, recorder: deps.recorder, clock, backOff: new BackOff(config.imagePullBackOff) }),
    volumes: deps.volumes,
    cgroups: deps.cgroups,
    recorder: deps.recorder,
    crashBackOff: new BackOff(config.crashLoopBackOff),
    clock,
    node: config.node,
    logger: log,
  });

  const workers: PodWorkers = createPodWorkers({
    syncer,
    readRuntime: (pod, signal) => readPodRuntimeStatus(cri, pod, signal),
    async cleanUp(pod, runtime, signal) {
      // 1. Containers and sandboxes (removing a sandbox removes its containers).
      for (const s of runtime.sandboxes) await cri.sandboxes.removePodSandbox(s.id, { signal });
      for (const c of runtime.containers) await cri.containers.removeContainer(c.id, { signal });
      // 2. The pod cgroup, volumes and logs.
      const uid = pod.metadata.uid ?? '';
      const known = desiredPodQos(pod);
      for (const qos of known ? [known] : (['Guaranteed', 'Burstable', 'BestEffort'] as const)) await deps.cgroups.removePodCgroup(uid, qos);
      await deps.volumes.tearDownPodVolumes(uid);
      await rm(podLogDirectory(pod, config.node.podLogsRoot), { recursive: true, force: true });
    },
    hostIPs: config.node.hostIPs,
    clock,
    logger: log,
    concurrency: config.concurrency,
    observer: deps.observer,
    onStatus(_uid, pod, status) {
      if (status) deps.statusSink?.setStatus(pod, status);
      else deps.statusSink?.podTerminated(pod);
      for (const fn of statusListeners) fn(pod, status);
    },
  });

  function desiredPodQos(pod: Pod): QOSClass | undefined {
    return pod.spec.containers.length > 0 ? podCgroupSpec(pod).qosClass : undefined;
  }

  function applySource(source: string, pods: Pod[]): void {
    seenSources.add(source);
    bySource.set(source, pods);
    // Pods being deleted are not wanted: their containers stop with the deletion grace period.
    const next = new Map<string, Pod>();
    const deleting = new Map<string, Pod>();
    for (const list of bySource.values()) {
      for (const p of list) (p.metadata.deletionTimestamp ? deleting : next).set(p.metadata.uid ?? '', p);
    }
    for (const [uid, pod] of desired) if (!next.has(uid)) workers.terminate(deleting.get(uid) ?? pod);
    // A pod already being deleted when first seen (e.g. after a kubelet restart) still needs its
    // termination, so that its deletion completes.
    for (const [uid, pod] of deleting) if (!desired.has(uid) && !workers.get(uid)) workers.terminate(pod);
    for (const [uid, pod] of next) {
      const existing = desired.get(uid);
      if (!existing || !workers.get(uid) || podsDifferSemantically(existing, pod)) workers.update(pod);
      else if (existing !== pod) workers.refresh(pod);
    }
    desired.clear();
    for (const [uid, pod] of next) desired.set(uid, pod);
  }

  const sourcesReady = (): boolean => deps.sources.every((s) => seenSources.has(s.name));

  /** Orphans: runtime pods nobody wants are terminated; their leftovers on disk are removed. */
  async function housekeeping(signal: AbortSignal): Promise<void> {
    if (!sourcesReady()) return; // never treat pods as orphans before every source has spoken
    const runtimePods = await listRuntimePods(cri, signal);
    for (const [uid, p] of runtimePods) {
      if (!desired.has(uid) && !workers.get(uid)) workers.terminate(orphanPod(uid, p.name, p.namespace));
    }
    const known = new Set([...desired.keys(), ...workers.uids()]);
    await removeOrphanedResources(
      {
        listPodCgroups: () => deps.cgroups.listPodCgroups(),
        removePodCgroup: (uid, qos) => deps.cgroups.removePodCgroup(uid, qos),
        listPodDirs: () => deps.volumes.listPodDirs(),
        removePodDir: (uid) => deps.volumes.tearDownPodVolumes(uid),
        podLogsRoot: config.node.podLogsRoot,
        logger: log,
      },
      known,
      new Set(runtimePods.keys()),
    );
  }

  /** CNI CHECK of the pod's ready sandbox; a broken network becomes a Warning event on the pod. */
  async function checkPodNetwork(pod: Pod, sandboxes: readonly { id: string; state: string }[], signal: AbortSignal): Promise<void> {
    const ready = sandboxes.find((s) => s.state === 'SANDBOX_READY');
    if (!ready || !deps.network) return;
    const { info } = await cri.sandboxes.podSandboxStatus(ready.id, { verbose: true, signal });
    const netns = sandboxNetnsPath(info);
    if (!netns) return;
    const problem = await deps.network.check(ready.id, netns, signal);
    if (problem) deps.recorder.event(pod, 'Warning', 'NetworkCheckFailed', `Pod network check failed: ${problem}`);
  }

  /** Container GC, log rotation and network repair, from two list calls. */
  async function maintainContainers(signal: AbortSignal): Promise<void> {
    const runtimePods = await listRuntimePods(cri, signal);
    if (deps.network) {
      // Every sandbox the runtime still has keeps its IP (a stopped one frees it on removal).
      const live = new Set([...runtimePods.values()].flatMap((p) => p.sandboxes.map((s) => s.id)));
      const { released } = await deps.network.repair(live, signal);
      if (released > 0) log.info({ released }, 'released network resources of sandboxes that are gone');
    }
    for (const [uid, p] of runtimePods) {
      const pod = desired.get(uid);
      if (!pod) continue;
      await collectPodGarbage(cri, p, config.maxPerPodContainer ?? 1, signal);
      if (deps.network && !pod.spec.hostNetwork) await checkPodNetwork(pod, p.sandboxes, signal);
      for (const c of p.containers) {
        if (c.state !== 'CONTAINER_RUNNING') continue;
        const logPath = join(podLogDirectory(pod, config.node.podLogsRoot), containerLogPath(c.metadata.name, c.metadata.attempt));
        await rotateContainerLog(cri, c.id, logPath, { maxBytes, maxFiles, now: new Date(clock.now()) }, signal);
      }
    }
  }

  async function every(ms: number, signal: AbortSignal, what: string, fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      try {
        await fn(signal);
      } catch (err) {
        if (!signal.aborted) log.warn({ err: (err as Error).message }, `${what} failed`);
      }
      await clock.sleep(ms, signal).catch(() => undefined);
    }
  }

  return {
    async run(signal) {
      // Every in-flight CRI call listens on this signal; the listeners are removed when calls end.
      setMaxListeners(0, signal);
      await deps.cgroups.ensureQosCgroups();
      await deps.network?.ensure(signal);
      const unsubscribe = deps.pleg.subscribe((ev) => {
        if (workers.get(ev.podUid)) workers.resync(ev.podUid);
      });
      try {
        await Promise.all([
          workers.run(signal),
          deps.pleg.run(signal),
          ...deps.sources.map((s) =>
            s.run(signal, (pods) => applySource(s.name, pods)).catch((err: unknown) => {
              if (!signal.aborted) log.error({ source: s.name, err: (err as Error).message }, 'pod source stopped');
            }),
          ),
          every(resyncMs, signal, 'resync', async () => {
            // A pod wanted again while its previous worker was terminating gets a new worker here.
            for (const [uid, pod] of desired) {
              if (workers.get(uid)) workers.resync(uid);
              else workers.update(pod);
            }
          }),
          every(housekeepingMs, signal, 'housekeeping', housekeeping),
          every(containerMaintenanceMs, signal, 'container GC and log rotation', maintainContainers),
        ]);
      } finally {
        unsubscribe();
      }
    },
    pods() {
      return [...desired.values()].map((pod) => ({ pod, status: workers.get(pod.metadata.uid ?? '')?.status }));
    },
    healthz() {
      const pleg = deps.pleg.healthy();
      const checks: Record<string, string> = { ping: 'ok', pleg: pleg.ok ? 'ok' : pleg.message, syncloop: sourcesReady() ? 'ok' : 'waiting for pod sources' };
      return { ok: pleg.ok, checks };
    },
    events: () => deps.recorder.recent?.() ?? [],
    async containerLogPath(namespace, podName, container, previous) {
      const entry = [...desired.values()].find((p) => p.metadata.namespace === namespace && p.metadata.name === podName);
      if (!entry) throw new Error(`pod "${namespace}/${podName}" not found`);
      const status = workers.get(entry.metadata.uid ?? '')?.status;
      const cs = [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])].find((c) => c.name === container);
      const id = previous ? cs?.lastState?.terminated?.containerID : cs?.containerID;
      if (!id) {
        throw new Error(previous ? `previous terminated container "${container}" in pod "${podName}" not found` : `container "${container}" in pod "${podName}" is waiting to start: ${cs?.state?.waiting?.reason ?? 'ContainerCreating'}`);
      }
      const { status: criStatus } = await cri.containers.containerStatus(id.replace(/^[a-z]+:\/\//, ''));
      return criStatus.logPath;
    },
    onStatus(fn) {
      statusListeners.add(fn);
      return () => statusListeners.delete(fn);
    },
    async streamingUrl(req) {
      const pod = [...desired.values()].find((p) => p.metadata.namespace === req.namespace && p.metadata.name === req.pod);
      if (!pod) throw new Error(`pod "${req.pod}" not found`);
      const uid = pod.metadata.uid ?? '';
      if (req.kind === 'portForward') {
        const sandboxes = await cri.sandboxes.listPodSandbox({ labelSelector: { [POD_UID_LABEL]: uid }, state: { state: 'SANDBOX_READY' } });
        const sandbox = sandboxes.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0];
        if (!sandbox) throw new Error(`pod "${req.pod}" has no running sandbox`);
        return cri.streaming.portForward(sandbox.id, req.ports);
      }
      // Upstream finds the container among the running ones; an exited or missing one is "not found".
      const containers = await cri.containers.listContainers({ labelSelector: { [POD_UID_LABEL]: uid, [CONTAINER_NAME_LABEL]: req.container }, state: { state: 'CONTAINER_RUNNING' } });
      const container = containers[0];
      if (!container) throw new Error(`container not found (${goQuote(req.container)})`);
      const { kind: _kind, namespace: _ns, pod: _pod, container: _c, ...streams } = req;
      return req.kind === 'exec' ? cri.streaming.exec({ containerId: container.id, ...streams, cmd: req.cmd }) : cri.streaming.attach({ containerId: container.id, ...streams });
    },
  };
}

