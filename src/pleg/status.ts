/**
 * Inspecting one pod (upstream kuberuntime `GetPodStatus`): PodSandboxStatus for each of its
 * sandboxes and ContainerStatus for each of its containers, as listed by the relist.
 */
import { isNotFound, type CallOptions, type ContainerStatus, type CriRuntime, type PodSandboxStatus } from '../cri/index.js';
import type { PodRuntimeStatus, RuntimePod } from './types.js';

const POD_NAME_LABEL = 'io.kubernetes.pod.name';
const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';

const newestFirst = <T extends { createdAt: bigint }>(a: T, b: T): number =>
  a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0;

/** The call's result, or null when the object was removed since it was listed (normal, not an error). */
async function unlessRemoved<T>(call: Promise<{ status: T }>): Promise<T | null> {
  try {
    return (await call).status;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** The sandbox's IPs, primary first (upstream `determinePodSandboxIPs`). */
function sandboxIps(s: PodSandboxStatus): string[] {
  return s.network ? [s.network.ip, ...s.network.additionalIps].filter((ip) => ip !== '') : [];
}

/**
 * The pod's full status. All its calls run at once, each under `opts` (deadline, cancellation);
 * the first failure other than NotFound rejects the whole inspection. `previousIps` are the IPs last
 * cached for the pod, kept when no sandbox is ready (upstream `getPodIPs`).
 */
export async function inspectPod(
  runtime: Pick<CriRuntime, 'sandboxes' | 'containers'>,
  pod: RuntimePod,
  previousIps: readonly string[],
  opts: CallOptions,
): Promise<PodRuntimeStatus> {
  const [sandboxes, containers] = await Promise.all([
    Promise.all(pod.sandboxes.map((s) => unlessRemoved(runtime.sandboxes.podSandboxStatus(s.id, opts)))),
    Promise.all(pod.containers.map((c) => unlessRemoved(runtime.containers.containerStatus(c.id, opts)))),
  ]);
  const sandboxStatuses = sandboxes.filter((s): s is PodSandboxStatus => s !== null).sort(newestFirst);
  const containerStatuses = containers.filter((c): c is ContainerStatus => c !== null).sort(newestFirst);

  const listedNewest = [...pod.sandboxes].sort(newestFirst)[0];
  const labels = containerStatuses[0]?.labels ?? pod.containers[0]?.labels ?? {};
  const newest = sandboxStatuses[0];
  let ips = newest?.state === 'SANDBOX_READY' ? sandboxIps(newest) : [];
  if (ips.length === 0 && !sandboxStatuses.some((s) => s.state === 'SANDBOX_READY')) ips = [...previousIps];
  return {
    uid: pod.uid,
    name: listedNewest?.metadata.name ?? labels[POD_NAME_LABEL] ?? '',
    namespace: listedNewest?.metadata.namespace ?? labels[POD_NAMESPACE_LABEL] ?? '',
    sandboxes: sandboxStatuses,
    containers: containerStatuses,
    ips,
  };
}
