import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeLeakedNetns } from './netns.js';

describe('removeLeakedNetns', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes old cni-* namespaces no process is in; keeps used, young, kept and foreign ones', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-netns-'));
    const netnsDir = join(dir, 'netns');
    const procDir = join(dir, 'proc');
    mkdirSync(netnsDir);
    mkdirSync(join(procDir, '42', 'ns'), { recursive: true });
    const old = (Date.now() - 120_000) / 1000;
    for (const n of ['cni-leaked', 'cni-used', 'cni-young', 'cni-kept', 'other']) writeFileSync(join(netnsDir, n), '');
    for (const n of ['cni-leaked', 'cni-used', 'cni-kept', 'other']) utimesSync(join(netnsDir, n), old, old);
    // Process 42 is in cni-used's namespace: its ns/net link names that inode.
    symlinkSync(`net:[${statSync(join(netnsDir, 'cni-used')).ino}]`, join(procDir, '42', 'ns', 'net'));
    const unmounted: string[] = [];
    const removed = await removeLeakedNetns({
      netnsDir,
      procDir,
      keep: new Set(['cni-kept']),
      exec: async (_cmd, args) => {
        unmounted.push(args[1] ?? '');
        return { stdout: '', stderr: '' };
      },
    });
    expect(removed).toEqual(['cni-leaked']);
    expect(unmounted).toEqual([join(netnsDir, 'cni-leaked')]);
    expect((await import('node:fs')).readdirSync(netnsDir).sort()).toEqual(['cni-kept', 'cni-used', 'cni-young', 'other']);
  });
});
