import { describe, expect, it } from 'vitest';
import { imageTag, setPodDefaults } from './defaults.js';
import type { Pod } from './pod.js';

describe('imageTag (upstream ParseImageName tag)', () => {
  it.each([
    ['busybox', 'latest'],
    ['busybox:1.36', '1.36'],
    ['localhost:5000/busybox', 'latest'],
    ['localhost:5000/busybox:v1', 'v1'],
    ['busybox@sha256:abc', ''],
    ['busybox:1.36@sha256:abc', '1.36'],
  ])('%s -> %s', (image, tag) => {
    expect(imageTag(image)).toBe(tag);
  });
});

describe('setPodDefaults', () => {
  const base: Pod = {
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: {
      hostNetwork: true,
      containers: [
        {
          name: 'app',
          image: 'busybox',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
          readinessProbe: { httpGet: { port: 80 } },
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        },
      ],
      initContainers: [{ name: 'init', image: 'busybox:1.36' }],
      volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'cfg' } }],
    },
  };

  it('fills the API defaults and keeps what is set', () => {
    const d = setPodDefaults(base);
    expect(d.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
    });
    const app = d.spec.containers[0];
    expect(app).toMatchObject({
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      ports: [{ containerPort: 80, hostPort: 80, protocol: 'TCP' }],
      resources: { requests: { cpu: '500m', memory: '1Gi' } },
      readinessProbe: { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, httpGet: { path: '/', scheme: 'HTTP', port: 80 } },
      env: [{ name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
    });
    expect(d.spec.initContainers?.[0]?.imagePullPolicy).toBe('IfNotPresent');
    expect(d.spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { defaultMode: 0o644, name: 'cfg' } }]);
  });

  it('does not mutate its input', () => {
    const before = JSON.stringify(base);
    setPodDefaults(base);
    expect(JSON.stringify(base)).toBe(before);
  });
});
