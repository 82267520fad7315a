import { describeExit, type DaemonExit } from '../lib/daemon.js';
import { realClock, type Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import type { ContainerdProcess } from './process.js';

export interface SuperviseOptions {
  /** First delay before a restart; doubles per crash or failed start in a row. Default 500 ms. */
  initialBackOffMs?: number;
  /** Longest delay. Default 30 s. */
  maxBackOffMs?: number;
  /** A process that ran this long since its start resets the back-off. Default 60 s. */
  resetAfterMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** The delay before the next restart attempt, from the previous one and how long the process ran. Pure. */
export function restartDelay(previousMs: number | undefined, ranMs: number, opts: Required<Pick<SuperviseOptions, 'initialBackOffMs' | 'maxBackOffMs' | 'resetAfterMs'>>): number {
  if (previousMs === undefined || ranMs >= opts.resetAfterMs) return opts.initialBackOffMs;
  return Math.min(previousMs * 2, opts.maxBackOffMs);
}

function nonNegative(v: number | undefined, fallback: number, name: string): number {
  const n = v ?? fallback;
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a non-negative number, got ${n}`);
  return n;
}

/**
 * Keeps `proc` running until `signal` aborts: when containerd exits (a crash, kill -9), it is
 * started again with the same config after a back-off, each exit and restart logged with the exit
 * reason. A start that fails is retried with a longer back-off. Resolves once `signal` aborts and
 * no start-up is in flight; never rejects. Stopping the process is the caller's, after that.
 */
export async function superviseContainerd(proc: ContainerdProcess, signal: AbortSignal, opts: SuperviseOptions = {}): Promise<void> {
  const clock = opts.clock ?? realClock;
  const log = opts.logger ?? silentLogger();
  const backOff = {
    initialBackOffMs: nonNegative(opts.initialBackOffMs, 500, 'initialBackOffMs'),
    maxBackOffMs: nonNegative(opts.maxBackOffMs, 30_000, 'maxBackOffMs'),
    resetAfterMs: nonNegative(opts.resetAfterMs, 60_000, 'resetAfterMs'),
  };
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  let startedAt = clock.now();
  let delay: number | undefined;
  let restarts = 0;
  while (!signal.aborted) {
    const pid = proc.pid;
    const exit: DaemonExit | 'aborted' = await Promise.race([proc.exited(), aborted]);
    if (exit === 'aborted' || signal.aborted) return;
    delay = restartDelay(delay, clock.now() - startedAt, backOff);
    log.warn({ pid, exit: describeExit(exit), restartInMs: delay, logFile: proc.logPath }, `containerd ${describeExit(exit)}; restarting it`);
    // Start again until one start succeeds; each failure waits longer.
    for (;;) {
      if (!(await clock.sleep(delay, signal).then(() => true, () => false))) return;
      startedAt = clock.now();
      try {
        await proc.restart(signal);
        restarts++;
        log.warn({ pid: proc.pid, previousPid: pid, restarts }, 'containerd restarted');
        break;
      } catch (err) {
        if (signal.aborted) return;
        delay = restartDelay(delay, 0, backOff);
        log.error({ err: (err as Error).message, restartInMs: delay }, 'containerd failed to start again; retrying');
      }
    }
  }
}
