import { describe, expect, it } from 'vitest';
import {
  containerAnnotations,
  containerLabels,
  parseContainerAnnotations,
  parseContainerIdentity,
  parsePodIdentity,
  podSandboxAnnotations,
  podSandboxLabels,
} from './labels.js';
import { container, makePod } from './fixtures.js';
import { hashContainer } from './hash.js';

const pod = makePod(
  { terminationGracePeriodSeconds: 30 },
  { labels: { app: 'web', 'io.kubernetes.pod.name': 'spoofed' }, annotations: { note: 'x' }, deletionGracePeriodSeconds: 10 },
);
const app = container('app', {
  ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
  lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } },
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
});

describe('CRI labels and annotations (upstream kuberuntime/labels.go)', () => {
  it('sandbox labels carry the pod labels and the identity labels, which win', () => {
    expect(podSandboxLabels(pod)).toEqual({
      app: 'web',
      'io.kubernetes.pod.name': 'web',
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.pod.uid': 'uid-1',
    });
    expect(podSandboxAnnotations(pod)).toEqual({ note: 'x' });
  });

  it('container labels carry identity only; instance facts go in annotations', () => {
    expect(containerLabels(pod, app)).toEqual({
      'io.kubernetes.pod.name': 'web',
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.pod.uid': 'uid-1',
      'io.kubernetes.container.name': 'app',
    });
    expect(containerAnnotations(pod, app, 3, { 'io.kubernetes.container.hash': 'device-plugin', extra: 'y' })).toEqual({
      extra: 'y',
      'io.kubernetes.container.hash': hashContainer(app),
      'io.kubernetes.container.restartCount': '3',
      'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
      'io.kubernetes.container.terminationMessagePolicy': 'File',
      'io.kubernetes.pod.deletionGracePeriod': '10',
      'io.kubernetes.pod.terminationGracePeriod': '30',
      'io.kubernetes.container.preStopHandler': '{"exec":{"command":["sh","-c","sleep 1"]}}',
      'io.kubernetes.container.ports': '[{"name":"http","containerPort":80,"protocol":"TCP"}]',
    });
  });

  it('round-trips: a restarted kubelet reads back what it wrote', () => {
    expect(parseContainerIdentity(containerLabels(pod, app))).toEqual({ podName: 'web', podNamespace: 'default', podUid: 'uid-1', containerName: 'app' });
    expect(parsePodIdentity(podSandboxLabels(pod))).toEqual({ podName: 'web', podNamespace: 'default', podUid: 'uid-1' });
    expect(parseContainerAnnotations(containerAnnotations(pod, app, 3))).toEqual({
      hash: hashContainer(app),
      restartCount: 3,
      podDeletionGracePeriod: 10,
      podTerminationGracePeriod: 30,
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      preStopHandler: { exec: { command: ['sh', '-c', 'sleep 1'] } },
      containerPorts: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    });
  });

  it.each([
    ['no labels', {}],
    ['no uid', { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default' }],
    ['an empty uid', { 'io.kubernetes.pod.uid': '', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default' }],
  ])('objects with %s are not the kubelet\'s', (_why, labels) => {
    expect(parsePodIdentity(labels)).toBeNull();
    expect(parseContainerIdentity(labels)).toBeNull();
  });

  it('a sandbox is not a container: no container name, no container identity', () => {
    expect(parseContainerIdentity(podSandboxLabels(pod))).toBeNull();
  });

  it('reads malformed annotations as absent, restart count as 0', () => {
    expect(
      parseContainerAnnotations({
        'io.kubernetes.container.restartCount': 'three',
        'io.kubernetes.pod.terminationGracePeriod': '',
        'io.kubernetes.container.preStopHandler': '{not json',
        'io.kubernetes.container.ports': '[{"containerPort":"80"}]',
        'io.kubernetes.container.terminationMessagePolicy': 'Bogus',
      }),
    ).toEqual({ hash: '', restartCount: 0, terminationMessagePath: '', terminationMessagePolicy: '', containerPorts: [] });
  });
});
