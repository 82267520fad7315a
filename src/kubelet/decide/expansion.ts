/**
 * `$(VAR)` expansion as upstream (third_party/forked/golang/expansion, `ExpandContainerCommandAndArgs`):
 * `$(NAME)` becomes the variable's value when NAME is defined and stays as written when not; `$$`
 * is an escaped `$`; a `$` before anything else, or an unclosed `$(`, is kept literally.
 */

export type Mapping = (name: string) => string;

/** Looks a name up in the maps in order; an undefined name expands to itself, `$(NAME)`. */
export function mappingFor(...contexts: ReadonlyArray<ReadonlyMap<string, string>>): Mapping {
  return (name) => {
    for (const vars of contexts) {
      const v = vars.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') {
      out += '$';
    } else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close >= 0) {
        out += mapping(input.slice(cursor + 2, close));
        advance = close - cursor;
      } else {
        out += '$(';
      }
    } else {
      out += `$${next ?? ''}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** Upstream `ExpandContainerCommandAndArgs`: expands command and args against the container's env. */
export function expandCommandAndArgs(
  command: readonly string[] | undefined,
  args: readonly string[] | undefined,
  env: ReadonlyArray<{ name: string; value: string }>,
): { command: string[]; args: string[] } {
  const mapping = mappingFor(new Map(env.map((e) => [e.name, e.value])));
  return { command: (command ?? []).map((c) => expand(c, mapping)), args: (args ?? []).map((a) => expand(a, mapping)) };
}
