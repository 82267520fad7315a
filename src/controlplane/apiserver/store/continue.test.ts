import { describe, expect, it } from 'vitest';
import { decodeContinue, encodeContinue } from './continue.js';

describe('continue tokens', () => {
  it('round-trip the next key and revision in upstream encoding', () => {
    const token = encodeContinue('/registry/pods/default/web\u0000', '/registry/pods/', 42);
    expect(JSON.parse(Buffer.from(token, 'base64url').toString())).toEqual({ v: 'meta.k8s.io/v1', rv: 42, start: 'default/web\u0000' });
    expect(decodeContinue(token, '/registry/pods/')).toEqual({ startKey: '/registry/pods/default/web\u0000', revision: 42 });
  });

  it('reads rv -1 as the latest revision', () => {
    expect(decodeContinue(encodeContinue('/p/a', '/p/', -1), '/p/').revision).toBe(0);
  });

  it.each([
    [Buffer.from('{"v":"x","rv":1,"start":"a"}').toString('base64url'), 'continue key is not valid: server does not recognize this encoded version x'],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').toString('base64url'), 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":3,"start":""}').toString('base64url'), 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)'],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":3,"start":"../secrets/x"}').toString('base64url'), 'continue key is not valid: ../secrets/x'],
  ])('rejects %s', (token, message) => {
    expect(() => decodeContinue(token, '/registry/pods/')).toThrow(message);
  });
});
