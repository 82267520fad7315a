import { describe, expect, it } from 'vitest';
import { isApiError } from '../errors.js';
import type { KObject } from '../object.js';
import { deployments, jobs, priorityclasses, statefulsets } from '../registry/groups.js';
import { scaleOf } from '../handlers/scale.js';
import { testStore } from '../store/test-helpers.js';
import { selectorMatches, selectorString } from './template.js';

function deployment(name: string, labels: Record<string, string> = { app: name }): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'busybox' }] } } },
  };
}

async function invalidMessages(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    if (isApiError(err, 'Invalid')) return (err.status.details?.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`);
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('deployments', () => {
  it('defaults replicas, strategy, history, deadline and the pod template', async () => {
    const { store } = testStore(deployments);
    const d = await store.create('default', deployment('web'));
    expect(d.metadata.generation).toBe(1);
    expect(d.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    expect(d.spec).toMatchObject({ template: { spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 } } });
    expect(d.status).toBeUndefined();
  });

  it('requires a selector matching the template labels, in upstream words', async () => {
    const { store } = testStore(deployments);
    expect(await invalidMessages(store.create('default', deployment('web', { app: 'x' })))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`',
    ]);
    const noSelector = deployment('web');
    delete (noSelector.spec as Record<string, unknown>).selector;
    expect(await invalidMessages(store.create('default', noSelector))).toEqual(['spec.selector: Required value']);
  });

  it('bumps generation on spec changes only and keeps status out of main-resource writes', async () => {
    const { store } = testStore(deployments);
    await store.create('default', deployment('web'));
    const labeled = await store.update('default', 'web', (cur) => ({ ...(cur as KObject), metadata: { ...(cur as KObject).metadata, labels: { a: 'b' } }, status: { replicas: 9 } }));
    expect(labeled.obj.metadata.generation).toBe(1);
    expect(labeled.obj.status).toBeUndefined();
    const scaled = await store.update('default', 'web', (cur) => ({ ...(cur as KObject), spec: { ...((cur as KObject).spec as object), replicas: 3 } }));
    expect(scaled.obj.metadata.generation).toBe(2);
    const status = await store.update('default', 'web', (cur) => ({ ...(cur as KObject), spec: {}, status: { replicas: 2 } }), { hooks: { kind: 'subresource', strategy: deployments.statusStrategy! } });
    expect(status.obj.status).toEqual({ replicas: 2 });
    expect(status.obj.spec).toMatchObject({ replicas: 3 });
    expect(status.obj.metadata.generation).toBe(2);
    expect(scaleOf(status.obj)).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=web' } });
  });

  it('refuses a selector change', async () => {
    const { store } = testStore(deployments);
    await store.create('default', deployment('web'));
    const errs = await invalidMessages(
      store.update('default', 'web', (cur) => {
        const next = cur as KObject;
        (next.spec as Record<string, unknown>).selector = { matchLabels: { app: 'web', v: '2' } };
        ((next.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels).v = '2';
        return next;
      }),
    );
    expect(errs).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable']);
  });
});

describe('other workload kinds', () => {
  it('jobs get a server-generated selector from their uid', async () => {
    const { store } = testStore(jobs);
    const job = await store.create('default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'b' }] } } } });
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } } });
    expect(job.spec).toMatchObject({ template: { metadata: { labels: { 'batch.kubernetes.io/job-name': 'once', 'controller-uid': 'uid-1' } } } });
  });

  it('stateful sets need a DNS label name and default their policies', async () => {
    const { store } = testStore(statefulsets);
    const sts = await store.create('default', { ...deployment('db'), apiVersion: 'apps/v1', kind: 'StatefulSet' });
    expect(sts.spec).toMatchObject({ podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
  });

  it('reserves system- priority class names', async () => {
    const { store } = testStore(priorityclasses);
    expect(await invalidMessages(store.create('', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-x' }, value: 1 }))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved",
    ]);
  });

  it('matches and prints metav1 selectors as upstream', () => {
    const sel = { matchLabels: { b: '1' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['y', 'x'] }, { key: 'c', operator: 'DoesNotExist' }] };
    expect(selectorString(sel)).toBe('a in (x,y),b=1,!c');
    expect(selectorMatches(sel, { a: 'x', b: '1' })).toBe(true);
    expect(selectorMatches(sel, { a: 'x', b: '1', c: '' })).toBe(false);
  });
});
