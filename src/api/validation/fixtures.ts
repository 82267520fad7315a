/**
 * A valid pod using most of what validation covers, and helpers for the table tests. Test-only:
 * not exported from the folder's index.
 */
import { setPodDefaults } from '../defaults.js';
import type { Container } from '../container.js';
import type { Pod } from '../pod.js';
import { validatePod, type PodValidationOptions } from './index.js';

export const LABEL_TAIL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const SUBDOMAIN_TAIL =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const QUANTITY_RE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** A pod using most of what validation covers, valid. */
export function fullPod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'example.com/note': 'x' } },
    spec: {
      volumes: [{ name: 'data', emptyDir: {} }, { name: 'conf', configMap: { name: 'web-conf', items: [{ key: 'a', path: 'a.conf' }] } }],
      initContainers: [
        { name: 'init', image: 'busybox', command: ['sh', '-c', 'true'], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'sidecar', image: 'busybox', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } },
      ],
      containers: [
        {
          name: 'app',
          image: 'registry.local/web:1.0',
          ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090, protocol: 'UDP' }],
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'MODE', value: 'prod' }],
          envFrom: [{ configMapRef: { name: 'web-env' } }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi', 'example.com/gpu': '1' } },
          volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'conf', mountPath: '/etc/web', readOnly: true }],
          livenessProbe: { httpGet: { port: 'http' } },
          startupProbe: { tcpSocket: { port: 8080 } },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
          securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
      securityContext: { fsGroup: 2000, sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
      tolerations: [{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
      activeDeadlineSeconds: 600,
      hostname: 'web-0',
      nodeName: 'node-1',
    },
  };
}

export const app = (p: Pod): Container => p.spec.containers[0] as Container;

export function check(mutate: (p: Pod) => void, opts?: PodValidationOptions): string[] {
  const p = setPodDefaults(fullPod());
  mutate(p);
  return validatePod(p, opts).map((e) => e.message);
}
