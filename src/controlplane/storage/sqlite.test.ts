import { execa } from 'execa';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openWatch } from './contract-helpers.js';
import { runBackendContract } from './contract.js';
import { isCompacted } from './errors.js';
import { openSqliteBackend, type SqliteBackend, type SqliteBackendOptions } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-sqlite-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = (): string => join(dir, `store-${++files}.db`);
const open = (opts: Partial<SqliteBackendOptions> = {}): SqliteBackend =>
  openSqliteBackend({ path: newPath(), ttlSweepIntervalMs: 100, ...opts });

runBackendContract('sqlite', () => open());

const fileBytes = (path: string): number =>
  ['', '-wal'].reduce((sum, suffix) => sum + (statSync(path + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);

describe('sqlite backend', () => {
  it('a restart loses no acknowledged write and continues the revisions', async () => {
    const path = newPath();
    let b = openSqliteBackend({ path });
    const expected = new Map<string, string>();
    let last = 0;
    for (let i = 0; i < 200; i++) {
      const key = `/registry/pods/ns/p${i}`;
      last = (await b.create(key, `v${i}`)).revision;
      expected.set(key, `v${i}`);
    }
    const listed = await b.list('/registry/pods/');
    for (let i = 0; i < 200; i += 3) {
      const key = `/registry/pods/ns/p${i}`;
      const kv = (await b.get(key)).kv;
      last = (await b.update(key, `u${i}`, { expectedModRevision: kv?.modRevision ?? 0 })).revision;
      expected.set(key, `u${i}`);
    }
    for (let i = 1; i < 200; i += 7) {
      last = (await b.delete(`/registry/pods/ns/p${i}`)).revision;
      expected.delete(`/registry/pods/ns/p${i}`);
    }
    await b.close();

    b = openSqliteBackend({ path });
    try {
      expect(await b.currentRevision()).toBe(last);
      const after = await b.list('/registry/pods/');
      expect(new Map(after.kvs.map((kv) => [kv.key, kv.value]))).toEqual(expected);
      // History survives too: the pre-restart list revision can still be read and watched from.
      expect((await b.list('/registry/pods/', { revision: listed.revision })).kvs).toEqual(listed.kvs);
      const w = openWatch(b, '/registry/pods/', listed.revision);
      const events = await w.take(67 + 29);
      await w.stop();
      expect(events[events.length - 1]?.revision).toBe(last);
      expect((await b.create('/registry/pods/ns/new', 'x')).revision).toBe(last + 1);
    } finally {
      await b.close();
    }
  });

  it('a write acknowledged before the process is killed (SIGKILL) is there after reopening', async () => {
    const path = newPath();
    const module = fileURLToPath(new URL('./sqlite.ts', import.meta.url));
    // The child creates keys as fast as it can and prints each acknowledged revision.
    const child = execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      import { openSqliteBackend } from ${JSON.stringify(module)};
      const b = openSqliteBackend({ path: ${JSON.stringify(path)} });
      for (let i = 0; ; i++) {
        const { revision } = await b.create('/registry/pods/ns/p' + i, 'v' + i);
        process.stdout.write(revision + '\\n');
      }`], { reject: false, buffer: { stdout: false } });
    let acked = 0;
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        const lines = chunk.toString().trim().split('\n');
        acked = Number(lines[lines.length - 1]);
        if (acked > 500) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await child;
    const b = openSqliteBackend({ path });
    try {
      expect(await b.currentRevision()).toBeGreaterThanOrEqual(acked);
      expect((await b.get(`/registry/pods/ns/p${acked - 2}`)).kv?.value).toBe(`v${acked - 2}`);
      expect((await b.list('/registry/pods/')).kvs.length).toBe((await b.currentRevision()) - 1);
    } finally {
      await b.close();
    }
  });

  it('periodic compaction keeps the file bounded under churn: one key updated 20,000 times', async () => {
    const b = open({ compaction: { intervalMs: 10, retainRevisions: 1000 } });
    try {
      const value = JSON.stringify({ status: 'x'.repeat(1000) });
      let rev = (await b.create('/registry/leases/kube-node-lease/node-1', value)).revision;
      let maxRows = 0;
      for (let i = 1; i <= 20_000; i++) {
        rev = (await b.update('/registry/leases/kube-node-lease/node-1', value, { expectedModRevision: rev })).revision;
        // A real server serves requests between writes; let the compaction timer in.
        if (i % 100 === 0) await yieldToLoop();
        if (i % 1000 === 0) maxRows = Math.max(maxRows, b.logRows());
      }
      // Without compaction: 20,001 rows of ~2 KB (value + previous value), ~40 MB.
      expect(maxRows).toBeLessThan(5000);
      expect(fileBytes(b.path)).toBeLessThan(16 * 1024 * 1024);
      await b.compact(rev);
      expect(b.logRows()).toBe(1);
      expect((await b.get('/registry/leases/kube-node-lease/node-1')).kv?.modRevision).toBe(rev);
    } finally {
      await b.close();
    }
    // 20,000 synchronous writes take ~3 s on a quiet machine; more while other suites run.
  }, 60_000);

  it('compaction removes deleted keys entirely', async () => {
    const b = open();
    try {
      for (let i = 0; i < 100; i++) await b.create(`/registry/pods/ns/p${i}`, 'v');
      for (let i = 0; i < 100; i++) await b.delete(`/registry/pods/ns/p${i}`);
      await b.create('/registry/pods/ns/keep', 'v');
      await b.compact(await b.currentRevision());
      expect(b.logRows()).toBe(1);
      expect((await b.list('/registry/pods/')).kvs.map((kv) => kv.key)).toEqual(['/registry/pods/ns/keep']);
    } finally {
      await b.close();
    }
  });

  it('a watch that falls behind the compaction point ends with Compacted instead of skipping events', async () => {
    const b = open();
    try {
      const from = await b.currentRevision();
      const w = openWatch(b, '/registry/pods/', from);
      await b.create('/registry/pods/ns/first', 'v');
      expect((await w.take(1))[0]?.type).toBe('put');
      for (let i = 0; i < 300; i++) await b.create(`/registry/pods/ns/p${i}`, 'v');
      await b.compact(await b.currentRevision());
      expect(isCompacted(await w.error())).toBe(true);
      await w.stop();
    } finally {
      await b.close();
    }
  });

  it('an idle watch is not overtaken by compaction driven by other keys', async () => {
    const b = open();
    try {
      const w = openWatch(b, '/registry/pods/', await b.currentRevision());
      await b.create('/registry/pods/ns/a', 'a');
      await w.take(1);
      for (let i = 0; i < 50; i++) await b.create(`/registry/configmaps/ns/c${i}`, 'v');
      await b.compact(await b.currentRevision());
      await b.create('/registry/pods/ns/b', 'b');
      expect((await w.take(1))[0]).toMatchObject({ type: 'put', kv: { key: '/registry/pods/ns/b' } });
      await w.stop();
    } finally {
      await b.close();
    }
  });

  it('one process owns the file: a second opener fails while the first has it open', async () => {
    const path = newPath();
    const b = openSqliteBackend({ path });
    try {
      await b.create('/registry/pods/ns/a', 'a');
      expect(() => openSqliteBackend({ path, busyTimeoutMs: 50 })).toThrow(/locked/);
    } finally {
      await b.close();
    }
    const again = openSqliteBackend({ path });
    expect((await again.get('/registry/pods/ns/a')).kv?.value).toBe('a');
    await again.close();
  });
});
