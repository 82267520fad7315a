import type { Pod } from '../../api/index.js';
import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION, isStaticPod } from '../../api/index.js';
import { isNotFoundError, type KubeClient } from '../../lib/kube/index.js';
import type { Logger } from '../../lib/logger.js';

const podPath = (ns: string, name: string): string => `/api/v1/namespaces/${ns}/pods/${name}`;

/** The mirror pod of a static pod: same name, namespace and spec, marked with its config hash. */
export function mirrorPodOf(pod: Pod): Pod {
  const hash = pod.metadata.annotations?.[CONFIG_HASH_ANNOTATION] ?? pod.metadata.uid ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      labels: pod.metadata.labels,
      annotations: { ...pod.metadata.annotations, [CONFIG_MIRROR_ANNOTATION]: hash },
    },
    spec: pod.spec,
  };
}

/**
 * Mirror pods (upstream pkg/kubelet/pod/mirror_client.go): every static pod of this node gets a
 * read-only copy in the API so kubectl sees it; a mirror whose hash no longer matches its static
 * pod (or whose static pod is gone) is deleted and, if needed, created again. Reentrant: call
 * `sync` with the current static pods whenever they change and periodically.
 */
export function createMirrorPods(client: Pick<KubeClient, 'list' | 'create' | 'delete'>, nodeName: string, logger: Logger) {
  return {
    async sync(staticPods: readonly Pod[], signal?: AbortSignal): Promise<void> {
      const want = new Map(staticPods.filter(isStaticPod).map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, mirrorPodOf(p)]));
      const { items } = await client.list<Pod>('/api/v1/pods', { fieldSelector: `spec.nodeName=${nodeName}` }, signal);
      const have = new Map(items.filter((p) => p.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined).map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
      for (const [key, mirror] of have) {
        const wanted = want.get(key);
        if (wanted && wanted.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] === mirror.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION]) continue;
        await client.delete(podPath(mirror.metadata.namespace ?? 'default', mirror.metadata.name ?? ''), { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata.uid } }, signal).catch((err: unknown) => {
          if (!isNotFoundError(err)) throw err;
        });
        have.delete(key);
        logger.info({ pod: key }, 'deleted outdated mirror pod');
      }
      for (const [key, mirror] of want) {
        if (have.has(key)) continue;
        await client.create(`/api/v1/namespaces/${mirror.metadata.namespace ?? 'default'}/pods`, mirror, signal);
        logger.info({ pod: key }, 'created mirror pod');
      }
    },
  };
}
