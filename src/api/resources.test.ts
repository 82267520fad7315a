import { describe, expect, it } from 'vitest';
import type { Container, ResourceList } from './container.js';
import type { Pod } from './pod.js';
import { formatQuantity } from './quantity.js';
import { podResourceLimits, podResourceRequests, type ResourceQuantities } from './resources.js';

const c = (name: string, requests: ResourceList, extra: Partial<Container> = {}): Container => ({
  name,
  image: 'busybox',
  resources: { requests, limits: requests },
  ...extra,
});
const sidecar = (name: string, requests: ResourceList): Container => c(name, requests, { restartPolicy: 'Always' });
const pod = (containers: Container[], initContainers: Container[] = [], overhead?: ResourceList): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { containers, initContainers, ...(overhead ? { overhead } : {}) },
});
const show = (r: ResourceQuantities): Record<string, string> =>
  Object.fromEntries(Object.entries(r).map(([k, q]) => [k, formatQuantity(q)]));

describe('podResourceRequests / podResourceLimits (upstream PodRequests / PodLimits)', () => {
  const cases: Array<{ name: string; pod: Pod; want: Record<string, string> }> = [
    { name: 'sums app containers', pod: pod([c('a', { cpu: '100m', memory: '64Mi' }), c('b', { cpu: '200m' })]), want: { cpu: '300m', memory: '64Mi' } },
    {
      name: 'an init container bigger than the app containers sets the floor',
      pod: pod([c('a', { cpu: '100m' }), c('b', { cpu: '200m' })], [c('init', { cpu: '1' })]),
      want: { cpu: '1' },
    },
    {
      name: 'init containers do not add up with each other: the max wins',
      pod: pod([c('a', { cpu: '100m' })], [c('i1', { cpu: '500m' }), c('i2', { cpu: '700m' })]),
      want: { cpu: '700m' },
    },
    {
      name: 'sidecars add to the app containers',
      pod: pod([c('a', { cpu: '100m' })], [sidecar('s', { cpu: '50m' })]),
      want: { cpu: '150m' },
    },
    {
      name: 'an init container after a sidecar runs next to it',
      pod: pod([c('a', { cpu: '100m' })], [sidecar('s', { cpu: '200m' }), c('i', { cpu: '500m' })]),
      want: { cpu: '700m' },
    },
    {
      name: 'an init container before a sidecar does not count the sidecar',
      pod: pod([c('a', { cpu: '100m' })], [c('i', { cpu: '500m' }), sidecar('s', { cpu: '200m' })]),
      want: { cpu: '500m' },
    },
    {
      name: 'overhead is added',
      pod: pod([c('a', { cpu: '100m', memory: '64Mi' })], [], { cpu: '10m', memory: '16Mi' }),
      want: { cpu: '110m', memory: '80Mi' },
    },
  ];
  it.each(cases)('requests: $name', ({ pod: p, want }) => {
    expect(show(podResourceRequests(p))).toEqual(want);
  });
  it.each(cases)('limits: $name', ({ pod: p, want }) => {
    expect(show(podResourceLimits(p))).toEqual(want);
  });

  it('overhead is left out on request', () => {
    const p = pod([c('a', { cpu: '100m' })], [], { cpu: '10m' });
    expect(show(podResourceRequests(p, { excludeOverhead: true }))).toEqual({ cpu: '100m' });
  });

  it('overhead does not give an unlimited resource a limit', () => {
    const p = pod([{ name: 'a', resources: { limits: { cpu: '1' } } }], [], { cpu: '10m', memory: '16Mi' });
    expect(show(podResourceLimits(p))).toEqual({ cpu: '1010m' });
    expect(show(podResourceRequests(p))).toEqual({ cpu: '10m', memory: '16Mi' });
  });
});
