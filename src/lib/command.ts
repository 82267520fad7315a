import { execa } from 'execa';

export interface RunCommandOptions {
  /** Cancels the command (SIGTERM, then SIGKILL after 5 s). */
  signal?: AbortSignal;
  cwd?: string;
  /** Extra environment variables, merged over the current environment. */
  env?: Record<string, string>;
  /** Written to the command's stdin. */
  input?: string;
  /** Kills the command after this many milliseconds; no limit by default. */
  timeoutMs?: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Why a command failed: it could not start, exited non-zero or by a signal, timed out, or was cancelled. */
export type CommandErrorCode = 'NotFound' | 'Failed' | 'TimedOut' | 'Aborted';

/** A failed external command; `message` names the command and quotes the tail of its stderr. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly code: CommandErrorCode;
  /** The command line, for messages. */
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly stdout: string;

  constructor(
    code: CommandErrorCode,
    command: string,
    detail: { exitCode?: number; stderr: string; stdout: string; reason: string },
    options?: { cause?: unknown },
  ) {
    const tail = lastChars(detail.stderr.trim() || detail.stdout.trim(), 2000);
    super(`${command}: ${detail.reason}${tail ? `: ${tail}` : ''}`, options);
    this.code = code;
    this.command = command;
    this.exitCode = detail.exitCode;
    this.stderr = detail.stderr;
    this.stdout = detail.stdout;
  }
}

function lastChars(text: string, max: number): string {
  return text.length <= max ? text : `...${text.slice(text.length - max)}`;
}

/**
 * Runs `file args...` to completion and returns its output; throws a CommandError when it cannot
 * start or does not exit 0. Output is buffered, so use it for short commands only.
 */
export async function runCommand(file: string, args: readonly string[], opts: RunCommandOptions = {}): Promise<CommandResult> {
  const command = [file, ...args].join(' ');
  const result = await execa(file, args, {
    reject: false,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    ...(opts.input === undefined ? {} : { input: opts.input }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    ...(opts.env === undefined ? {} : { env: opts.env }),
    ...(opts.signal === undefined ? {} : { cancelSignal: opts.signal }),
    ...(opts.timeoutMs === undefined ? {} : { timeout: opts.timeoutMs }),
    stripFinalNewline: true,
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (!result.failed) return { stdout, stderr };

  const base = { stderr, stdout, ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }) };
  if (result.isCanceled) {
    throw new CommandError('Aborted', command, { ...base, reason: 'cancelled' }, { cause: opts.signal?.reason });
  }
  if (result.timedOut) {
    throw new CommandError('TimedOut', command, { ...base, reason: `timed out after ${opts.timeoutMs} ms` }, { cause: result });
  }
  const errno = (result.cause as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'ENOENT' && result.exitCode === undefined) {
    throw new CommandError('NotFound', command, { ...base, reason: `${file} not found (is it installed? see hack/install-deps.sh)` });
  }
  const reason =
    result.exitCode !== undefined
      ? `exited with code ${result.exitCode}`
      : `killed by ${result.signal ?? 'unknown signal'}`;
  throw new CommandError('Failed', command, { ...base, reason }, { cause: result.cause });
}
