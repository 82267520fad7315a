import { describe, expect, it } from 'vitest';
import { decodeWithSchema } from './check.js';
import { messageSchema } from './index.js';

describe('schema', () => {
  it("flattens Go's inline structs into their parent's JSON fields", () => {
    const volume = messageSchema('core.v1.Volume');
    expect(volume?.fields.has('emptyDir')).toBe(true);
    expect(volume?.fields.has('volumeSource')).toBe(false);
    expect(volume?.byNumber.get(2)).toMatchObject({ name: 'volumeSource', inline: true });
    expect(messageSchema('core.v1.Probe')?.fields.has('httpGet')).toBe(true);
    expect(messageSchema('core.v1.PersistentVolumeSpec')?.fields.has('hostPath')).toBe(true);
  });

  it('inlines LocalObjectReference: configMap volumes, key refs and envFrom take a name', () => {
    const pod = {
      metadata: { name: 'p' },
      spec: {
        volumes: [{ name: 'c', configMap: { name: 'cm', items: [{ key: 'k', path: 'p' }] } }, { name: 'pr', projected: { sources: [{ configMap: { name: 'cm' } }, { secret: { name: 's' } }] } }],
        containers: [
          {
            name: 'a',
            image: 'b',
            env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }, { name: 'Y', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } }],
            envFrom: [{ configMapRef: { name: 'cm' } }, { secretRef: { name: 's' }, prefix: 'S_' }],
          },
        ],
      },
    };
    expect(decodeWithSchema(pod, 'core.v1.Pod').unknownFields).toEqual([]);
  });

  it('knows the workload kinds: strict decoding finds unknown fields deep in a Deployment', () => {
    const body = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 1, foo: 1, template: { spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'a', image: 'b', bar: 2 }] } } },
    };
    expect(decodeWithSchema(body, 'apps.v1.Deployment').unknownFields).toEqual(['spec.foo', 'spec.template.spec.containers[0].bar']);
    expect(() => decodeWithSchema({ metadata: {}, spec: { replicas: 'x' } }, 'apps.v1.Deployment')).toThrow(
      'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });
});
