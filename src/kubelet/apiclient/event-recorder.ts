import { randomBytes } from 'node:crypto';
import type { Pod } from '../../api/index.js';
import { isStaticPod } from '../../api/index.js';
import type { Clock } from '../../lib/clock.js';
import { realClock } from '../../lib/clock.js';
import { isNotFoundError, type KubeClient } from '../../lib/kube/index.js';
import type { Logger } from '../../lib/logger.js';
import type { EventRecorder, EventType } from '../events.js';

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Writes the kubelet's pod events as core/v1 Events, aggregated like upstream's event correlator:
 * the same (object, type, reason, message, container) within 10 minutes bumps `count` and
 * `lastTimestamp` of one Event instead of creating another. Writes are asynchronous, one at a
 * time, and dropped (with a log line) when the API server is unreachable: events are best effort.
 * Static pods have no API object until mirror pods exist, so their events stay local.
 */
export function createApiEventRecorder(client: Pick<KubeClient, 'create' | 'patch'>, nodeName: string, logger: Logger, clock: Clock = realClock): EventRecorder {
  const seen = new Map<string, Recorded>();
  let chain: Promise<void> = Promise.resolve();
  const WINDOW_MS = 10 * 60_000;

  async function write(pod: Pod, type: EventType, reason: string, message: string, container?: string): Promise<void> {
    const now = clock.now();
    const ns = pod.metadata.namespace ?? 'default';
    const key = [pod.metadata.uid, type, reason, message, container ?? ''].join('\u0000');
    const prev = seen.get(key);
    if (prev && now - prev.lastSeen < WINDOW_MS) {
      prev.count++;
      prev.lastSeen = now;
      try {
        await client.patch(`/api/v1/namespaces/${ns}/events/${prev.name}`, { count: prev.count, lastTimestamp: rfc3339(now) }, 'merge');
        return;
      } catch (err) {
        if (!isNotFoundError(err)) throw err;
        seen.delete(key); // expired on the server: create a new one
      }
    }
    const name = `${pod.metadata.name}.${randomBytes(8).toString('hex')}`;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid, fieldPath: container ? `spec.containers{${container}}` : undefined },
      reason,
      message,
      type,
      source: { component: 'kubelet', host: nodeName },
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      count: 1,
      reportingComponent: 'kubelet',
      reportingInstance: nodeName,
    };
    await client.create(`/api/v1/namespaces/${ns}/events`, event);
    seen.set(key, { name, namespace: ns, count: 1, firstTimestamp: event.firstTimestamp, lastSeen: now });
    if (seen.size > 4096) for (const [k, v] of seen) if (now - v.lastSeen >= WINDOW_MS) seen.delete(k);
  }

  return {
    event(pod, type, reason, message, container) {
      if (isStaticPod(pod)) return;
      chain = chain.then(() => write(pod, type, reason, message, container)).catch((err: unknown) => {
        logger.debug({ reason, err: (err as Error).message }, 'event dropped');
      });
    },
  };
}
