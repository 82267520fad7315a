import { describe, expect, it } from 'vitest';
import { expand, expandCommandAndArgs, mappingFor } from './expansion.js';

describe('expand (upstream third_party/forked/golang/expansion)', () => {
  const mapping = mappingFor(new Map([['VAR_A', 'A'], ['VAR_B', 'B'], ['VAR_EMPTY', '']]), new Map([['SVC', 'svc'], ['VAR_A', 'shadowed']]));
  it.each([
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_B)', 'A-B'],
    ['$(VAR_EMPTY)', ''],
    ['$(SVC)', 'svc'],
    ['$(UNDEFINED)', '$(UNDEFINED)'],
    ['$$(VAR_A)', '$(VAR_A)'],
    ['$$$(VAR_A)', '$A'],
    ['$$$$(VAR_A)', '$$(VAR_A)'],
    ['$$', '$'],
    ['$', '$'],
    ['foo$', 'foo$'],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['$()', '$()'],
    ['f000-$$VAR_A', 'f000-$VAR_A'],
    ['$(VAR_A)$(VAR_A)', 'AA'],
    ['héllo $(VAR_B) wörld', 'héllo B wörld'],
  ])('%j -> %j', (input, want) => {
    expect(expand(input, mapping)).toBe(want);
  });

  it('expands command and args against the container env (upstream ExpandContainerCommandAndArgs)', () => {
    expect(
      expandCommandAndArgs(['sh', '-c', 'echo $(GREETING)'], ['$(WHO)', '$$(WHO)', '$(NOPE)'], [
        { name: 'GREETING', value: 'hello' },
        { name: 'WHO', value: 'world' },
      ]),
    ).toEqual({ command: ['sh', '-c', 'echo hello'], args: ['world', '$(WHO)', '$(NOPE)'] });
    expect(expandCommandAndArgs(undefined, undefined, [])).toEqual({ command: [], args: [] });
  });
});
