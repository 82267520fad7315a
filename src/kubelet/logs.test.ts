import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCriLog, streamContainerLog } from './logs.js';

const T1 = '2026-11-21T22:24:50.814382713Z';
const T2 = '2026-11-21T22:25:50.000000001Z';

describe('parseCriLog', () => {
  it('joins partial lines, keeps streams, and leaves an unfinished line as rest', () => {
    const text = `${T1} stdout F hello\n${T1} stderr P part-\n${T1} stderr F one\ngarbage\n${T2} stdout F bye\n${T2} stdout F unfini`;
    expect(parseCriLog(text)).toEqual({
      lines: [
        { time: T1, stream: 'stdout', text: 'hello' },
        { time: T1, stream: 'stderr', text: 'part-one' },
        { time: T2, stream: 'stdout', text: 'bye' },
      ],
      rest: `${T2} stdout F unfini`,
    });
  });
});

describe('streamContainerLog', () => {
  let dir = '';
  let path = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-logs-'));
    path = join(dir, '0.log');
    writeFileSync(path, `${T1} stdout F a\n${T1} stdout F b\n${T2} stdout F c\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = async (opts: Parameters<typeof streamContainerLog>[1]): Promise<string> => {
    let out = '';
    await streamContainerLog(path, opts, (s) => (out += s), new AbortController().signal);
    return out;
  };

  it.each([
    [{}, 'a\nb\nc\n'],
    [{ tailLines: 2 }, 'b\nc\n'],
    [{ tailLines: 0 }, ''],
    [{ timestamps: true, tailLines: 1 }, `${T2} c\n`],
    [{ sinceMs: Date.parse('2026-11-21T22:25:00Z') }, 'c\n'],
    [{ limitBytes: 3 }, 'a\nb'],
  ])('%j -> %j', async (opts, want) => {
    expect(await read(opts)).toBe(want);
  });

  it('follows new lines and a rotation of the live file until aborted', async () => {
    const ac = new AbortController();
    let out = '';
    const following = streamContainerLog(path, { follow: true, pollMs: 10 }, (s) => (out += s), ac.signal);
    const until = async (text: string): Promise<void> => {
      for (let i = 0; i < 200 && !out.endsWith(text); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until('c\n');
    appendFileSync(path, `${T2} stdout P d1`);
    appendFileSync(path, `\n${T2} stdout F d2\n`);
    await until('d1d2\n');
    renameSync(path, `${path}.20261121-222600`);
    writeFileSync(path, `${T2} stdout F e\n`);
    await until('e\n');
    ac.abort();
    await following;
    expect(out).toBe('a\nb\nc\nd1d2\ne\n');
  });
});
