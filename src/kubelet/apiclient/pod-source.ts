import { isMirrorPod, type Pod } from '../../api/index.js';
import { createInformer, type KubeClient } from '../../lib/kube/index.js';
import type { Logger } from '../../lib/logger.js';
import type { PodSource } from '../kubelet.js';

/**
 * The pods the API server binds to this node (`spec.nodeName=<node>`), through an informer: the
 * full set goes to the kubelet after the first list and after every change (coalesced within a
 * tick). Pods being deleted stay in the set with their deletionTimestamp; the kubelet terminates
 * them and the status manager completes the deletion. Mirror pods are left out.
 */
export function createApiPodSource(client: Pick<KubeClient, 'list' | 'watch'>, nodeName: string, logger: Logger): PodSource {
  return {
    name: 'api',
    async run(signal, onUpdate) {
      const informer = createInformer<Pod>(client, '/api/v1/pods', { query: { fieldSelector: `spec.nodeName=${nodeName}` }, logger });
      let scheduled = false;
      const emit = (): void => {
        if (scheduled || !informer.hasSynced()) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          // Mirror pods are the API's copies of this node's static pods: never run them twice.
          const pods = informer.list().filter((p) => !isMirrorPod(p));
          if (!signal.aborted) onUpdate(pods.map((p) => ({ ...p, apiVersion: 'v1', kind: 'Pod' })));
        });
      };
      informer.onEvent(emit);
      const running = informer.run(signal);
      // The first list may be empty (no events then): announce it once synced.
      const poll = setInterval(() => {
        if (informer.hasSynced()) {
          clearInterval(poll);
          emit();
        }
      }, 20);
      try {
        await running;
      } finally {
        clearInterval(poll);
      }
    },
  };
}
