/**
 * A broken CNI network config makes RunPodSandbox fail fast with an error naming the CNI problem,
 * rather than hang: what the kubelet turns into a pod event.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../src/cri/index.js';
import { startTestContainerd, type TestContainerd } from './helpers/env.js';

async function netnsNames(): Promise<Set<string>> {
  return new Set(await readdir('/var/run/netns').catch(() => []));
}

/**
 * `cni-*` namespaces born since `sinceMs`, not in `before`, holding no interface but `lo` and no
 * process: what containerd 1.6 leaves when a sandbox's CNI ADD and then its DEL both fail (the
 * path is in neither the error nor the log). Another test's sandbox could only match during the
 * few ms between its netns creation and its CNI ADD.
 */
async function netnsLeakedSince(before: Set<string>, sinceMs: number): Promise<string[]> {
  const inUse = new Set<number>();
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const m = /net:\[(\d+)\]/.exec(await readlink(`/proc/${pid}/ns/net`).catch(() => ''));
    if (m) inUse.add(Number(m[1]));
  }
  const out: string[] = [];
  for (const name of await netnsNames()) {
    if (before.has(name) || !name.startsWith('cni-')) continue;
    const st = await stat(`/var/run/netns/${name}`).catch(() => undefined);
    if (!st || inUse.has(st.ino) || st.mtimeMs < sinceMs - 1000) continue;
    const { stdout } = await execa('ip', ['-n', name, '-j', 'link', 'show']);
    if ((JSON.parse(stdout) as Array<{ ifname: string }>).every((l) => l.ifname === 'lo')) out.push(name);
  }
  return out;
}

describe('a broken CNI network config', () => {
  const hex = randomBytes(3).toString('hex');
  const plugin = `tskube-missing-${hex}`;
  const leaked: string[] = [];
  let env: TestContainerd;
  let cri: CriClient;

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'none' });
    cri = createCriClient({ endpoint: env.socket, timeoutMs: 60_000 });
  });
  afterAll(async () => {
    cri?.close();
    await env?.cleanup();
    for (const ns of leaked) await execa('ip', ['netns', 'del', ns], { reject: false });
  });

  it('fails RunPodSandbox within its deadline, naming the missing plugin', async () => {
    await writeFile(join(env.cniConfDir, '10-broken.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: `broken-${hex}`, plugins: [{ type: plugin }] }));
    for (const until = Date.now() + 20_000; !((await cri.runtime.status({ verbose: true })).info.cniconfig ?? '').includes(plugin); ) {
      if (Date.now() > until) throw new Error('containerd did not load the broken config');
      await new Promise((r) => setTimeout(r, 200));
    }
    const before = await netnsNames();
    const uid = randomUUID();
    const started = Date.now();
    const err = await cri.sandboxes
      .runPodSandbox(
        { metadata: { name: 'broken', namespace: 'default', uid, attempt: 0 }, logDirectory: join(env.dir, 'pods', uid), linux: { cgroupParent: `${env.cgroupParent}/pod${uid}` } },
        { timeoutMs: 30_000 },
      )
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(err).toMatchObject({ code: 'Unknown' });
    expect(String((err as Error).message)).toMatch(
      new RegExp(`^RuntimeService/RunPodSandbox: failed to setup network for sandbox "[0-9a-f]{64}": plugin type="${plugin}" failed \\(add\\): failed to find plugin "${plugin}" in path \\[/usr/lib/cni\\]$`),
    );
    leaked.push(...(await netnsLeakedSince(before, started)));
    expect(leaked).toHaveLength(1);
  });
});
