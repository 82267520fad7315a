import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../meta.js';
import { nameIsDNSLabel, nameIsDNSSubdomain, validateObjectMeta } from './index.js';

const SUBDOMAIN_TAIL =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QNAME_TAIL =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const messages = (meta: ObjectMeta, namespaced = true): string[] =>
  validateObjectMeta(meta, { namespaced, nameFn: nameIsDNSSubdomain }).map((e) => e.message);

describe('validateObjectMeta', () => {
  it.each<[string, ObjectMeta, string[]]>([
    ['valid', { name: 'web', namespace: 'default', labels: { app: 'web' } }, []],
    ['name missing', { namespace: 'default' }, ['metadata.name: Required value: name or generateName is required']],
    ['invalid name', { name: 'Bad_Name', namespace: 'default' }, [`metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_TAIL}`]],
    [
      'invalid generateName and no name',
      { generateName: 'Web-', namespace: 'default' },
      [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_TAIL}`, 'metadata.name: Required value: name or generateName is required'],
    ],
    ['namespace missing', { name: 'web' }, ['metadata.namespace: Required value']],
    ['negative generation', { name: 'web', namespace: 'default', generation: -1 }, ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']],
    [
      'bad label key and value, reported on the map',
      { name: 'web', namespace: 'default', labels: { 'invalid label': 'ok', app: '-x' } },
      [
        `metadata.labels: Invalid value: "invalid label": name part ${QNAME_TAIL}`,
        "metadata.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    ['annotation keys are checked lowercased', { name: 'web', namespace: 'default', annotations: { 'Example.COM/Key': 'v' } }, []],
    [
      'annotations over 256 KiB',
      { name: 'web', namespace: 'default', annotations: { a: 'x'.repeat(256 * 1024) } },
      ['metadata.annotations: Too long: must have at most 262144 bytes'],
    ],
    [
      'owner references',
      { name: 'web', namespace: 'default', ownerReferences: [{ apiVersion: '', kind: 'ReplicaSet', name: '', uid: 'u' }] },
      ['metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty', 'metadata.ownerReferences.name: Invalid value: "": must not be empty'],
    ],
    [
      'finalizers',
      { name: 'web', namespace: 'default', finalizers: ['kubernetes', 'example.com/ok', 'custom', 'orphan', 'foregroundDeletion'] },
      [
        'metadata.finalizers: Invalid value: []string{"kubernetes", "example.com/ok", "custom", "orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
        'metadata.finalizers[2]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
      ],
    ],
  ])('%s', (_name, meta, expected) => {
    expect(messages(meta)).toEqual(expected);
  });

  it('cluster-scoped kinds may not have a namespace', () => {
    expect(messages({ name: 'n1', namespace: 'default' }, false)).toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });

  it('namespaces are DNS labels', () => {
    const errs = validateObjectMeta({ name: 'web', namespace: 'a.b' }, { namespaced: true, nameFn: nameIsDNSLabel });
    expect(errs.map((e) => e.message)).toEqual(['metadata.namespace: Invalid value: "a.b": must not contain dots']);
  });
});
