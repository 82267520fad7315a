import { describe, expect, it } from 'vitest';
import { parseStreamRequest } from './server.js';

describe('parseStreamRequest', () => {
  it('reads exec with the kubelet\'s and the API server\'s flag names', () => {
    const q = new URLSearchParams('command=sh&command=-c&command=echo%20hi&input=1&output=1&tty=true');
    expect(parseStreamRequest('/exec/default/web/app', q)).toEqual({ kind: 'exec', namespace: 'default', pod: 'web', container: 'app', cmd: ['sh', '-c', 'echo hi'], stdin: true, stdout: true, stderr: false, tty: true });
    expect(parseStreamRequest('/exec/default/web/app', new URLSearchParams('command=ls&stdout=true&stderr=1'))).toMatchObject({ stdin: false, stdout: true, stderr: true, tty: false });
  });
  it('reads attach and portForward with its ports', () => {
    expect(parseStreamRequest('/attach/ns/p/c', new URLSearchParams('stdout=1'))).toEqual({ kind: 'attach', namespace: 'ns', pod: 'p', container: 'c', stdin: false, stdout: true, stderr: false, tty: false });
    expect(parseStreamRequest('/portForward/ns/p', new URLSearchParams('port=8080&port=x&port=70000&port=53'))).toEqual({ kind: 'portForward', namespace: 'ns', pod: 'p', ports: [8080, 53] });
  });
  it('refuses other shapes', () => {
    expect(parseStreamRequest('/exec/ns/p', new URLSearchParams())).toBeUndefined();
    expect(parseStreamRequest('/portForward/ns/p/c', new URLSearchParams())).toBeUndefined();
    expect(parseStreamRequest('/run/ns/p/c', new URLSearchParams())).toBeUndefined();
  });
});
