import { describe, expect, it } from 'vitest';
import type { Container } from '../container.js';
import type { Pod } from '../pod.js';
import { app, check, LABEL_TAIL, QUANTITY_RE } from './fixtures.js';

describe('validatePod: containers', () => {
  it.each<[string, (p: Pod) => void, string[]]>([
    ['container name missing', (p) => (app(p).name = ''), ['spec.containers[0].name: Required value']],
    ['container name not a DNS label', (p) => (app(p).name = 'App_1'), [`spec.containers[0].name: Invalid value: "App_1": ${LABEL_TAIL}`]],
    ['image missing', (p) => (app(p).image = ''), ['spec.containers[0].image: Required value']],
    ['image padded', (p) => (app(p).image = ' busybox'), ['spec.containers[0].image: Invalid value: " busybox": must not have leading or trailing whitespace']],
    ['app names repeat', (p) => p.spec.containers.push({ ...app(p), ports: [] }), ['spec.containers[1].name: Duplicate value: "app"']],
    ['init and app names collide', (p) => ((p.spec.initContainers?.[0] as Container).name = 'app'), ['spec.initContainers[0].name: Duplicate value: "app"']],
    ['requests above limits, the message of the brief', (p) => (app(p).resources = { requests: { cpu: '2' }, limits: { cpu: '1' } }), [
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]],
    [
      'ports',
      (p) =>
        (app(p).ports = [
          { name: 'http', containerPort: 0, protocol: 'TCP' },
          { name: 'http', containerPort: 70000, hostPort: 70000, protocol: 'HTTP' as never },
          { name: 'Web', containerPort: 80, protocol: 'TCP' },
        ]),
      [
        'spec.containers[0].ports[0].containerPort: Required value',
        'spec.containers[0].ports[1].name: Duplicate value: "http"',
        'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.containers[0].ports[1].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        'spec.containers[0].ports[2].name: Invalid value: "Web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      ],
    ],
    [
      'host ports conflict across app containers',
      (p) => {
        app(p).ports = [{ containerPort: 80, hostPort: 80, protocol: 'TCP' }];
        p.spec.containers.push({ ...app(p), name: 'app2', ports: [{ containerPort: 81, hostPort: 80, protocol: 'TCP' }] });
      },
      ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//80"'],
    ],
    [
      'hostNetwork needs hostPort == containerPort',
      (p) => {
        p.spec.hostNetwork = true;
        app(p).ports = [{ containerPort: 8080, hostPort: 8081, protocol: 'TCP' }];
        p.spec.securityContext = {};
      },
      ['spec.containers[0].ports[0].hostPort: Invalid value: 8081: must match `containerPort` when `hostNetwork` is true'],
    ],
    [
      'env vars',
      (p) =>
        (app(p).env = [
          { name: '', value: 'x' },
          { name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 'creds', key: 'a' } } },
          { name: 'B', valueFrom: {} },
          { name: 'C', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.restartPolicy' } } },
          { name: 'D', valueFrom: { secretKeyRef: { name: 'creds', key: '' }, configMapKeyRef: { name: 'conf', key: 'k' } } },
        ]),
      [
        'spec.containers[0].env[0].name: Required value',
        'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        'spec.containers[0].env[2].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.restartPolicy": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
        'spec.containers[0].env[4].valueFrom.secretKeyRef.key: Required value',
        'spec.containers[0].env[4].valueFrom: Invalid value: "": may not have more than one field specified at a time',
      ],
    ],
    [
      'resources',
      (p) =>
        (app(p).resources = {
          limits: { cpu: 'abc', memory: '1Gi', gpu: '1', 'example.com/fpga': '500m' },
          requests: { memory: '2Gi', 'ephemeral-storage': '-1', 'example.com/gpu': '1', 'example.com/fpga': '500m' },
        }),
      [
        `spec.containers[0].resources.limits[cpu]: Invalid value: "abc": ${QUANTITY_RE}`,
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
        'spec.containers[0].resources.limits[example.com/fpga]: Invalid value: 500m: must be an integer',
        'spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi',
        'spec.containers[0].resources.requests[ephemeral-storage]: Invalid value: "-1": must be greater than or equal to 0',
        'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
        'spec.containers[0].resources.requests[example.com/fpga]: Invalid value: 500m: must be an integer',
      ],
    ],
    [
      'volume mounts',
      (p) =>
        (app(p).volumeMounts = [
          { name: 'nope', mountPath: '/a' },
          { name: 'data', mountPath: '' },
          { name: 'data', mountPath: '/a', subPath: '/abs' },
          { name: 'data', mountPath: '/b', mountPropagation: 'Bidirectional' },
        ]),
      [
        'spec.containers[0].volumeMounts[0].name: Not found: "nope"',
        'spec.containers[0].volumeMounts[1].mountPath: Required value',
        'spec.containers[0].volumeMounts[2].mountPath: Invalid value: "/a": must be unique',
        'spec.containers[0].volumeMounts.subPath: Invalid value: "/abs": must be a relative path',
        'spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers',
      ],
    ],
    [
      'init containers: only Always, and probes only on sidecars',
      (p) => {
        const [init, sidecar] = p.spec.initContainers as [Container, Container];
        init.livenessProbe = { exec: { command: ['true'] } };
        sidecar.restartPolicy = 'OnFailure' as never;
        app(p).restartPolicy = 'Always';
      },
      [
        'spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers',
        'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
        'spec.initContainers[1].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
        'spec.initContainers[1].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      ],
    ],
    [
      'probes and hooks',
      (p) => {
        const c = app(p);
        c.livenessProbe = { periodSeconds: -1, successThreshold: 2, failureThreshold: 3, timeoutSeconds: 1 };
        c.readinessProbe = { exec: { command: [] }, tcpSocket: { port: 'web_port' }, successThreshold: 1, terminationGracePeriodSeconds: 5 };
        c.startupProbe = { httpGet: { port: 0, path: '/', scheme: 'FTP' as never }, successThreshold: 1 };
        c.lifecycle = { preStop: { sleep: { seconds: 60 } } };
      },
      [
        'spec.containers[0].lifecycle.preStop.sleep: Invalid value: 60: must be greater than 0 and less than terminationGracePeriodSeconds (30). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.',
        'spec.containers[0].livenessProbe: Required value: must specify a handler type',
        'spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0',
        'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
        'spec.containers[0].readinessProbe.exec.command: Required value',
        'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
        'spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes',
        'spec.containers[0].startupProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'spec.containers[0].startupProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"',
      ],
    ],
  ])('%s', (_name, mutate, expected) => {
    expect(check(mutate)).toEqual(expected);
  });
});
