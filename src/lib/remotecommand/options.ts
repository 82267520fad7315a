import type { RemoteCommandOptions } from './spdy-command.js';

/** Query flags are booleans as Go's strconv.ParseBool reads them (kubectl sends `true`, kubelet URLs `1`). */
function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

/** Bad exec/attach/port-forward parameters; `field` names the offending query parameter. */
export class StreamOptionsError extends Error {
  readonly code = 'BadRequest';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/**
 * The stream flags of an exec/attach request (`stdin`, `stdout`, `stderr`, `tty` query
 * parameters). As kubelet does, a TTY drops stderr (the terminal merges it into stdout), and at
 * least one of stdin, stdout, stderr is required. Throws StreamOptionsError.
 */
export function parseStreamOptions(url: string): Required<RemoteCommandOptions> {
  const q = new URL(url, 'http://localhost').searchParams;
  const tty = flag(q, 'tty');
  const opts = { stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr') && !tty, tty };
  if (!opts.stdin && !opts.stdout && !opts.stderr) {
    throw new StreamOptionsError('you must specify at least 1 of stdin, stdout, stderr', 'stdin');
  }
  return opts;
}

/**
 * The `ports` of a port-forward request (repeated or comma separated), each 1..65535. The
 * WebSocket tunnel and SPDY clients send ports in stream headers instead, so none is fine.
 */
export function parsePorts(url: string): number[] {
  const q = new URL(url, 'http://localhost').searchParams;
  const ports: number[] = [];
  for (const raw of q.getAll('ports').flatMap((v) => v.split(','))) {
    const s = raw.trim();
    const n = Number(s);
    if (s === '' || !Number.isInteger(n) || n < 1 || n > 65535) {
      throw new StreamOptionsError(`invalid port ${JSON.stringify(raw)}: ports must be integers in 1..65535`, 'ports');
    }
    ports.push(n);
  }
  return ports;
}
