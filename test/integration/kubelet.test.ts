import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../src/cri/index.js';
import { cgroupDirsOf, startTestContainerd, type TestContainerd } from './helpers/env.js';
import { getPod, kubeletDirs, listPods, removeManifest, startKubelet, waitFor, waitForPod, writeManifest, type ApiPod, type KubeletDirs, type TestKubelet } from './helpers/kubelet.js';

function pod(name: string, spec: Record<string, unknown>): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { terminationGracePeriodSeconds: 1, ...spec } };
}

const cond = (p: ApiPod, type: string): string | undefined => p.status.conditions?.find((c) => c.type === type)?.status;

describe('kubelet with static pods on a real containerd', () => {
  let env: TestContainerd;
  let dirs: KubeletDirs;
  let kubelet: TestKubelet;
  let cri: CriClient;

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
    dirs = await kubeletDirs(env);
    cri = createCriClient({ endpoint: env.socket });
    kubelet = await startKubelet(env, dirs, ['--crash-loop-backoff', '1s', '--crash-loop-backoff-max', '4s', '--image-pull-backoff', '1s', '--container-log-max-size', '4096', '--container-log-max-files', '3']);
  });
  afterAll(async () => {
    await kubelet?.stop();
    // Remove every manifest and let a fresh kubelet terminate what is left, so nothing outlives the test.
    if (dirs) for (const f of await readdir(dirs.manifestDir)) await removeManifest(dirs.manifestDir, f);
    if (env && dirs) {
      const k = await startKubelet(env, dirs);
      await waitFor('all pods gone', async () => (await cri.sandboxes.listPodSandbox()).length === 0, 60_000).catch(() => undefined);
      await k.stop();
    }
    cri?.close();
    await env?.cleanup();
  });

  it('runs an init container, a sidecar and two app containers, and removes all of it with the manifest', async () => {
    const manifest = pod('web', {
      volumes: [{ name: 'data', emptyDir: {} }],
      initContainers: [
        { name: 'init', image: env.images.busybox, command: ['sh', '-c', 'echo made-by-init > /data/hello'], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'sidecar', image: env.images.busybox, restartPolicy: 'Always', command: ['sh', '-c', 'while true; do sleep 1; done'] },
      ],
      containers: [
        { name: 'app', image: env.images.busybox, command: ['sh', '-c', 'cat /data/hello; while true; do sleep 1; done'], volumeMounts: [{ name: 'data', mountPath: '/data' }], resources: { requests: { cpu: '100m', memory: '32Mi' } } },
        { name: 'app2', image: env.images.busybox, command: ['sleep', '3600'] },
      ],
    });
    await writeManifest(dirs.manifestDir, 'web.yaml', manifest);
    const running = await waitForPod(kubelet.api, 'web-node1', (p) => p.status.phase === 'Running' && cond(p, 'Ready') === 'True' && p);

    expect(running.metadata.namespace).toBe('default');
    expect(running.status.podIP).toMatch(new RegExp(`^${env.podSubnetPrefix.replace(/\./g, '\\.')}`));
    expect(running.status.qosClass).toBe('Burstable');
    expect(running.status.startTime).toBeTruthy();
    for (const type of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']) expect(cond(running, type)).toBe('True');
    const [init, sidecar] = running.status.initContainerStatuses ?? [];
    expect(init).toMatchObject({ name: 'init', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(sidecar).toMatchObject({ name: 'sidecar', ready: true, started: true, state: { running: {} } });
    expect(running.status.containerStatuses?.map((c) => [c.name, c.ready, Object.keys(c.state ?? {})[0]])).toEqual([
      ['app', true, 'running'],
      ['app2', true, 'running'],
    ]);
    expect(running.status.containerStatuses?.[0]?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);

    // The app saw the init container's file, and its log is where upstream puts it.
    const uid = running.metadata.uid ?? '';
    const logDir = join(dirs.logsDir, `default_web-node1_${uid}`);
    const appLog = await waitFor('app log', async () => {
      const text = await readFile(join(logDir, 'app', '0.log'), 'utf8').catch(() => '');
      return text.includes('made-by-init') ? text : undefined;
    });
    expect(appLog).toMatch(/^\S+ stdout F made-by-init$/m);
    // ... and what `kubectl logs` will read through the kubelet API.
    expect(await (await fetch(`http://${kubelet.api}/containerLogs/default/web-node1/app`)).text()).toBe('made-by-init\n');
    expect(await (await fetch(`http://${kubelet.api}/containerLogs/default/web-node1/app?timestamps=true`)).text()).toMatch(/^\d{4}-\d\d-\d\dT\S+Z made-by-init\n$/);
    const missing = await fetch(`http://${kubelet.api}/containerLogs/default/web-node1/app?previous=true`);
    expect([missing.status, await missing.text()]).toEqual([400, 'previous terminated container "app" in pod "web-node1" not found\n']);

    // The pod cgroup exists under the kubelet's kubepods with the pod's cpu shares (100m -> 102).
    const podCgroups = await cgroupDirsOf(`${env.cgroupParent}/kubepods/burstable/pod${uid}`);
    expect(podCgroups.length).toBeGreaterThan(0);
    const cpuDir = podCgroups.find((d) => d.includes('/cpu,cpuacct/') || d.includes('/cpu/'));
    expect(cpuDir && (await readFile(join(cpuDir, 'cpu.shares'), 'utf8')).trim()).toBe('102');

    await removeManifest(dirs.manifestDir, 'web.yaml');
    await waitFor('web to be gone from the kubelet', async () => !(await getPod(kubelet.api, 'web-node1')));
    await waitFor('web to be gone from the runtime', async () => {
      const left = await cri.sandboxes.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } });
      const containers = await cri.containers.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': uid } });
      return left.length === 0 && containers.length === 0;
    });
    await waitFor('pod cgroup and logs removed', async () => (await cgroupDirsOf(`${env.cgroupParent}/kubepods/burstable/pod${uid}`)).length === 0 && !existsSync(logDir));
    expect(existsSync(join(dirs.rootDir, 'pods', uid))).toBe(false);
  });

  it('shows CrashLoopBackOff with a growing back-off and restart count under restartPolicy Always', async () => {
    await writeManifest(dirs.manifestDir, 'crash.yaml', pod('crash', { containers: [{ name: 'c', image: env.images.busybox, command: ['sh', '-c', 'echo crashing; exit 1'] }] }));
    const first = await waitForPod(kubelet.api, 'crash-node1', (p) => {
      const c = p.status.containerStatuses?.[0];
      return c?.state?.waiting?.reason === 'CrashLoopBackOff' && c;
    });
    expect(first.state?.waiting?.message).toMatch(/^back-off \d+s restarting failed container=c pod=crash-node1_default\(/);
    expect(first.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(await (await fetch(`http://${kubelet.api}/containerLogs/default/crash-node1/c?previous=true`)).text()).toBe('crashing\n');
    const later = await waitForPod(kubelet.api, 'crash-node1', (p) => {
      const c = p.status.containerStatuses?.[0];
      return c && c.restartCount >= 3 && c.state?.waiting?.reason === 'CrashLoopBackOff' && c;
    });
    expect(later.state?.waiting?.message).toMatch(/^back-off (4|2)s /);
    expect(later.restartCount).toBeGreaterThan(first.restartCount);
    const p = await getPod(kubelet.api, 'crash-node1');
    expect(p?.status.phase).toBe('Running');
    expect(cond(p as ApiPod, 'Ready')).toBe('False');
    await removeManifest(dirs.manifestDir, 'crash.yaml');
  });

  it('ends a failing pod Failed under Never and a job-like pod Succeeded', async () => {
    await writeManifest(dirs.manifestDir, 'fail.yaml', pod('fail', { restartPolicy: 'Never', containers: [{ name: 'c', image: env.images.busybox, command: ['sh', '-c', 'exit 3'] }] }));
    await writeManifest(dirs.manifestDir, 'job.yaml', pod('job', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: env.images.busybox, command: ['sh', '-c', 'echo done'] }] }));
    const failed = await waitForPod(kubelet.api, 'fail-node1', (p) => p.status.phase === 'Failed' && p);
    expect(failed.status.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(failed.status.containerStatuses?.[0]?.restartCount).toBe(0);
    const done = await waitForPod(kubelet.api, 'job-node1', (p) => p.status.phase === 'Succeeded' && p);
    expect(done.status.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cond(done, 'Ready')).toBe('False');
    // A finished pod keeps no running sandbox: its IP is released.
    await waitFor('sandboxes stopped', async () => {
      const s = await cri.sandboxes.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': done.metadata.uid ?? '' } });
      return s.length > 0 && s.every((x) => x.state === 'SANDBOX_NOTREADY');
    });
    await removeManifest(dirs.manifestDir, 'fail.yaml');
    await removeManifest(dirs.manifestDir, 'job.yaml');
  });

  it('reports OOMKilled for a container over its memory limit, with the limit in the cgroup', async () => {
    await writeManifest(
      dirs.manifestDir,
      'oom.yaml',
      pod('oom', {
        restartPolicy: 'Never',
        containers: [{ name: 'hog', image: env.images.busybox, command: ['sh', '-c', 'sleep 1; tail /dev/zero'], resources: { limits: { memory: '24Mi', cpu: '200m' } } }],
      }),
    );
    const running = await waitForPod(kubelet.api, 'oom-node1', (p) => p.status.containerStatuses?.[0]?.state?.running && p);
    const uid = running.metadata.uid ?? '';
    const memDir = (await cgroupDirsOf(`${env.cgroupParent}/kubepods/pod${uid}`)).find((d) => d.includes('/memory/'));
    expect(memDir).toBeTruthy();
    expect((await readFile(join(memDir ?? '', 'memory.limit_in_bytes'), 'utf8')).trim()).toBe(String(24 * 1024 * 1024));
    const cpuDir = (await cgroupDirsOf(`${env.cgroupParent}/kubepods/pod${uid}`)).find((d) => /\/cpu[,/]/.test(d));
    expect((await readFile(join(cpuDir ?? '', 'cpu.cfs_quota_us'), 'utf8')).trim()).toBe('20000');
    const done = await waitForPod(kubelet.api, 'oom-node1', (p) => p.status.phase === 'Failed' && p);
    expect(done.status.qosClass).toBe('Guaranteed');
    expect(done.status.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    await removeManifest(dirs.manifestDir, 'oom.yaml');
  });

  it('shows ErrImagePull then ImagePullBackOff with the registry error for a missing image', async () => {
    const image = `${env.registry}/tskube/does-not-exist:1.0`;
    await writeManifest(dirs.manifestDir, 'noimg.yaml', pod('noimg', { containers: [{ name: 'c', image }] }));
    const pull = await waitForPod(kubelet.api, 'noimg-node1', (p) => p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull' && p.status.containerStatuses[0]);
    expect(pull.state?.waiting?.message).toContain(`rpc error: code = NotFound desc = failed to pull and unpack image "${image}"`);
    expect(pull.state?.waiting?.message).toContain('not found');
    const backoff = await waitForPod(kubelet.api, 'noimg-node1', (p) => p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' && p.status.containerStatuses[0]);
    expect(backoff.state?.waiting?.message).toContain(`Back-off pulling image "${image}"`);
    expect((await getPod(kubelet.api, 'noimg-node1'))?.status.phase).toBe('Pending');
    await removeManifest(dirs.manifestDir, 'noimg.yaml');
  });

  it('reports an invalid manifest by file and field, and keeps running the others', async () => {
    await writeManifest(dirs.manifestDir, 'bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: x\n');
    await writeManifest(dirs.manifestDir, 'good.yaml', pod('good', { containers: [{ name: 'c', image: env.images.busybox, command: ['sleep', '3600'] }] }));
    await waitForPod(kubelet.api, 'good-node1', (p) => p.status.phase === 'Running');
    await waitFor('the error in the kubelet log', async () => /bad\.yaml/.test(kubelet.output()) && /spec\.containers\[0\]\.image: Required value/.test(kubelet.output()));
    expect(await getPod(kubelet.api, 'bad-node1')).toBeUndefined();
    await removeManifest(dirs.manifestDir, 'bad.yaml');
    await removeManifest(dirs.manifestDir, 'good.yaml');
  });

  it('rotates container logs past the size limit through ReopenContainerLog, keeping max-files', async () => {
    // ~100 bytes a line, 20 lines a second: past 4 KiB within seconds, then every few seconds again.
    await writeManifest(dirs.manifestDir, 'chatty.yaml', pod('chatty', { containers: [{ name: 'c', image: env.images.busybox, command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "line $i $(printf %090d 0)"; sleep 0.05; done'] }] }));
    const p = await waitForPod(kubelet.api, 'chatty-node1', (x) => x.status.phase === 'Running' && x);
    const dir = join(dirs.logsDir, `default_chatty-node1_${p.metadata.uid}`, 'c');
    const files = await waitFor('two rotations', async () => {
      const f = (await readdir(dir)).sort();
      return f.filter((x) => x.startsWith('0.log.')).length >= 2 ? f : undefined;
    }, 60_000);
    expect(files.filter((x) => x.startsWith('0.log.')).length).toBeLessThanOrEqual(2);
    // The live file keeps receiving lines after the reopen, in the CRI format.
    await waitFor('new lines in the live file', async () => /^\S+ stdout F line \d+ 0+$/m.test(await readFile(join(dir, '0.log'), 'utf8').catch(() => '')));
    await removeManifest(dirs.manifestDir, 'chatty.yaml');
  });

  it('survives kill -9 during a run of 10 pods: adopts running containers, creates the missing, leaks nothing', async () => {
    await waitFor('earlier pods gone', async () => (await listPods(kubelet.api)).length === 0 && (await cri.sandboxes.listPodSandbox()).length === 0, 60_000);
    const names = Array.from({ length: 10 }, (_, i) => `p${i}`);
    for (const n of names) await writeManifest(dirs.manifestDir, `${n}.yaml`, pod(n, { containers: [{ name: 'c', image: env.images.busybox, command: ['sleep', '3600'] }] }));
    // Kill it mid-flight: some pods are running, others half created.
    await waitFor('some pods running', async () => (await listPods(kubelet.api)).filter((p) => p.status?.phase === 'Running').length >= 3, 60_000);
    await kubelet.kill9();
    const before = await cri.containers.listContainers({ state: { state: 'CONTAINER_RUNNING' } });
    // While it is down: two pods are no longer wanted.
    await removeManifest(dirs.manifestDir, 'p8.yaml');
    await removeManifest(dirs.manifestDir, 'p9.yaml');

    kubelet = await startKubelet(env, dirs, ['--crash-loop-backoff', '1s', '--crash-loop-backoff-max', '4s']);
    const wanted = names.slice(0, 8).map((n) => `${n}-node1`);
    await waitFor('8 pods running', async () => {
      const pods = await listPods(kubelet.api);
      return pods.length === 8 && pods.every((p) => p.status?.phase === 'Running' && wanted.includes(p.metadata.name ?? ''));
    });
    await waitFor('the unwanted pods gone from the runtime', async () => (await cri.sandboxes.listPodSandbox()).length === 8);
    // One running container per wanted pod. A start that was in flight when the kubelet died was
    // cancelled by containerd (StartError, exit 128): its pod got a new instance, and the exited
    // one is kept as the pod's last state (one per container name), as upstream's GC keeps it.
    const after = await cri.containers.listContainers();
    const runningAfter = after.filter((c) => c.state === 'CONTAINER_RUNNING');
    expect(runningAfter).toHaveLength(8);
    expect(new Set(runningAfter.map((c) => c.labels['io.kubernetes.pod.uid'])).size).toBe(8);
    for (const c of after.filter((x) => x.state !== 'CONTAINER_RUNNING')) {
      expect(c.state).toBe('CONTAINER_EXITED');
      expect(after.filter((x) => x.labels['io.kubernetes.pod.uid'] === c.labels['io.kubernetes.pod.uid'] && x.state !== 'CONTAINER_RUNNING')).toHaveLength(1);
    }
    // Containers that ran before the crash and are still wanted are the same containers.
    const wantedBefore = before.filter((c) => wanted.includes(c.labels['io.kubernetes.pod.name'] ?? ''));
    expect(wantedBefore.length).toBeGreaterThan(0);
    for (const c of wantedBefore) expect(runningAfter.map((a) => a.id)).toContain(c.id);
    // Nothing else is left: one pod cgroup and one log dir per wanted pod.
    const uids = new Set(runningAfter.map((c) => c.labels['io.kubernetes.pod.uid']));
    await waitFor('no stray pod cgroups or logs', async () => {
      const logs = await readdir(dirs.logsDir);
      const cg = await readdir(`/sys/fs/cgroup/memory${env.cgroupParent}/kubepods/besteffort`).catch(() => [] as string[]);
      const podDirs = cg.filter((d) => d.startsWith('pod'));
      return logs.length === 8 && logs.every((l) => uids.has(l.split('_')[2])) && podDirs.length === 8 && podDirs.every((d) => uids.has(d.slice(3)));
    });
  });

  it('stops on SIGTERM without touching running pods', async () => {
    const before = (await cri.containers.listContainers({ state: { state: 'CONTAINER_RUNNING' } })).map((c) => c.id).sort();
    expect(before.length).toBeGreaterThan(0);
    expect(await kubelet.stop()).toBe(0);
    const after = (await cri.containers.listContainers({ state: { state: 'CONTAINER_RUNNING' } })).map((c) => c.id).sort();
    expect(after).toEqual(before);
    kubelet = await startKubelet(env, dirs);
  });
});
