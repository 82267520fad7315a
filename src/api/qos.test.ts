import { describe, expect, it } from 'vitest';
import type { Container, ResourceList } from './container.js';
import type { Pod, PodQOSClass } from './pod.js';
import { computePodQOS, podQOSClass } from './qos.js';

const c = (name: string, requests?: ResourceList, limits?: ResourceList): Container => ({
  name,
  image: 'busybox',
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
});
const pod = (containers: Container[], initContainers: Container[] = []): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { containers, initContainers },
});
const both = (cpu: string, memory: string): ResourceList => ({ cpu, memory });

describe('computePodQOS (upstream GetPodQOS)', () => {
  const cases: Array<{ name: string; pod: Pod; want: PodQOSClass }> = [
    { name: 'no requests or limits anywhere is BestEffort', pod: pod([c('a'), c('b')]), want: 'BestEffort' },
    { name: 'zero requests do not count', pod: pod([c('a', both('0', '0'))]), want: 'BestEffort' },
    { name: 'extended resources alone do not count', pod: pod([c('a', { 'nvidia.com/gpu': '1' }, { 'nvidia.com/gpu': '1' })]), want: 'BestEffort' },
    { name: 'equal cpu and memory requests and limits is Guaranteed', pod: pod([c('a', both('100m', '100Mi'), both('100m', '100Mi'))]), want: 'Guaranteed' },
    { name: 'equal quantities in different notation are equal', pod: pod([c('a', both('0.1', '1Gi'), both('100m', '1024Mi'))]), want: 'Guaranteed' },
    { name: 'Guaranteed ignores extra extended resources', pod: pod([c('a', { ...both('1', '1Gi'), 'nvidia.com/gpu': '1' }, { ...both('1', '1Gi'), 'nvidia.com/gpu': '1' })]), want: 'Guaranteed' },
    { name: 'a missing memory limit makes it Burstable', pod: pod([c('a', both('100m', '100Mi'), { cpu: '100m' })]), want: 'Burstable' },
    { name: 'requests below limits is Burstable', pod: pod([c('a', both('100m', '100Mi'), both('200m', '100Mi'))]), want: 'Burstable' },
    { name: 'one BestEffort container among Guaranteed ones makes it Burstable', pod: pod([c('a', both('1', '1Gi'), both('1', '1Gi')), c('b')]), want: 'Burstable' },
    { name: 'limits without requests are Burstable until defaulting copies them', pod: pod([c('a', undefined, both('1', '1Gi'))]), want: 'Burstable' },
    {
      name: 'sums are compared, not containers: uneven containers with equal totals are Guaranteed',
      pod: pod([c('a', both('100m', '1Gi'), both('200m', '1Gi')), c('b', both('300m', '1Gi'), both('200m', '1Gi'))]),
      want: 'Guaranteed',
    },
    {
      name: 'init containers count like app containers',
      pod: pod([c('a', both('1', '1Gi'), both('1', '1Gi'))], [c('init', both('1', '1Gi'), both('2', '1Gi'))]),
      want: 'Burstable',
    },
    {
      name: 'an init container without limits breaks Guaranteed',
      pod: pod([c('a', both('1', '1Gi'), both('1', '1Gi'))], [c('init')]),
      want: 'Burstable',
    },
    {
      name: 'Guaranteed init container and app container',
      pod: pod([c('a', both('1', '1Gi'), both('1', '1Gi'))], [c('init', both('1', '1Gi'), both('1', '1Gi'))]),
      want: 'Guaranteed',
    },
  ];
  it.each(cases)('$name', ({ pod: p, want }) => {
    expect(computePodQOS(p)).toBe(want);
  });

  it('podQOSClass keeps a class already in the status', () => {
    const p: Pod = { ...pod([c('a')]), status: { qosClass: 'Burstable' } };
    expect(podQOSClass(p)).toBe('Burstable');
    expect(computePodQOS(p)).toBe('BestEffort');
  });
});
