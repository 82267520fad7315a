import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { resolveContainer } from './log.js';

const pod = (containers: string[], init: string[] = []) => ({ metadata: { name: 'web' }, spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) } });

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return `${err.status.code} ${err.status.message}`;
    throw err;
  }
  return 'no error';
}

describe('resolveContainer', () => {
  it('defaults to the only container and accepts any named one', () => {
    expect(resolveContainer(pod(['app']), '', { withInitList: true })).toBe('app');
    expect(resolveContainer(pod(['a', 'b'], ['init']), 'init', { withInitList: true })).toBe('init');
  });
  it('words the errors as upstream (logs list init containers apart, exec lists all)', () => {
    expect(message(() => resolveContainer(pod(['a', 'b'], ['init']), '', { withInitList: true }))).toBe('400 a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [init]');
    expect(message(() => resolveContainer(pod(['a', 'b'], ['init']), '', { withInitList: false }))).toBe('400 a container name must be specified for pod web, choose one of: [a b init]');
    expect(message(() => resolveContainer(pod(['a']), 'nope', { withInitList: true }))).toBe('400 container nope is not valid for pod web');
  });
});
