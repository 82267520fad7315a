import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addChain, listIpamAllocations, readNetworkConfigList } from '../../src/cni/index.js';
import { createCriClient, type CriClient } from '../../src/cri/index.js';
import { startTestContainerd, type TestContainerd } from './helpers/env.js';
import { cniNetnsNames } from './helpers/netns.js';
import { getPod, kubeletDirs, listPods, removeManifest, startKubelet, waitFor, waitForPod, writeManifest, type ApiPod, type KubeletDirs, type TestKubelet } from './helpers/kubelet.js';

const nodeIP = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address ?? '';

function pod(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations }, spec: { terminationGracePeriodSeconds: 1, ...spec } };
}

/** busybox httpd serving a page with a marker only this pod knows. */
function httpd(name: string, image: string, port: number, extra: Record<string, unknown> = {}): object {
  return pod(name, {
    containers: [{ name: 'web', image, command: ['sh', '-c', `mkdir -p /www && echo marker-${name} > /www/index.html && exec httpd -f -p ${port} -h /www`], ports: [{ containerPort: port }], ...extra }],
  });
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) }).catch(() => null);
  return res ? await res.text() : '';
}

function containerId(p: ApiPod): string {
  return (p.status.containerStatuses?.[0]?.containerID ?? '').replace('containerd://', '');
}

describe('kubelet pod networking through the node network manager and real CNI plugins', () => {
  let env: TestContainerd;
  let dirs: KubeletDirs;
  let kubelet: TestKubelet;
  let cri: CriClient;
  const bridge = `tsk${randomBytes(3).toString('hex')}`;
  const third = 100 + (randomBytes(1)[0] ?? 0) % 100;
  const podCidr = `10.224.${third}.0/24`;
  const args = (): string[] => ['--pod-cidr', podCidr, '--cluster-cidr', '10.224.0.0/16', '--cni-conf-dir', env.cniConfDir, '--cni-bridge', bridge, '--network-repair-min-age', '2s', '--cluster-dns', '10.96.0.10'];

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'none' });
    dirs = await kubeletDirs(env);
    cri = createCriClient({ endpoint: env.socket });
    kubelet = await startKubelet(env, dirs, args());
  });
  afterAll(async () => {
    await kubelet?.stop();
    if (dirs) for (const f of await readdir(dirs.manifestDir)) await removeManifest(dirs.manifestDir, f);
    if (env && dirs) {
      const k = await startKubelet(env, dirs, args());
      await waitFor('all pods gone', async () => (await cri.sandboxes.listPodSandbox()).length === 0, 60_000).catch(() => undefined);
      await k.stop();
    }
    cri?.close();
    await env?.cleanup();
    await execa('ip', ['link', 'del', bridge], { reject: false });
    await execa('nft', ['delete', 'table', 'ip', `tskube-${bridge}`], { reject: false });
  });

  it('gives two pods distinct IPs from the pod CIDR; they reach each other, the node reaches both, a pod reaches the node', async () => {
    await writeManifest(dirs.manifestDir, 'a.yaml', httpd('a', env.images.busybox, 8080));
    await writeManifest(dirs.manifestDir, 'b.yaml', httpd('b', env.images.busybox, 8080));
    const a = await waitForPod(kubelet.api, 'a-node1', (p) => p.status.phase === 'Running' && p);
    const b = await waitForPod(kubelet.api, 'b-node1', (p) => p.status.phase === 'Running' && p);
    const prefix = `10.224.${third}.`;
    expect(a.status.podIP?.startsWith(prefix)).toBe(true);
    expect(b.status.podIP?.startsWith(prefix)).toBe(true);
    expect(a.status.podIP).not.toBe(b.status.podIP);
    expect(a.status.podIPs).toEqual([{ ip: a.status.podIP }]);

    const fromA = await cri.containers.execSync(containerId(a), ['timeout', '5', 'wget', '-q', '-O', '-', `http://${b.status.podIP}:8080/`], 10);
    expect(fromA.stdout.toString()).toBe('marker-b\n');
    await waitFor('node reaches both pods', async () => (await fetchText(`http://${a.status.podIP}:8080/`)) === 'marker-a\n' && (await fetchText(`http://${b.status.podIP}:8080/`)) === 'marker-b\n', 10_000);
    // The node's side of the bridge: the pod CIDR's first address.
    const gateway = `10.224.${third}.1`;
    const ping = await cri.containers.execSync(containerId(a), ['ping', '-c', '1', '-W', '2', gateway], 10);
    expect(ping.exitCode).toBe(0);
    // And the node's own address, on its uplink.
    const pingNode = await cri.containers.execSync(containerId(a), ['ping', '-c', '1', '-W', '2', nodeIP], 10);
    expect(pingNode.exitCode).toBe(0);
    await removeManifest(dirs.manifestDir, 'a.yaml');
    await removeManifest(dirs.manifestDir, 'b.yaml');
  });

  it('serves a hostPort on the node IP and 127.0.0.1, and drops the mapping with the pod', async () => {
    await writeManifest(dirs.manifestDir, 'hp.yaml', httpd('hp', env.images.busybox, 8080, { ports: [{ containerPort: 8080, hostPort: 18080 }] }));
    await waitForPod(kubelet.api, 'hp-node1', (p) => p.status.phase === 'Running');
    await waitFor('hostPort on 127.0.0.1 and the node IP', async () => (await fetchText('http://127.0.0.1:18080/')) === 'marker-hp\n' && (await fetchText(`http://${nodeIP}:18080/`)) === 'marker-hp\n', 15_000);
    await removeManifest(dirs.manifestDir, 'hp.yaml');
    await waitFor('pod gone', async () => !(await getPod(kubelet.api, 'hp-node1')));
    await waitFor('mapping gone', async () => (await fetchText(`http://${nodeIP}:18080/`)) !== 'marker-hp\n' && (await fetchText('http://127.0.0.1:18080/')) !== 'marker-hp\n', 15_000);
  });

  it('runs a hostNetwork pod on the node address, with the node IP as pod IP', async () => {
    await writeManifest(dirs.manifestDir, 'hn.yaml', { ...(httpd('hn', env.images.busybox, 18081) as Record<string, unknown>), spec: { ...((httpd('hn', env.images.busybox, 18081) as { spec: Record<string, unknown> }).spec), hostNetwork: true } });
    const p = await waitForPod(kubelet.api, 'hn-node1', (x) => x.status.phase === 'Running' && x);
    expect(p.status.podIP).toBe(p.status.hostIP);
    await waitFor('served on the node address', async () => (await fetchText(`http://${nodeIP}:18081/`)) === 'marker-hn\n', 10_000);
    await removeManifest(dirs.manifestDir, 'hn.yaml');
  });

  it('writes the pod resolver: ClusterFirst search path and ndots, and dnsPolicy None with dnsConfig', async () => {
    await writeManifest(dirs.manifestDir, 'dns1.yaml', pod('dns1', { containers: [{ name: 'c', image: env.images.busybox, command: ['sleep', '3600'] }] }));
    await writeManifest(
      dirs.manifestDir,
      'dns2.yaml',
      pod('dns2', { dnsPolicy: 'None', dnsConfig: { nameservers: ['10.0.0.53'], searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] }, containers: [{ name: 'c', image: env.images.busybox, command: ['sleep', '3600'] }] }),
    );
    const p1 = await waitForPod(kubelet.api, 'dns1-node1', (p) => p.status.phase === 'Running' && p);
    const p2 = await waitForPod(kubelet.api, 'dns2-node1', (p) => p.status.phase === 'Running' && p);
    const r1 = (await cri.containers.execSync(containerId(p1), ['cat', '/etc/resolv.conf'], 10)).stdout.toString();
    expect(r1).toContain('nameserver 10.96.0.10');
    expect(r1).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m);
    expect(r1).toMatch(/^options ndots:5$/m);
    const r2 = (await cri.containers.execSync(containerId(p2), ['cat', '/etc/resolv.conf'], 10)).stdout.toString();
    expect(r2).toMatch(/^nameserver 10\.0\.0\.53$/m);
    expect(r2).toMatch(/^search corp\.example$/m);
    expect(r2).toMatch(/^options ndots:2 edns0$/m);
    await removeManifest(dirs.manifestDir, 'dns1.yaml');
    await removeManifest(dirs.manifestDir, 'dns2.yaml');
  });

  it('honours the bandwidth annotations through the bandwidth plugin', async () => {
    await writeManifest(dirs.manifestDir, 'bw.yaml', pod('bw', { containers: [{ name: 'c', image: env.images.busybox, command: ['sleep', '3600'] }] }, { 'kubernetes.io/ingress-bandwidth': '1M', 'kubernetes.io/egress-bandwidth': '2M' }));
    await waitForPod(kubelet.api, 'bw-node1', (p) => p.status.phase === 'Running');
    const qdiscs = (await execa('tc', ['qdisc', 'show'])).stdout;
    expect(qdiscs).toMatch(/qdisc tbf .* rate 1Mbit/);
    expect(qdiscs).toMatch(/qdisc tbf .* rate 2Mbit/);
    await removeManifest(dirs.manifestDir, 'bw.yaml');
    await waitFor('bw gone', async () => !(await getPod(kubelet.api, 'bw-node1')));
  });

  it('reports a pod whose network broke behind its back as a NetworkCheckFailed event', async () => {
    await writeManifest(dirs.manifestDir, 'chk.yaml', pod('chk', { containers: [{ name: 'c', image: env.images.busybox, command: ['sleep', '3600'] }] }));
    const p = await waitForPod(kubelet.api, 'chk-node1', (x) => x.status.phase === 'Running' && x);
    const [sandbox] = await cri.sandboxes.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': p.metadata.uid ?? '' } });
    const { info } = await cri.sandboxes.podSandboxStatus(sandbox?.id ?? '', { verbose: true });
    const netns = (JSON.parse(info.info ?? '{}') as { runtimeSpec: { linux: { namespaces: { type: string; path?: string }[] } } }).runtimeSpec.linux.namespaces.find((n) => n.type === 'network')?.path ?? '';
    await execa('nsenter', [`--net=${netns}`, 'ip', 'addr', 'flush', 'dev', 'eth0']);
    const ev = await waitFor('NetworkCheckFailed event', async () => {
      const items = ((await (await fetch(`http://${kubelet.api}/events`)).json()) as { items: { reason: string; message: string; involvedObject: { uid: string } }[] }).items;
      return items.find((e) => e.reason === 'NetworkCheckFailed' && e.involvedObject.uid === p.metadata.uid);
    }, 30_000);
    expect(ev.message).toMatch(/^Pod network check failed: CNI \S+ CHECK/);
    await removeManifest(dirs.manifestDir, 'chk.yaml');
    await waitFor('chk gone', async () => !(await getPod(kubelet.api, 'chk-node1')));
  });

  it('never leaks IPs, veths or network namespaces: kill -9 of kubelet and containerd during churn of 50 pods, and a leaked allocation is freed', async () => {
    await waitFor('earlier pods gone', async () => (await listPods(kubelet.api)).length === 0 && (await cri.sandboxes.listPodSandbox()).length === 0, 60_000);
    const ipamDir = join(dirs.rootDir, 'cni', 'ipam');
    const netnsAtStart = await cniNetnsNames();
    const names = Array.from({ length: 50 }, (_, i) => `churn${i}`);
    const spec = (n: string): object => pod(n, { containers: [{ name: 'c', image: env.images.busybox, command: ['sleep', '3600'] }] });
    // Wave 1: 25 pods, and the kubelet and containerd die while they start.
    for (const n of names.slice(0, 25)) await writeManifest(dirs.manifestDir, `${n}.yaml`, spec(n));
    await waitFor('some running', async () => (await listPods(kubelet.api)).filter((p) => p.status?.phase === 'Running').length >= 5, 60_000);
    await kubelet.kill9();
    await env.containerd.kill9();
    // While both are down: delete 10 of them, add the other 25.
    for (const n of names.slice(0, 10)) await removeManifest(dirs.manifestDir, `${n}.yaml`);
    for (const n of names.slice(25)) await writeManifest(dirs.manifestDir, `${n}.yaml`, spec(n));
    await env.containerd.restart();
    kubelet = await startKubelet(env, dirs, args());
    // Wave 2: while pods start, delete 10 more and kill both again.
    await waitFor('some running again', async () => (await listPods(kubelet.api)).filter((p) => p.status?.phase === 'Running').length >= 10, 60_000);
    for (const n of names.slice(10, 20)) await removeManifest(dirs.manifestDir, `${n}.yaml`);
    await kubelet.kill9();
    await env.containerd.kill9();
    await env.containerd.restart();
    kubelet = await startKubelet(env, dirs, args());

    // A leaked allocation: the real plugins attach a sandbox the runtime never knew, whose netns
    // then vanishes (as when a sandbox is removed behind the kubelet's back): IP, veth and all.
    const leakNs = `tskube-leak-${randomBytes(3).toString('hex')}`;
    await execa('ip', ['netns', 'add', leakNs]);
    const leaked = await addChain(await readNetworkConfigList(join(env.cniConfDir, '10-tskube.conflist')), {
      binDirs: ['/usr/lib/cni'],
      containerId: 'f'.repeat(64),
      netns: `/var/run/netns/${leakNs}`,
    });
    expect(leaked.ips[0]?.address.startsWith(`10.224.${third}.`)).toBe(true);
    await execa('ip', ['netns', 'del', leakNs]);
    // And a leaked namespace, as containerd leaves one when it dies mid-RunPodSandbox.
    await execa('ip', ['netns', 'add', `cni-tskube-leak-${randomBytes(3).toString('hex')}`]);

    const wanted = names.slice(20).map((n) => `${n}-node1`);
    await waitFor('30 pods running', async () => {
      const pods = await listPods(kubelet.api);
      return pods.length === 30 && pods.every((p) => p.status?.phase === 'Running' && wanted.includes(p.metadata.name ?? ''));
    }, 180_000);
    let seen = '';
    await waitFor('allocations == live sandboxes, no stale veth', async () => {
      const sandboxes = (await cri.sandboxes.listPodSandbox()).filter((s) => s.state === 'SANDBOX_READY');
      const all = await cri.sandboxes.listPodSandbox();
      const allocs = await listIpamAllocations(ipamDir, 'tskube');
      const owners = new Set(allocs.map((a) => a.containerId));
      const veths = JSON.parse((await execa('ip', ['-j', 'link', 'show', 'master', bridge])).stdout || '[]') as unknown[];
      // Every sandbox has its namespace; any other cni-* namespace is a leak the kubelet removes.
      const netns = (await cniNetnsNames()).size - netnsAtStart.size;
      seen = `sandboxes ${all.length} (ready ${sandboxes.length}), allocations ${allocs.length}, veths ${veths.length}, new netns ${netns}`;
      return all.length === 30 && sandboxes.length === 30 && allocs.length === 30 && sandboxes.every((s) => owners.has(s.id)) && veths.length === 30 && netns === 30;
    }, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${seen}\n${kubelet.output().split('\n').filter((l) => /releas|repair|network|CNI|cni/i.test(l)).slice(-5).join('\n')}`);
    });
  }, 480_000);

  it('reports a broken network config as an event naming the CNI error, not a hang', async () => {
    // Replace the node's conflist with one naming a plugin that does not exist.
    const broken = { cniVersion: '1.0.0', name: 'tskube', plugins: [{ type: 'tskube-no-such-plugin' }] };
    const conf = join(env.cniConfDir, '10-tskube.conflist');
    await kubelet.stop();
    for (const f of await readdir(dirs.manifestDir)) await removeManifest(dirs.manifestDir, f);
    kubelet = await startKubelet(env, dirs, args());
    await waitFor('churn pods gone', async () => (await cri.sandboxes.listPodSandbox()).length === 0, 120_000);
    await kubelet.stop();
    await writeFile(conf, JSON.stringify(broken));
    kubelet = await startKubelet(env, dirs, []); // no --pod-cidr: nobody rewrites the config
    await writeManifest(dirs.manifestDir, 'broken.yaml', pod('broken', { containers: [{ name: 'c', image: env.images.busybox, command: ['sleep', '3600'] }] }));
    const ev = await waitFor('FailedCreatePodSandBox event', async () => {
      const res = await fetch(`http://${kubelet.api}/events`);
      const items = ((await res.json()) as { items: { reason: string; message: string }[] }).items;
      return items.find((e) => e.reason === 'FailedCreatePodSandBox');
    }, 30_000);
    expect(ev.message).toMatch(/^Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "[0-9a-f]{64}": plugin type="tskube-no-such-plugin" failed \(add\): failed to find plugin "tskube-no-such-plugin"/);
    const p = await getPod(kubelet.api, 'broken-node1');
    expect(p?.status.phase).toBe('Pending');
    expect(p?.status.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    await removeManifest(dirs.manifestDir, 'broken.yaml');
  });
});
