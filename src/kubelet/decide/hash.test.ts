import { describe, expect, it } from 'vitest';
import type { Container } from '../../api/index.js';
import { fnv1a32, hashContainer } from './hash.js';

const base: Container = {
  name: 'app',
  image: 'busybox:1.36',
  command: ['sh', '-c', 'sleep 3600'],
  env: [{ name: 'A', value: '1' }],
  resources: { requests: { cpu: '100m' }, limits: { cpu: '200m', memory: '64Mi' } },
};

describe('fnv1a32', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('%j -> %i (the reference FNV-1a test vectors)', (input, want) => {
    expect(fnv1a32(input)).toBe(want);
  });
});

describe('hashContainer', () => {
  const h = hashContainer(base);

  it('is lowercase hex without leading zeros, like strconv.FormatUint(h, 16)', () => {
    expect(h).toMatch(/^[1-9a-f][0-9a-f]{0,7}$/);
  });

  const same: Array<[string, Container]> = [
    ['key order does not matter', { resources: base.resources, env: base.env, command: base.command, image: 'busybox:1.36', name: 'app' }],
    ['resources may change in place', { ...base, resources: { limits: { cpu: '2', memory: '1Gi' } } }],
    ['resizePolicy may change in place', { ...base, resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] }],
    ['an empty list equals an absent one', { ...base, args: [] }],
    ['an empty object equals an absent one', { ...base, securityContext: {} }],
    ['undefined equals absent', { ...base, workingDir: undefined }],
  ];
  it.each(same)('unchanged when %s', (_why, c) => {
    expect(hashContainer(c)).toBe(h);
  });

  const changed: Array<[string, Container]> = [
    ['the image changes', { ...base, image: 'busybox:1.37' }],
    ['the command changes', { ...base, command: ['sh', '-c', 'sleep 1'] }],
    ['an env value changes', { ...base, env: [{ name: 'A', value: '2' }] }],
    ['a probe is added', { ...base, livenessProbe: { exec: { command: ['true'] } } }],
    ['the security context changes', { ...base, securityContext: { runAsUser: 1000 } }],
    ['the name changes', { ...base, name: 'other' }],
  ];
  it.each(changed)('changes when %s', (_why, c) => {
    expect(hashContainer(c)).not.toBe(h);
  });
});
