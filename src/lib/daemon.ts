import { open, readFile } from 'node:fs/promises';
import { execa } from 'execa';

export interface DaemonExit {
  exitCode: number | undefined;
  signal: string | undefined;
}

/** A long-running child process whose stdout and stderr are appended to a log file. */
export interface Daemon {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves (never rejects) when the process has exited. */
  readonly exited: Promise<DaemonExit>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Idempotent. */
  stop(graceMs: number): Promise<DaemonExit>;
  /** SIGKILL; resolves once the process is gone. */
  kill9(): Promise<DaemonExit>;
}

export interface SpawnDaemonOptions {
  logFile: string;
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Starts `file args...` detached from our stdio. The child is killed if this Node process exits
 * (execa `cleanup`), so a crashed test run does not leave daemons behind.
 */
export async function spawnDaemon(file: string, args: readonly string[], opts: SpawnDaemonOptions): Promise<Daemon> {
  // Touch the log first so tailFile always has a file to read.
  await (await open(opts.logFile, 'a')).close();
  const sub = execa(file, args, {
    stdin: 'ignore',
    stdout: { file: opts.logFile, append: true },
    stderr: { file: opts.logFile, append: true },
    reject: false,
    cleanup: true,
    forceKillAfterDelay: false,
    ...(opts.env === undefined ? {} : { env: opts.env }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  let done = false;
  const exited: Promise<DaemonExit> = sub.then(
    (r) => {
      done = true;
      return { exitCode: r.exitCode, signal: r.signal };
    },
    () => {
      done = true;
      return { exitCode: undefined, signal: undefined };
    },
  );
  if (sub.pid === undefined) {
    const result = await sub;
    throw new Error(`cannot start ${file}: ${result.message}`, { cause: result.cause });
  }
  const pid = sub.pid;

  const kill9 = async (): Promise<DaemonExit> => {
    if (!done) sub.kill('SIGKILL');
    return exited;
  };
  return {
    pid,
    logFile: opts.logFile,
    exited,
    hasExited: () => done,
    kill9,
    async stop(graceMs: number) {
      if (done) return exited;
      sub.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      try {
        const first = await Promise.race([exited, timeout]);
        return first === 'timeout' ? await kill9() : first;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The last `lines` lines of a text file, or '' when it cannot be read. */
export async function tailFile(path: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Describes how a process ended, for error messages. */
export function describeExit(exit: DaemonExit): string {
  if (exit.signal !== undefined) return `killed by ${exit.signal}`;
  return exit.exitCode === undefined ? 'could not be started' : `exited with code ${exit.exitCode}`;
}

export { sleep } from './clock.js';
