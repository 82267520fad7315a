/**
 * Whether a pod needs a new sandbox, as upstream `PodSandboxChanged`
 * (pkg/kubelet/kuberuntime/util): when it has none, several ready ones, a newest one that is not
 * ready, one whose network namespace mode no longer matches `hostNetwork`, or one without an IP on
 * the pod network. `attempt` is the sandbox metadata attempt to use next.
 */
import type { Pod } from '../../api/index.js';
import type { NamespaceMode } from '../../cri/index.js';
import type { RuntimePodStatus } from './runtime.js';

export type SandboxChangeReason =
  | 'NoSandbox'
  | 'MultipleReadySandboxes'
  | 'SandboxNotReady'
  | 'NetworkNamespaceChanged'
  | 'NoPodIP';

export type SandboxDecision =
  | { changed: false; attempt: number; sandboxId: string }
  | { changed: true; reason: SandboxChangeReason; attempt: number; sandboxId?: string };

/** Upstream `NetworkNamespaceForPod`. */
export function networkNamespaceForPod(pod: Pod): NamespaceMode {
  return pod.spec.hostNetwork ? 'NODE' : 'POD';
}

/** Upstream `PidNamespaceForPod`: host, shared by the pod, or one per container. */
export function pidNamespaceForPod(pod: Pod): NamespaceMode {
  if (pod.spec.hostPID) return 'NODE';
  if (pod.spec.shareProcessNamespace) return 'POD';
  return 'CONTAINER';
}

/** Upstream `IpcNamespaceForPod`. */
export function ipcNamespaceForPod(pod: Pod): NamespaceMode {
  return pod.spec.hostIPC ? 'NODE' : 'POD';
}

export function podSandboxChanged(pod: Pod, status: RuntimePodStatus): SandboxDecision {
  const newest = status.sandboxes[0];
  if (!newest) return { changed: true, reason: 'NoSandbox', attempt: 0 };
  let ready = 0;
  let maxAttempt = 0;
  for (const s of status.sandboxes) {
    if (s.state === 'SANDBOX_READY') ready++;
    maxAttempt = Math.max(maxAttempt, s.metadata.attempt);
  }
  const renew = (reason: SandboxChangeReason): SandboxDecision => ({
    changed: true,
    reason,
    attempt: maxAttempt + 1,
    sandboxId: newest.id,
  });
  if (ready > 1) return renew('MultipleReadySandboxes');
  if (newest.state !== 'SANDBOX_READY') return renew('SandboxNotReady');
  if ((newest.namespaceOptions?.network ?? 'POD') !== networkNamespaceForPod(pod)) return renew('NetworkNamespaceChanged');
  // Our CRI client reports an empty pod IP as a null network.
  if (!pod.spec.hostNetwork && newest.network === null) return renew('NoPodIP');
  return { changed: false, attempt: maxAttempt, sandboxId: newest.id };
}
