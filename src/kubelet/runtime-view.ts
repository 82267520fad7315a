import type { Container, ContainerStatus, CriRuntime, PodSandbox, PodSandboxStatus } from '../cri/index.js';
import { isNotFound } from '../cri/index.js';
import { buildRuntimePodStatus, parsePodIdentity, POD_UID_LABEL, type RuntimePodStatus } from './decide/index.js';

type Runtime = Pick<CriRuntime, 'sandboxes' | 'containers'>;

/** Drops statuses of objects removed between the list and the status call. */
async function statusesOf<T>(ids: readonly string[], get: (id: string) => Promise<T>): Promise<T[]> {
  const out = await Promise.all(
    ids.map((id) =>
      get(id).catch((err: unknown) => {
        if (isNotFound(err)) return null;
        throw err;
      }),
    ),
  );
  return out.filter((s): s is Awaited<T> => s !== null);
}

/**
 * Reads one pod's runtime view straight from CRI: its sandboxes and containers found by the pod-uid
 * label, with their full statuses. Fresh on every call, so a sync always decides on current state.
 */
export async function readPodRuntimeStatus(
  cri: Runtime,
  pod: { uid: string; name: string; namespace: string },
  signal?: AbortSignal,
): Promise<RuntimePodStatus> {
  const selector = { labelSelector: { [POD_UID_LABEL]: pod.uid } };
  const [sandboxes, containers] = await Promise.all([
    cri.sandboxes.listPodSandbox(selector, { signal }),
    cri.containers.listContainers(selector, { signal }),
  ]);
  const [sandboxStatuses, containerStatuses] = await Promise.all([
    statusesOf<PodSandboxStatus>(sandboxes.map((s) => s.id), async (id) => (await cri.sandboxes.podSandboxStatus(id, { signal })).status),
    statusesOf<ContainerStatus>(containers.map((c) => c.id), async (id) => (await cri.containers.containerStatus(id, { signal })).status),
  ]);
  return buildRuntimePodStatus(pod, sandboxStatuses, containerStatuses);
}

export interface RuntimePodSummary {
  uid: string;
  name: string;
  namespace: string;
  sandboxes: PodSandbox[];
  containers: Container[];
  running: boolean;
}

/**
 * Every pod the runtime holds that carries the kubelet's labels, grouped by uid, from two list
 * calls (no per-object status calls): enough for orphan detection, GC and log rotation.
 */
export async function listRuntimePods(cri: Runtime, signal?: AbortSignal): Promise<Map<string, RuntimePodSummary>> {
  const [sandboxes, containers] = await Promise.all([cri.sandboxes.listPodSandbox(undefined, { signal }), cri.containers.listContainers(undefined, { signal })]);
  const pods = new Map<string, RuntimePodSummary>();
  const entry = (labels: Record<string, string>): RuntimePodSummary | undefined => {
    const id = parsePodIdentity(labels);
    if (!id) return undefined;
    let p = pods.get(id.podUid);
    if (!p) pods.set(id.podUid, (p = { uid: id.podUid, name: id.podName, namespace: id.podNamespace, sandboxes: [], containers: [], running: false }));
    return p;
  };
  for (const s of sandboxes) {
    const p = entry(s.labels);
    if (!p) continue;
    p.sandboxes.push(s);
    if (s.state === 'SANDBOX_READY') p.running = true;
  }
  for (const c of containers) {
    const p = entry(c.labels);
    if (!p) continue;
    p.containers.push(c);
    if (c.state === 'CONTAINER_RUNNING') p.running = true;
  }
  return pods;
}
