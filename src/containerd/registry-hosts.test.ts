import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeRegistryHost } from './registry-hosts.js';

describe('writeRegistryHost', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes certs.d/HOST:PORT/hosts.toml pointing at a plain-HTTP server', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-certs-'));
    const path = await writeRegistryHost(dir, '10.0.0.1:5000', { plainHttp: true });
    expect(path).toBe(join(dir, '10.0.0.1:5000', 'hosts.toml'));
    const text = await readFile(path, 'utf8');
    expect(text).toContain('server = "http://10.0.0.1:5000"');
    expect(text).toContain('[host."http://10.0.0.1:5000"]');
  });

  it('uses https when not plain HTTP', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-certs-'));
    const text = await readFile(await writeRegistryHost(dir, 'registry.local:443', { plainHttp: false }), 'utf8');
    expect(text).toContain('server = "https://registry.local:443"');
  });

  it.each(['10.0.0.1', 'http://10.0.0.1:5000', '../x:1', 'a/b:1'])('rejects %s', async (bad) => {
    await expect(writeRegistryHost('/nonexistent', bad, { plainHttp: true })).rejects.toThrow(RangeError);
  });
});
