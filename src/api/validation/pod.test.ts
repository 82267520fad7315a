import { describe, expect, it } from 'vitest';
import type { Pod } from '../pod.js';
import { setPodDefaults } from '../defaults.js';
import { app, check, fullPod, LABEL_TAIL, SUBDOMAIN_TAIL } from './fixtures.js';
import { validatePod } from './index.js';

describe('validatePod', () => {
  it('accepts a defaulted pod using most features', () => {
    expect(check(() => undefined)).toEqual([]);
  });

  it.each<[string, (p: Pod) => void, string[]]>([
    ['no containers', (p) => (p.spec.containers = []), ['spec.containers: Required value']],
    ['restart policy', (p) => (p.spec.restartPolicy = 'Sometimes' as never), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    ['DNS policy', (p) => (p.spec.dnsPolicy = 'Cluster' as never), ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']],
    ['dnsPolicy None needs dnsConfig', (p) => (p.spec.dnsPolicy = 'None'), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
    [
      'volumes',
      (p) =>
        (p.spec.volumes = [
          { name: 'data', emptyDir: {} },
          { name: 'data', emptyDir: {} },
          { name: 'none' },
          { name: 'two', emptyDir: {}, hostPath: { path: '/tmp' } },
          { name: 'Bad_Vol', hostPath: { path: '' } },
          { name: 'cm', configMap: { items: [{ key: 'a', path: '../a' }] } },
          { name: 'conf', secret: { defaultMode: 0o1777 } },
        ]),
      [
        'spec.volumes[1].name: Duplicate value: "data"',
        'spec.volumes[2]: Required value: must specify a volume type',
        'spec.volumes[3].hostPath: Forbidden: may not specify more than 1 volume type',
        'spec.volumes[4].hostPath.path: Required value',
        `spec.volumes[4].name: Invalid value: "Bad_Vol": ${LABEL_TAIL}`,
        'spec.volumes[5].configMap.name: Required value',
        "spec.volumes[5].configMap.items[0].path: Invalid value: \"../a\": must not contain '..'",
        'spec.volumes[6].secret.secretName: Required value',
        'spec.volumes[6].secret.defaultMode: Invalid value: 1023: must be a number between 0 and 0777 (octal), both inclusive',
        'spec.containers[0].volumeMounts[1].name: Not found: "conf"',
      ],
    ],
    ['active deadline', (p) => (p.spec.activeDeadlineSeconds = 0), ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']],
    [
      'security contexts',
      (p) => {
        app(p).securityContext = { runAsUser: -1, procMount: 'Unmasked', seccompProfile: { type: 'Localhost' } };
        p.spec.securityContext = { fsGroup: -5, sysctls: [{ name: 'net.core.somaxconn', value: '1' }, { name: 'net.core.somaxconn', value: '2' }] };
        p.spec.shareProcessNamespace = true;
        p.spec.hostPID = true;
      },
      [
        'spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive',
        'spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`',
        'spec.containers[0].securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost',
        'spec.securityContext.fsGroup: Invalid value: -5: must be between 0 and 2147483647, inclusive',
        'spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled',
        'spec.securityContext.sysctls[1].name: Duplicate value: "net.core.somaxconn"',
      ],
    ],
    [
      'tolerations',
      (p) =>
        (p.spec.tolerations = [
          { key: 'a', operator: 'Exists', value: 'x' },
          { operator: 'Equal', value: 'x' },
          { key: 'b', operator: 'Equal', value: 'v', effect: 'NoSchedule', tolerationSeconds: 5 },
          { key: 'c', operator: 'In' as never, effect: 'Never' as never },
        ]),
      [
        "spec.tolerations[0].operator: Invalid value: \"x\": value must be empty when `operator` is 'Exists'",
        'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
        "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        'spec.tolerations[3].operator: Unsupported value: "In": supported values: "Equal", "Exists"',
        'spec.tolerations[3].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    ],
    [
      'names in the spec',
      (p) => {
        p.spec.nodeName = 'Node_1';
        p.spec.serviceAccountName = 'SA';
        p.spec.hostname = 'web.0';
      },
      [
        `spec.serviceAccountName: Invalid value: "SA": ${SUBDOMAIN_TAIL}`,
        `spec.nodeName: Invalid value: "Node_1": ${SUBDOMAIN_TAIL}`,
        'spec.hostname: Invalid value: "web.0": must not contain dots',
      ],
    ],
    [
      'pod-specific annotations',
      (p) => {
        p.metadata.annotations = { 'kubernetes.io/config.mirror': 'x', 'controller.kubernetes.io/pod-deletion-cost': '+10' };
        delete p.spec.nodeName;
      },
      [
        'metadata.annotations[kubernetes.io/config.mirror]: Invalid value: "x": must set spec.nodeName if mirror pod annotation is set',
        'metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: "+10": must be a 32bit integer',
      ],
    ],
    ['ephemeral containers on create', (p) => (p.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }]), [
      'spec.ephemeralContainers: Forbidden: cannot be set on create',
    ]],
  ])('%s', (_name, mutate, expected) => {
    expect(check(mutate)).toEqual(expected);
  });

  it('reports what defaulting would fill as Required, as upstream on undefaulted input', () => {
    const p: Pod = { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } };
    expect(validatePod(p).map((e) => e.message)).toEqual([
      'spec.terminationGracePeriodSeconds: Required value',
      'spec.containers[0].terminationMessagePolicy: Required value',
      'spec.containers[0].imagePullPolicy: Required value',
      'spec.restartPolicy: Required value',
      'spec.dnsPolicy: Required value',
    ]);
  });

  it('env var names: relaxed by default (1.32 API server), strict on request (kubelet static pods)', () => {
    const mutate = (p: Pod): void => void (app(p).env = [{ name: '1X', value: 'a' }]);
    expect(check(mutate)).toEqual([]);
    expect(check(mutate, { relaxedEnvVarNames: false })).toEqual([
      "spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
    ]);
  });

  it('privileged containers can be refused by policy', () => {
    const mutate = (p: Pod): void => void (app(p).securityContext = { privileged: true });
    expect(check(mutate)).toEqual([]);
    expect(check(mutate, { allowPrivileged: false })).toEqual(['spec.containers[0].securityContext.privileged: Forbidden: disallowed by cluster policy']);
  });

  it('lists errors in upstream order: metadata, then spec', () => {
    const p = setPodDefaults(fullPod());
    p.metadata.name = 'Bad_Name';
    p.spec.containers.push({ name: 'app', image: '', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' });
    p.spec.restartPolicy = 'Sometimes' as never;
    expect(validatePod(p).map((e) => e.field)).toEqual(['metadata.name', 'spec.containers[1].image', 'spec.containers[1].name', 'spec.restartPolicy']);
  });
});
