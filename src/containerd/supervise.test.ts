import { describe, expect, it } from 'vitest';
import type { DaemonExit } from '../lib/daemon.js';
import type { ContainerdProcess } from './process.js';
import { restartDelay, superviseContainerd } from './supervise.js';

/** A process whose exits and failing starts the test controls. */
function fakeProcess(failStarts: number) {
  let pid = 100;
  let exit!: (e: DaemonExit) => void;
  let exited = new Promise<DaemonExit>((r) => (exit = r));
  const starts: number[] = [];
  const proc: ContainerdProcess = {
    socket: '/x.sock',
    configPath: '/x.toml',
    logPath: '/x.log',
    get pid() {
      return pid;
    },
    stop: () => Promise.resolve(),
    kill9: () => Promise.resolve(),
    async restart() {
      if (failStarts-- > 0) throw new Error('CRI plugin failed');
      pid++;
      starts.push(pid);
      exited = new Promise<DaemonExit>((r) => (exit = r));
    },
    exited: () => exited,
  };
  return { proc, starts, crash: () => exit({ exitCode: undefined, signal: 'SIGKILL' }) };
}

const opts = { initialBackOffMs: 1, maxBackOffMs: 8, resetAfterMs: 60_000 };

describe('containerd supervision', () => {
  it('doubles the back-off per crash in a row up to the max, and resets it after a long run', () => {
    expect(restartDelay(undefined, 0, opts)).toBe(1);
    expect(restartDelay(1, 10, opts)).toBe(2);
    expect(restartDelay(4, 10, opts)).toBe(8);
    expect(restartDelay(8, 10, opts)).toBe(8);
    expect(restartDelay(8, 60_000, opts)).toBe(1);
  });

  it('restarts a crashed containerd, retries failed starts, and stops when aborted', async () => {
    const f = fakeProcess(2);
    const ac = new AbortController();
    const lines: string[] = [];
    const logger = { warn: (o: object, m: string) => lines.push(`${m} ${JSON.stringify(o)}`), error: (o: object, m: string) => lines.push(`${m} ${JSON.stringify(o)}`) };
    const done = superviseContainerd(f.proc, ac.signal, { ...opts, logger: logger as never });
    f.crash();
    await expect.poll(() => f.starts).toEqual([101]);
    f.crash();
    await expect.poll(() => f.starts).toEqual([101, 102]);
    expect(lines.filter((l) => l.startsWith('containerd killed by SIGKILL; restarting it'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('containerd failed to start again'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('containerd restarted'))).toHaveLength(2);
    ac.abort();
    await done;
    f.crash();
    await new Promise((r) => setTimeout(r, 20));
    expect(f.starts).toEqual([101, 102]);
  });
});
