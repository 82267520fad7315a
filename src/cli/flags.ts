import { parseArgs } from 'node:util';

/** One command-line flag with its environment-variable twin and default. */
export interface FlagSpec {
  name: string;
  env: string;
  description: string;
  default?: string;
  type?: 'string' | 'boolean';
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `argv` against the specs. Precedence: flag, then environment variable, then default.
 * Unknown flags and stray positional arguments are usage errors naming the offender.
 */
export function parseFlags(argv: string[], specs: readonly FlagSpec[], env: NodeJS.ProcessEnv = process.env): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(specs.map((s) => [s.name, { type: s.type ?? 'string' }])) as Record<string, { type: 'string' | 'boolean' }>;
  options.help = { type: 'boolean' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const out: Record<string, string | boolean | undefined> = { help: parsed.values.help === true };
  for (const s of specs) {
    const fromFlag = parsed.values[s.name];
    const fromEnv = env[s.env];
    if (fromFlag !== undefined) out[s.name] = fromFlag as string | boolean;
    else if (fromEnv !== undefined && fromEnv !== '') out[s.name] = s.type === 'boolean' ? parseBool(s, fromEnv) : fromEnv;
    else out[s.name] = s.default;
  }
  return out;
}

function parseBool(spec: FlagSpec, value: string): boolean {
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no)$/i.test(value)) return false;
  throw new UsageError(`${spec.env}: invalid value "${value}": must be true or false`);
}

export function formatHelp(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const def = s.default !== undefined ? ` (default ${JSON.stringify(s.default)})` : '';
    return `  --${s.name}${s.type === 'boolean' ? '' : ' VALUE'}\n      ${s.description}${def}; env ${s.env}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nFlags:\n${rows.join('\n')}\n  --help\n      show this help\n`;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go-style duration (`500ms`, `10s`, `1m30s`, `2h`) to ms; `name` labels the error. */
export function parseDuration(name: string, value: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(value)) !== null) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1);
    consumed = re.lastIndex;
  }
  if (value === '' || consumed !== value.length) {
    throw new UsageError(`invalid value "${value}" for --${name}: must be a duration such as 500ms, 10s or 1m30s`);
  }
  return total;
}

/** Parses a TCP port (0 picks a free one). */
export function parsePort(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`invalid value "${value}" for --${name}: must be a port number 0-65535`);
  return n;
}
