import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/index.js';
import { podsDifferSemantically } from './pod-update.js';

const pod = (): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5', labels: { app: 'web' }, annotations: { a: '1' } },
  spec: { containers: [{ name: 'app', image: 'busybox' }] },
  status: { phase: 'Pending' },
});

describe('podsDifferSemantically', () => {
  it('ignores status, resourceVersion and managedFields (the echo of our own status writes)', () => {
    const next = pod();
    next.metadata.resourceVersion = '9';
    next.metadata.managedFields = [{ manager: 'kubelet', operation: 'Update' }];
    next.status = { phase: 'Running', podIP: '10.0.0.2' };
    expect(podsDifferSemantically(pod(), next)).toBe(false);
  });
  it('sees spec, labels, annotations and deletion changes', () => {
    const changes: ((p: Pod) => void)[] = [
      (p) => (p.spec.activeDeadlineSeconds = 5),
      (p) => (p.metadata.labels = { app: 'other' }),
      (p) => (p.metadata.annotations = {}),
      (p) => (p.metadata.deletionTimestamp = '2026-11-22T00:00:00Z'),
      (p) => (p.metadata.deletionGracePeriodSeconds = 0),
    ];
    for (const change of changes) {
      const next = pod();
      change(next);
      expect(podsDifferSemantically(pod(), next)).toBe(true);
    }
  });
});
