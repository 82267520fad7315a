import type { Pod } from '../api/index.js';
import type { Logger } from '../lib/logger.js';

export type EventType = 'Normal' | 'Warning';

/**
 * Where the kubelet reports what it did to a pod, with upstream's reasons (Pulling, Pulled, Failed,
 * BackOff, Created, Started, Killing, ...). Standalone it logs; with an API server it will write
 * core/v1 Events, aggregated with `count` (the node-agent issue).
 */
export interface EventRecorder {
  /** `container` names the involved container (`spec.containers{name}` field path), when any. */
  event(pod: Pod, type: EventType, reason: string, message: string, container?: string): void;
}

export interface RecordedEvent {
  podUid: string;
  type: EventType;
  reason: string;
  message: string;
  container?: string;
}

/** Logs every event and keeps the last `keep` for the local API and tests; `also` gets each too. */
export function createLoggingRecorder(logger: Logger, keep = 1000, also?: EventRecorder): EventRecorder & { recent(): RecordedEvent[] } {
  const buffer: RecordedEvent[] = [];
  return {
    event(pod, type, reason, message, container) {
      const podUid = pod.metadata.uid ?? '';
      also?.event(pod, type, reason, message, container);
      buffer.push({ podUid, type, reason, message, container });
      if (buffer.length > keep) buffer.splice(0, buffer.length - keep);
      const fields = { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container, reason };
      if (type === 'Warning') logger.warn(fields, message);
      else logger.info(fields, message);
    },
    recent: () => [...buffer],
  };
}
