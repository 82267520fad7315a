import { describe, expect, it } from 'vitest';
import type { ConfigMap, Container, EnvVar, Pod, Secret } from '../../api/index.js';
import { ContainerConfigError } from './config-error.js';
import { makeEnvironmentVariables, type EnvContext } from './env.js';
import { container, makePod } from './fixtures.js';

const pod: Pod = makePod(
  { nodeName: 'node-1', serviceAccountName: 'builder', containers: [container('app', { resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1500m' } } })] },
  { labels: { app: 'web', tier: 'front' }, annotations: { note: 'say "hi"\n' } },
);
const configMaps: Record<string, ConfigMap> = {
  cfg: { metadata: { name: 'cfg' }, data: { MODE: 'fast', 'bad key': 'x', '1NUM': 'y' } },
};
const secrets: Record<string, Secret> = {
  creds: { metadata: { name: 'creds' }, data: { password: Buffer.from('s3cret').toString('base64') } },
};
const ctx: EnvContext = {
  podIPs: ['10.88.0.5', 'fd00::5'],
  hostIPs: ['192.168.1.10'],
  getConfigMap: (n) => configMaps[n],
  getSecret: (n) => secrets[n],
  nodeAllocatable: { cpu: '4', memory: '8Gi' },
};
const one = (v: EnvVar, c: EnvContext = ctx): string | undefined => {
  const app: Container = { ...(pod.spec.containers[0] as Container), env: [v] };
  return makeEnvironmentVariables(pod, app, c).env.find((e) => e.name === v.name)?.value;
};
const field = (fieldPath: string): EnvVar => ({ name: 'V', valueFrom: { fieldRef: { fieldPath } } });
const resource = (r: string, divisor?: string, containerName?: string): EnvVar => ({
  name: 'V',
  valueFrom: { resourceFieldRef: { resource: r, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) } },
});

describe('makeEnvironmentVariables: downward API (upstream podFieldSelectorRuntimeValue)', () => {
  it.each([
    ['metadata.name', 'web'],
    ['metadata.namespace', 'default'],
    ['metadata.uid', 'uid-1'],
    ["metadata.labels['app']", 'web'],
    ["metadata.labels['missing']", ''],
    ["metadata.annotations['note']", 'say "hi"\n'],
    ['metadata.labels', 'app="web"\ntier="front"'],
    ['metadata.annotations', 'note="say \\"hi\\"\\n"'],
    ['spec.nodeName', 'node-1'],
    ['spec.host', 'node-1'],
    ['spec.serviceAccountName', 'builder'],
    ['status.podIP', '10.88.0.5'],
    ['status.podIPs', '10.88.0.5,fd00::5'],
    ['status.hostIP', '192.168.1.10'],
    ['status.hostIPs', '192.168.1.10'],
  ])('%s -> %j', (path, want) => {
    expect(one(field(path))).toBe(want);
  });

  it.each([
    ['spec.containers', 'field label not supported: spec.containers'],
    ["spec.nodeName['x']", "field label does not support subscript: spec.nodeName['x']"],
    ["metadata.labels['-bad-']", "invalid key subscript in metadata.labels['-bad-']"],
    ['spec.restartPolicy', 'unsupported fieldPath: spec.restartPolicy'],
  ])('%s fails as CreateContainerConfigError: %s', (path, message) => {
    expect(() => one(field(path))).toThrow(ContainerConfigError);
    expect(() => one(field(path))).toThrow(message);
  });

  it('rejects a fieldRef of another API version', () => {
    expect(() => one({ name: 'V', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'metadata.name' } } })).toThrow('unsupported pod version: v2');
  });
});

describe('makeEnvironmentVariables: resource fields (upstream ExtractContainerResourceValue)', () => {
  it.each([
    ['requests.cpu', undefined, '1'],
    ['requests.cpu', '1m', '250'],
    ['limits.cpu', undefined, '2'],
    ['limits.cpu', '100m', '15'],
    ['requests.memory', '1Mi', '64'],
    ['requests.memory', undefined, '67108864'],
    // No memory limit: node allocatable stands in.
    ['limits.memory', '1Gi', '8'],
    ['requests.ephemeral-storage', undefined, '0'],
  ])('%s with divisor %s -> %s', (r, divisor, want) => {
    expect(one(resource(r, divisor))).toBe(want);
  });

  it('reads another container by name and fails for unknown ones', () => {
    expect(one(resource('requests.cpu', '1m', 'app'))).toBe('250');
    expect(() => one(resource('requests.cpu', '1m', 'nope'))).toThrow('container nope not found');
    expect(() => one(resource('requests.gpu'))).toThrow('unsupported container resource : requests.gpu');
  });
});

describe('makeEnvironmentVariables: ConfigMaps and Secrets', () => {
  it('resolves keys, decoding secrets', () => {
    expect(one({ name: 'V', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } })).toBe('fast');
    expect(one({ name: 'V', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } })).toBe('s3cret');
  });

  it.each<[string, EnvVar, string]>([
    ['a missing ConfigMap', { name: 'V', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }, 'configmap "nope" not found'],
    ['a missing ConfigMap key', { name: 'V', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }, "couldn't find key k in ConfigMap default/cfg"],
    ['a missing Secret', { name: 'V', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }, 'secret "nope" not found'],
    ['a missing Secret key', { name: 'V', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }, "couldn't find key k in Secret default/creds"],
  ])('%s fails with upstream words', (_why, v, message) => {
    expect(() => one(v)).toThrow(message);
  });

  it('skips optional references that are missing', () => {
    expect(one({ name: 'V', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } })).toBeUndefined();
    expect(one({ name: 'V', valueFrom: { secretKeyRef: { name: 'creds', key: 'k', optional: true } } })).toBeUndefined();
  });

  it('without an API server every reference fails, optional or not (static pods)', () => {
    const standalone: EnvContext = { podIPs: ['10.88.0.5'] };
    expect(() => one({ name: 'V', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE', optional: true } } }, standalone)).toThrow(
      "couldn't get configMap default/cfg, no kubeClient defined",
    );
    expect(() => one({ name: 'V', valueFrom: { secretKeyRef: { name: 'creds', key: 'p' } } }, standalone)).toThrow(
      "couldn't get secret default/creds, no kubeClient defined",
    );
  });

  it('envFrom: prefixes keys, skips invalid names with a warning, and env overrides it', () => {
    const app = container('app', {
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'creds' } }],
      env: [{ name: 'MODE', value: 'slow' }],
    });
    const r = makeEnvironmentVariables(pod, app, ctx);
    expect(r.env).toEqual([
      { name: 'MODE', value: 'slow' },
      { name: 'S_password', value: 's3cret' },
    ]);
    expect(r.warnings).toEqual([
      'Keys [1NUM, bad key] from the EnvFrom configMap default/cfg were skipped since they are considered invalid environment variable names.',
    ]);
  });
});

describe('makeEnvironmentVariables: $(VAR) expansion in values', () => {
  it('expands references to earlier variables and service variables, leaves unknown ones', () => {
    const app = container('app', {
      env: [
        { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'URL', value: 'http://$(HOST):$(PORT)/$(SVC_HOST)' },
        { name: 'PORT', value: '8080' },
        { name: 'ESCAPED', value: '$$(HOST)' },
        { name: 'EMPTY' },
      ],
    });
    const r = makeEnvironmentVariables(pod, app, { ...ctx, serviceEnv: new Map([['SVC_HOST', '10.96.0.10'], ['PORT', 'svc-port']]) });
    expect(r.env).toEqual([
      { name: 'HOST', value: '10.88.0.5' },
      // PORT is defined after URL: the service variable of that name is used.
      { name: 'URL', value: 'http://10.88.0.5:svc-port/10.96.0.10' },
      { name: 'PORT', value: '8080' },
      { name: 'ESCAPED', value: '$(HOST)' },
      { name: 'EMPTY', value: '' },
      { name: 'SVC_HOST', value: '10.96.0.10' },
    ]);
  });
});
