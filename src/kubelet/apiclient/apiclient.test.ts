import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/index.js';
import { startApiServer, type ApiServer } from '../../controlplane/apiserver/index.js';
import { createMemoryBackend, type Backend } from '../../controlplane/storage/index.js';
import { createFakeRuntime } from '../../cri/index.js';
import { realClock } from '../../lib/clock.js';
import { createKubeClient, isNotFoundError, type KubeClient } from '../../lib/kube/index.js';
import { silentLogger } from '../../lib/logger.js';
import { createPleg } from '../../pleg/index.js';
import { createVolumeManager } from '../../volumes/index.js';
import { createFakeCgroupManager } from '../cm/index.js';
import { createKubelet, createLoggingRecorder } from '../index.js';
import { createApiPodSource, createNodeReporter, createStatusManager, type NodeFacts } from './index.js';

const IMAGE = 'registry.test/busybox:1.0';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const facts: NodeFacts = {
  name: 'node1',
  internalIP: '192.0.2.10',
  kubeletPort: 10250,
  hostname: 'node1',
  capacity: { cpu: '2', memory: '8Gi', pods: '110' },
  allocatable: { cpu: '2', memory: '7Gi', pods: '110' },
  nodeInfo: { kubeletVersion: 'v1.32.0-tskube', containerRuntimeVersion: 'containerd://1.6.20', operatingSystem: 'linux', architecture: 'amd64' },
  labels: { 'kubernetes.io/hostname': 'node1', 'kubernetes.io/os': 'linux' },
  podCIDR: '10.244.1.0/24',
};

describe('the kubelet against the API server (fake runtime)', () => {
  let backend: Backend;
  let server: ApiServer;
  let client: KubeClient;
  let ac: AbortController;
  let dir: string;

  beforeEach(async () => {
    backend = createMemoryBackend();
    server = await startApiServer({ backend, insecureLoopback: true, port: 0, logger: silentLogger() });
    client = createKubeClient({ server: server.url });
    ac = new AbortController();
    dir = mkdtempSync(join(tmpdir(), 'tskube-apiclient-'));
  });
  afterEach(async () => {
    ac.abort();
    await server.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the node with upstream conditions and renews its lease', async () => {
    let healthy = true;
    const reporter = createNodeReporter(client, facts, { healthy: () => ({ ok: healthy, message: 'PLEG is not healthy' }), logger: silentLogger(), renewIntervalMs: 50, statusReportIntervalMs: 100 });
    const running = reporter.run(ac.signal);
    const node = await until('Ready node', async () => {
      const n = await client.get<Node>('/api/v1/nodes/node1').catch(() => undefined);
      return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && n;
    });
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'node1' });
    expect(node.spec?.podCIDR).toBe('10.244.1.0/24');
    expect(node.status?.addresses).toEqual([{ type: 'InternalIP', address: '192.0.2.10' }, { type: 'Hostname', address: 'node1' }]);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'KubeletReady', message: 'kubelet is posting ready status' });
    type Lease = { spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number } };
    const first = await until('lease', () => client.get<Lease>('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node1').catch(() => undefined));
    expect(first.spec).toMatchObject({ holderIdentity: 'node1', leaseDurationSeconds: 40 });
    await until('lease renewed', async () => (await client.get<Lease>('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node1')).spec.renewTime !== first.spec.renewTime);
    healthy = false;
    await until('NotReady', async () => (await client.get<Node>('/api/v1/nodes/node1')).status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'KubeletNotReady');
    ac.abort();
    await running;
  });

  it('runs a pod bound to the node, reports its status, and completes its graceful deletion', async () => {
    const runtime = createFakeRuntime({ images: [IMAGE] });
    const status = createStatusManager(client, silentLogger());
    const kubelet = createKubelet(
      {
        cri: runtime,
        cgroups: createFakeCgroupManager(),
        volumes: createVolumeManager({ podsDir: join(dir, 'pods') }),
        pleg: createPleg({ runtime, relistPeriodMs: 20, logger: silentLogger(), inspectPods: false }),
        sources: [createApiPodSource(client, 'node1', silentLogger())],
        statusSink: status,
        recorder: createLoggingRecorder(silentLogger()),
        clock: realClock,
        logger: silentLogger(),
      },
      { nodeName: 'node1', node: { hostIPs: ['192.0.2.10'], memoryCapacityBytes: 8 << 30, podLogsRoot: join(dir, 'logs'), dns: { clusterDns: [], clusterDomain: 'cluster.local', host: { servers: [], searches: [], options: [] } } } },
    );
    const running = Promise.all([kubelet.run(ac.signal), status.run(ac.signal)]);
    const pods = '/api/v1/namespaces/default/pods';
    await client.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'node1', terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: IMAGE }] } });
    const api = await until('Running in the API', async () => {
      const p = await client.get<Pod>(`${pods}/web`);
      return p.status?.phase === 'Running' && p;
    });
    expect(api.status?.podIP).toMatch(/^10\.88\.0\./);
    expect(api.status?.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, state: { running: {} } });
    expect(api.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    await client.delete(`${pods}/web`);
    const deleting = await client.get<Pod>(`${pods}/web`);
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    await until('gone from the API', async () => isNotFoundError(await client.get(`${pods}/web`).catch((e: unknown) => e)));
    expect(runtime.controls.sandboxList()).toEqual([]);
    ac.abort();
    await running;
  });
});
