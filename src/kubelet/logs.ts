/**
 * Reading container logs in the CRI format (`<RFC3339Nano> <stdout|stderr> <P|F> <text>`), as the
 * kubelet's /containerLogs does for `kubectl logs`: partial lines joined, optional timestamps,
 * tailLines, sinceTime, limitBytes, and follow (across a rotation of the live file).
 */
import { open, stat } from 'node:fs/promises';

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  /** Only lines at or after this time (epoch ms). */
  sinceMs?: number;
  limitBytes?: number;
  /** Poll period while following. Default 200 ms. */
  pollMs?: number;
}

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Parses CRI log text into whole lines (P parts joined to their F); `rest` is an unfinished line. */
export function parseCriLog(text: string): { lines: LogLine[]; rest: string } {
  const lines: LogLine[] = [];
  let partial = '';
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    const raw = text.slice(start, nl);
    start = nl + 1;
    const m = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s.exec(raw);
    if (!m) continue;
    if (m[3] === 'P') {
      partial += m[4];
      continue;
    }
    lines.push({ time: m[1] ?? '', stream: m[2] as 'stdout' | 'stderr', text: partial + (m[4] ?? '') });
    partial = '';
  }
  return { lines, rest: text.slice(start) };
}

function render(lines: LogLine[], opts: LogOptions): string {
  return lines
    .filter((l) => opts.sinceMs === undefined || Date.parse(l.time) >= opts.sinceMs)
    .map((l) => (opts.timestamps ? `${l.time} ${l.text}\n` : `${l.text}\n`))
    .join('');
}

/**
 * Writes the log at `path` to `write`, then (with `follow`) new lines as they come, until `signal`
 * aborts. A rotated live file (renamed away, a new one created) is followed into the new file.
 */
export async function streamContainerLog(path: string, opts: LogOptions, write: (chunk: string) => void, signal: AbortSignal): Promise<void> {
  let budget = opts.limitBytes ?? Infinity;
  const emit = (s: string): boolean => {
    if (!s) return true;
    const out = budget < Buffer.byteLength(s) ? Buffer.from(s).subarray(0, budget).toString() : s;
    write(out);
    budget -= Buffer.byteLength(out);
    return budget > 0;
  };
  let fh = await open(path, 'r');
  try {
    let ino = (await fh.stat()).ino;
    const first = await fh.readFile('utf8');
    let offset = Buffer.byteLength(first);
    let { lines, rest } = parseCriLog(first);
    if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
    if (!emit(render(lines, opts)) || !opts.follow) return;
    const buf = Buffer.alloc(64 * 1024);
    while (!signal.aborted) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead > 0) {
        offset += bytesRead;
        const parsed = parseCriLog(rest + buf.subarray(0, bytesRead).toString('utf8'));
        rest = parsed.rest;
        if (!emit(render(parsed.lines, opts))) return;
        continue;
      }
      // Nothing new: has the live file been rotated away?
      const now = await stat(path).catch(() => null);
      if (now && now.ino !== ino) {
        await fh.close();
        fh = await open(path, 'r');
        ino = now.ino;
        offset = 0;
        continue;
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  } finally {
    await fh.close();
  }
}
