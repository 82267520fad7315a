import { describe, expect, it } from 'vitest';
import { isApiError } from '../errors.js';
import { decodeProtobufObject, goDuration } from './index.js';

/** Bodies recorded from `kubectl create namespace|secret|configmap|serviceaccount|service` (v1.32.4). */
const KUBECTL = {
  namespace: '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a0032003800420012001a020a001a002200',
  secret: '6b3873000a0c0a027631120653656372657412200a140a017312001a036e733122002a0032003800420012060a01611201621a001a002200',
  configmap: '6b3873000a0f0a0276311209436f6e6669674d617012250a140a016312001a036e733122002a0032003800420012050a0165120012060a016b1201761a002200',
  serviceaccount: '6b3873000a140a027631120e536572766963654163636f756e74121a0a180a05726f626f7412001a036e733122002a003200380042001a002200',
  service: '6b3873000a0d0a027631120753657276696365126f0a240a047376633112001a036e733122002a003200380042005a0b0a0361707012047376633112430a1b0a0738302d38303830120354435018502207080010903f1a002800120b0a036170701204737663311a002209436c757374657249503a00420052005a00600068001a020a001a002200',
};

const decode = (hex: string, kind: string): Record<string, unknown> => decodeProtobufObject(Buffer.from(hex, 'hex'), kind);

describe('protobuf bodies', () => {
  it('decode what kubectl create sends, as the JSON kubectl would send', () => {
    expect(decode(KUBECTL.namespace, 'Namespace')).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' }, spec: {}, status: {} });
    expect(decode(KUBECTL.secret, 'Secret')).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns1' }, data: { a: 'Yg==' } });
    expect(decode(KUBECTL.configmap, 'ConfigMap')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns1' }, data: { k: 'v', e: '' } });
    expect(decode(KUBECTL.serviceaccount, 'ServiceAccount')).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'ns1' } });
    expect(decode(KUBECTL.service, 'Service')).toMatchObject({
      kind: 'Service',
      metadata: { name: 'svc1', labels: { app: 'svc1' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc1' }, type: 'ClusterIP' },
    });
  });

  it('rejects bodies without the magic (400) and kinds without a schema (415)', () => {
    const status = (fn: () => unknown): number | undefined => {
      try {
        fn();
      } catch (err) {
        return isApiError(err) ? err.code : undefined;
      }
      return undefined;
    };
    expect(status(() => decodeProtobufObject(Buffer.from('{}'), 'Pod'))).toBe(400);
    const unknownKind = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0]), Buffer.from([0x0a, 0x0b, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x05, 0x46, 0x6f, 0x6f, 0x62, 0x61])]);
    expect(status(() => decodeProtobufObject(unknownKind, 'Pod'))).toBe(415);
    expect(status(() => decodeProtobufObject(Buffer.from([0x6b, 0x38, 0x73, 0, 0x0a, 0x50]), 'Pod'))).toBe(400);
  });

  it('formats durations as Go', () => {
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(1.5e9)).toBe('1.5s');
    expect(goDuration(3600e9 + 60e9)).toBe('1h1m0s');
    expect(goDuration(2e6)).toBe('2ms');
  });
});
