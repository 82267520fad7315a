import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupContainerd, containerdLayout } from '../../src/containerd/index.js';
import { createCriClient } from '../../src/cri/index.js';
import { TEST_TMP_BASE } from './helpers/env.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Starts `tskube up` and resolves with its ready line. */
async function startUp(dataDir: string, sandboxImage: string): Promise<{ proc: ResultPromise; line: string }> {
  const proc = execa('node', ['--import', 'tsx', MAIN, 'up', '--data-dir', dataDir], {
    env: { TSKUBE_SANDBOX_IMAGE: sandboxImage, TSKUBE_LOG_LEVEL: 'warn' },
    reject: false,
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    void proc.then((r) => reject(new Error(`tskube up exited ${r.exitCode} before ready: ${String(r.stderr)}`)));
  });
  return { proc, line };
}

describe('tskube up', () => {
  let dataDir = '';
  afterAll(async () => {
    if (!dataDir) return;
    await cleanupContainerd(join(dataDir, 'containerd'));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts containerd, builds its own sandbox image when it cannot be pulled, and stops cleanly', async () => {
    dataDir = await mkdtemp(join(TEST_TMP_BASE, 'tskube-up-'));
    // Port 1 on loopback refuses connections: the configured sandbox image cannot be pulled.
    const image = '127.0.0.1:1/tskube-test/pause:3.10';
    const first = await startUp(dataDir, image);
    expect(first.line).toMatch(/^tskube: container runtime containerd \S+ ready at \S+containerd\.sock \(sandbox image 127\.0\.0\.1:1\/tskube-test\/pause:3\.10: built\)$/);

    const socket = containerdLayout(join(dataDir, 'containerd')).socket;
    const cri = createCriClient({ endpoint: socket, retryWindowMs: 0 });
    try {
      expect(await cri.images.imageStatus({ image })).not.toBeNull();
    } finally {
      cri.close();
    }

    first.proc.kill('SIGTERM');
    const done = await first.proc;
    expect(done.exitCode).toBe(0);
    const after = createCriClient({ endpoint: socket, retryWindowMs: 0, timeoutMs: 2_000 });
    await expect(after.runtime.version()).rejects.toMatchObject({ code: 'Unavailable' });
    after.close();

    // The same data dir again: same containerd state, the image is already there.
    const second = await startUp(dataDir, image);
    expect(second.line).toMatch(/: present\)$/);
    second.proc.kill('SIGINT');
    expect((await second.proc).exitCode).toBe(0);
  });

  it('refuses unknown flags with a usage error', async () => {
    const r = await execa('node', ['--import', 'tsx', MAIN, 'up', '--bogus'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("tskube: Unknown option '--bogus'");
  });
});
