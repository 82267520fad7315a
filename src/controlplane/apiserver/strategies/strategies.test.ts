import { describe, expect, it } from 'vitest';
import type { KObject } from '../object.js';
import { namespaceFinalizeStrategy, namespaceStrategy, secretStrategy, serviceStrategy, configMapStrategy } from './core.js';
import { genericStatusStrategy, validateMetaUpdate } from './generic.js';

const messages = (errs: { message: string }[]): string[] => errs.map((e) => e.message);

describe('core strategies', () => {
  it('namespaces: label, Active phase, kubernetes finalizer; finalize changes only spec.finalizers', () => {
    const ns: KObject = { metadata: { name: 'team' } };
    namespaceStrategy.defaults(ns);
    namespaceStrategy.prepareForCreate(ns);
    expect(ns).toEqual({ metadata: { name: 'team', labels: { 'kubernetes.io/metadata.name': 'team' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    const next: KObject = { metadata: { name: 'team', labels: { x: 'y' }, resourceVersion: '5' }, spec: { finalizers: [] }, status: { phase: 'Gone' } };
    namespaceFinalizeStrategy.prepareForUpdate(next, ns);
    expect(next).toEqual({ metadata: { name: 'team', labels: { x: 'y' }, resourceVersion: '5' }, spec: { finalizers: [] }, status: { phase: 'Active' } });
    expect(messages(namespaceStrategy.validate({ metadata: { name: 'Team' } }))[0]).toMatch(/^metadata\.name: Invalid value: "Team": a lowercase RFC 1123 label must consist of/);
  });

  it('secrets: stringData merges into data, type defaults to Opaque and is immutable', () => {
    const s: KObject = { metadata: { name: 's', namespace: 'd' }, data: { a: 'eA==' }, stringData: { b: 'hi' } };
    secretStrategy.defaults(s);
    expect(s).toEqual({ metadata: { name: 's', namespace: 'd' }, data: { a: 'eA==', b: 'aGk=' }, type: 'Opaque' });
    const changed = { ...s, type: 'kubernetes.io/tls', metadata: { ...s.metadata, resourceVersion: '2' } };
    expect(messages(secretStrategy.validateUpdate(changed, s))).toEqual([
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
    ]);
  });

  it('config maps: key rules and immutability', () => {
    expect(messages(configMapStrategy.validate({ metadata: { name: 'c', namespace: 'd' }, data: { 'a b': '1' } }))[0]).toMatch(/^data\[a b\]: Invalid value: "a b": a valid config key must consist of/);
    const old: KObject = { metadata: { name: 'c', namespace: 'd', resourceVersion: '1' }, data: { a: '1' }, immutable: true };
    expect(messages(configMapStrategy.validateUpdate({ ...old, data: { a: '2' } }, old))).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
  });

  it('services: defaults and port checks', () => {
    const svc: KObject = { metadata: { name: 's', namespace: 'd' }, spec: { ports: [{ port: 80 }] } };
    serviceStrategy.defaults(svc);
    expect(svc.spec).toEqual({ ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster' });
    expect(messages(serviceStrategy.validate({ metadata: { name: 's', namespace: 'd' }, spec: { type: 'ClusterIP', ports: [{ port: 0, protocol: 'TCP' }] } }))).toEqual([
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    ]);
  });
});

describe('generic rules', () => {
  it('metadata updates keep identity fields immutable and need a resourceVersion', () => {
    const old = { name: 'a', namespace: 'd', uid: 'u1', creationTimestamp: '2025-01-01T00:00:00Z' };
    expect(messages(validateMetaUpdate({ ...old, uid: 'u2' }, old))).toEqual([
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });

  it('status updates take only the status', () => {
    const old: KObject = { metadata: { name: 'n', labels: { a: 'b' } }, spec: { x: 1 }, status: { s: 1 } };
    const next: KObject = { metadata: { name: 'n', resourceVersion: '9' }, spec: { x: 2 }, status: { s: 2 } };
    genericStatusStrategy().prepareForUpdate(next, old);
    expect(next).toEqual({ metadata: { name: 'n', labels: { a: 'b' }, resourceVersion: '9' }, spec: { x: 1 }, status: { s: 2 } });
  });
});
