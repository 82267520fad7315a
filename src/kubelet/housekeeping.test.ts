import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeRuntime } from '../cri/index.js';
import { silentLogger } from '../lib/logger.js';
import { collectPodGarbage, logDirUid, removeOrphanedResources, rotateContainerLog } from './housekeeping.js';
import { listRuntimePods } from './runtime-view.js';

const IMAGE = 'registry.test/busybox:1.0';
const labels = { 'io.kubernetes.pod.uid': 'u1', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default' };

async function podWithExited(n: number) {
  let t = 1_000n;
  const rt = createFakeRuntime({ images: [IMAGE], now: () => (t += 1_000_000n) });
  const sandboxConfig = { metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 0 }, labels };
  const sb = await rt.sandboxes.runPodSandbox(sandboxConfig);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await rt.containers.createContainer(sb, { metadata: { name: 'app', attempt: i }, image: { image: IMAGE }, labels: { ...labels, 'io.kubernetes.container.name': 'app' } }, sandboxConfig);
    await rt.containers.startContainer(id);
    if (i < n - 1) rt.controls.exitContainer(id, { exitCode: 1 });
    ids.push(id);
  }
  return { rt, sb, ids };
}

describe('collectPodGarbage', () => {
  it('keeps the newest exited instance per container name and the running one', async () => {
    const { rt, ids } = await podWithExited(4);
    const pod = (await listRuntimePods(rt)).get('u1');
    expect(await collectPodGarbage(rt, pod!, 1)).toBe(2);
    expect(rt.controls.containerList().map((c) => c.id).sort()).toEqual([ids[2], ids[3]].sort());
  });

  it('removes an old sandbox only once it is not ready and holds no containers', async () => {
    const { rt, sb, ids } = await podWithExited(1);
    await rt.sandboxes.stopPodSandbox(sb);
    const sandboxConfig = { metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 1 }, labels };
    await rt.sandboxes.runPodSandbox(sandboxConfig);
    expect(await collectPodGarbage(rt, (await listRuntimePods(rt)).get('u1')!, 1)).toBe(0);
    await rt.containers.removeContainer(ids[0] ?? '');
    expect(await collectPodGarbage(rt, (await listRuntimePods(rt)).get('u1')!, 1)).toBe(1);
    expect(rt.controls.sandboxList()).toHaveLength(1);
  });
});

describe('rotateContainerLog', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates past the size limit, reopens the log and keeps maxFiles - 1 rotated files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-logs-'));
    const { rt, ids } = await podWithExited(1);
    const log = join(dir, '0.log');
    for (let i = 0; i < 4; i++) {
      writeFileSync(log, 'x'.repeat(2048));
      const now = new Date(Date.UTC(2026, 10, 21, 12, 0, i));
      expect(await rotateContainerLog(rt, ids[0] ?? '', log, { maxBytes: 1024, maxFiles: 3, now })).toBe(true);
    }
    expect(readdirSync(dir).sort()).toEqual(['0.log.20261121T120002', '0.log.20261121T120003']);
    expect(rt.controls.callsTo('containers.reopenContainerLog')).toHaveLength(4);
    writeFileSync(log, 'small');
    expect(await rotateContainerLog(rt, ids[0] ?? '', log, { maxBytes: 1024, maxFiles: 3, now: new Date() })).toBe(false);
  });
});

describe('removeOrphanedResources', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes cgroups, pod dirs and log dirs only of pods neither known nor in the runtime', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-orphans-'));
    for (const d of ['default_a_11111111-aaaa', 'default_b_22222222-bbbb', 'default_c_33333333-cccc']) mkdirSync(join(dir, d));
    const removedCgroups: string[] = [];
    const removedDirs: string[] = [];
    await removeOrphanedResources(
      {
        listPodCgroups: async () => [{ uid: '11111111-aaaa', qosClass: 'BestEffort' }, { uid: '33333333-cccc', qosClass: 'Burstable' }],
        removePodCgroup: async (uid) => void removedCgroups.push(uid),
        listPodDirs: async () => ['22222222-bbbb', '33333333-cccc'],
        removePodDir: async (uid) => void removedDirs.push(uid),
        podLogsRoot: dir,
        logger: silentLogger(),
      },
      new Set(['11111111-aaaa']),
      new Set(['22222222-bbbb']),
    );
    expect(removedCgroups).toEqual(['33333333-cccc']);
    expect(removedDirs).toEqual(['33333333-cccc']);
    expect(readdirSync(dir).sort()).toEqual(['default_a_11111111-aaaa', 'default_b_22222222-bbbb']);
    expect(logDirUid('kube-system_etcd-node1_0f1e2d3c')).toBe('0f1e2d3c');
  });
});
