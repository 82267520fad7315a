import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../src/cri/index.js';
import { startTestApiServer, type TestApiServer } from './helpers/apiserver.js';
import { startTestContainerd, type TestContainerd } from './helpers/env.js';
import { kubeletDirs, startKubelet, waitFor, type TestKubelet } from './helpers/kubelet.js';

/**
 * kubectl logs, exec, cp, attach and port-forward through tskube's API server to the kubelet's
 * authenticated API and on to containerd's streaming server: the whole path is real.
 */
describe('kubectl logs, exec, cp and port-forward', () => {
  let env: TestContainerd;
  let cri: CriClient;
  let api: TestApiServer;
  let kubelet: TestKubelet;
  let image = '';
  // The raw execa process: the streaming tests read and kill `logs -f`, `port-forward` as they run.
  const kubectl = (args: string[], input?: string) => execa('kubectl', args, { env: api.env, reject: false, timeout: 60_000, ...(input === undefined ? {} : { input }) });

  async function runPod(name: string, spec: string): Promise<void> {
    const manifest = join(api.dir, `${name}.yaml`);
    await writeFile(manifest, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  nodeName: node1\n  terminationGracePeriodSeconds: 1\n${spec}`);
    const r = await kubectl(['apply', '-f', manifest]);
    expect(r.stderr).toBe('');
  }
  const running = (name: string) => waitFor(`${name} Running`, async () => (await kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.containerStatuses[0].state.running.startedAt}'])).stdout !== '', 60_000);

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
    cri = createCriClient({ endpoint: env.socket });
    image = env.images.busybox.replace(/:latest$/, ':1.35');
    api = await startTestApiServer('streams');
    kubelet = await startKubelet(env, await kubeletDirs(env), ['--kubeconfig', api.kubeconfig]);
    await runPod('web', `  containers:\n  - name: app\n    image: ${image}\n    command: ["sh", "-c", "mkdir -p /www && echo hello-from-pod > /www/index.html && echo started && httpd -f -p 8080 -h /www"]\n`);
    await running('web');
  });
  afterAll(async () => {
    if (api) await kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s']);
    await kubelet?.stop();
    cri?.close();
    await api?.close();
    await env?.cleanup();
  });

  it('the node advertises its authenticated kubelet port, which refuses anonymous clients', async () => {
    const port = Number((await kubectl(['get', 'node', 'node1', '-o', 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}'])).stdout);
    expect(port).toBeGreaterThan(0);
    const anonymous = await execa('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${port}/pods`], { reject: false });
    expect(anonymous.stdout).toBe('401');
    const health = await execa('curl', ['-sk', `https://127.0.0.1:${port}/healthz`], { reject: false });
    expect(health.stdout).toBe('ok');
  });

  it('nodes/proxy reaches the kubelet API: stats summary, metrics, pods', async () => {
    const summary = JSON.parse((await kubectl(['get', '--raw', '/api/v1/nodes/node1/proxy/stats/summary'])).stdout) as { node: { nodeName: string }; pods: { podRef: { name: string } }[] };
    expect(summary.node.nodeName).toBe('node1');
    expect(summary.pods.map((p) => p.podRef.name)).toContain('web');
    const metrics = (await kubectl(['get', '--raw', '/api/v1/nodes/node1/proxy/metrics'])).stdout;
    expect(metrics).toMatch(/^kubelet_running_pods \d+$/m);
    const pods = JSON.parse((await kubectl(['get', '--raw', '/api/v1/nodes/node1/proxy/pods'])).stdout) as { kind: string };
    expect(pods.kind).toBe('PodList');
    const unknown = await kubectl(['get', '--raw', '/api/v1/nodes/nope/proxy/pods']);
    expect(unknown.stderr).toBe('Error from server (NotFound): nodes "nope" not found');
  });

  it('kubectl logs, --tail, -f, and --previous after a crash', async () => {
    await runPod('talker', `  containers:\n  - name: app\n    image: ${image}\n    command: ["sh", "-c", "echo one; echo two; echo three; sleep 2; echo four; sleep 3600"]\n`);
    await running('talker');
    await waitFor('first lines', async () => (await kubectl(['logs', 'talker'])).stdout.startsWith('one\ntwo\nthree'), 20_000);
    expect((await kubectl(['logs', 'talker', '--tail=1'])).stdout).toMatch(/^(three|four)$/);
    // -f keeps the stream open and delivers lines written later.
    const follow = kubectl(['logs', '-f', 'talker']);
    let seen = '';
    follow.stdout?.on('data', (d: Buffer) => (seen += d.toString()));
    await waitFor('four through -f', async () => seen.includes('four'), 20_000);
    follow.kill('SIGTERM');
    await follow;
    expect(seen).toBe('one\ntwo\nthree\nfour\n');

    await runPod('crasher', `  containers:\n  - name: app\n    image: ${image}\n    command: ["sh", "-c", "echo run-$(date +%s)-$RANDOM; exit 1"]\n`);
    await waitFor('a restart', async () => Number((await kubectl(['get', 'pod', 'crasher', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).stdout) >= 1, 60_000);
    const previous = await kubectl(['logs', 'crasher', '--previous']);
    expect(previous.exitCode).toBe(0);
    expect(previous.stdout).toMatch(/^run-\d+-\d+$/);
    // No previous instance: the kubelet's error, as kubectl prints it against Kubernetes.
    const none = await kubectl(['logs', 'talker', '--previous']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toBe('Error from server (BadRequest): previous terminated container "app" in pod "talker" not found');
    // Logs of a pod on no node are empty, of a container that is not there an error.
    const wrong = await kubectl(['logs', 'talker', '-c', 'nope']);
    expect(wrong.stderr).toBe('error: container nope is not valid for pod talker');
  });

  it('kubectl exec: output, stderr, exit codes, stdin, tty', async () => {
    const r = await kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('out');
    expect(r.stderr).toBe('err\ncommand terminated with exit code 3');
    const ok = await kubectl(['exec', 'web', '--', 'cat', '/www/index.html']);
    expect([ok.exitCode, ok.stdout]).toEqual([0, 'hello-from-pod']);
    const stdin = await kubectl(['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
    expect([stdin.exitCode, stdin.stdout]).toEqual([0, 'line one\nline two\ndone']);
    // kubectl only asks for a TTY when its own stdin is one: run it under script(1)'s pseudo-terminal.
    const tty = await execa('script', ['-qec', 'kubectl exec -it web -- sh -c "test -t 0 && test -t 1 && echo is-a-tty"', '/dev/null'], { env: api.env, reject: false, timeout: 60_000, input: '' });
    expect(tty.exitCode).toBe(0);
    expect(tty.stdout).toMatch(/^(\^@)?is-a-tty$/);
    const missing = await kubectl(['exec', 'web', '--', '/no/such/binary']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/no such file or directory/);
  });

  it('kubectl cp into and out of the pod', async () => {
    const local = join(api.dir, 'payload.txt');
    const content = `${'tskube cp payload\n'.repeat(5000)}end\n`;
    await writeFile(local, content);
    const into = await kubectl(['cp', local, 'web:/tmp/payload.txt']);
    expect([into.exitCode, into.stderr]).toEqual([0, '']);
    expect((await kubectl(['exec', 'web', '--', 'wc', '-c', '/tmp/payload.txt'])).stdout.trim()).toBe(`${Buffer.byteLength(content)} /tmp/payload.txt`);
    const back = join(api.dir, 'back.txt');
    const out = await kubectl(['cp', 'web:/tmp/payload.txt', back]);
    expect([out.exitCode, out.stderr]).toEqual([0, '']);
    expect(await readFile(back, 'utf8')).toBe(content);
  });

  it('kubectl port-forward to the pod\'s HTTP server', async () => {
    const pf: ResultPromise = kubectl(['port-forward', 'pod/web', ':8080']);
    let out = '';
    pf.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await waitFor('forwarding line', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1], 30_000);
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/index.html`);
        expect([res.status, await res.text()]).toEqual([200, 'hello-from-pod\n']);
      }
    } finally {
      pf.kill('SIGTERM');
      await pf;
    }
  });

  it('client-node\'s PortForward (the WebSocket channel protocol, ports in the query)', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const output = new PassThrough();
    const input = new PassThrough();
    let received = '';
    output.on('data', (d: Buffer) => (received += d.toString()));
    const ws = (await new PortForward(kc).portForward('default', 'web', [8080], output, null, input)) as { close(): void };
    try {
      input.write('GET /index.html HTTP/1.0\r\n\r\n');
      await waitFor('the HTTP answer', async () => received.includes('hello-from-pod'), 20_000);
      expect(received).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
    } finally {
      ws.close();
    }
  });

  it('kubectl attach shows the running container\'s output', async () => {
    await runPod('ticker', `  containers:\n  - name: app\n    image: ${image}\n    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.5; done"]\n`);
    await running('ticker');
    const attach = kubectl(['attach', 'ticker']);
    let seen = '';
    attach.stdout?.on('data', (d: Buffer) => (seen += d.toString()));
    await waitFor('ticks through attach', async () => /tick-\d+\n.*tick-\d+/s.test(seen), 20_000);
    attach.kill('SIGTERM');
    await attach;
  });

  it('the SPDY/3.1 fallback (kubectl without WebSockets): exec, stdin, cp and port-forward', async () => {
    const spdy = { ...api.env, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
    const run = (args: string[], input?: string) => execa('kubectl', args, { env: spdy, reject: false, timeout: 60_000, ...(input === undefined ? {} : { input }) });
    const r = await run(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([5, 'out', 'err\ncommand terminated with exit code 5']);
    const stdin = await run(['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo done'], 'via spdy\n');
    expect([stdin.exitCode, stdin.stdout]).toEqual([0, 'via spdy\ndone']);
    const local = join(api.dir, 'spdy.txt');
    await writeFile(local, 'spdy payload\n');
    expect((await run(['cp', local, 'web:/tmp/spdy.txt'])).exitCode).toBe(0);
    expect((await run(['exec', 'web', '--', 'cat', '/tmp/spdy.txt'])).stdout).toBe('spdy payload');
    const pf: ResultPromise = execa('kubectl', ['port-forward', 'pod/web', ':8080'], { env: spdy, reject: false });
    let out = '';
    pf.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await waitFor('forwarding line', async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1], 30_000);
      const res = await fetch(`http://127.0.0.1:${port}/index.html`);
      expect([res.status, await res.text()]).toEqual([200, 'hello-from-pod\n']);
    } finally {
      pf.kill('SIGTERM');
      await pf;
    }
  });

  it('exec into a pod that is not there, or a container that does not run, fails as upstream', async () => {
    const missing = await kubectl(['exec', 'nope', '--', 'true']);
    expect([missing.exitCode, missing.stderr]).toEqual([1, 'Error from server (NotFound): pods "nope" not found']);
    await runPod('done', `  restartPolicy: Never\n  containers:\n  - name: app\n    image: ${image}\n    command: ["true"]\n`);
    await waitFor('Succeeded', async () => (await kubectl(['get', 'pod', 'done', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded', 60_000);
    const completed = await kubectl(['exec', 'done', '--', 'true']);
    expect([completed.exitCode, completed.stderr]).toEqual([1, 'error: cannot exec into a container in a completed pod; current phase is Succeeded']);
  });

  // Last: it empties the node.
  it('kubectl drain cordons the node and evicts its pods through pods/eviction; uncordon', async () => {
    const r = await kubectl(['drain', 'node1', '--force', '--grace-period=1', '--timeout=120s']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^node\/node1 cordoned$/m);
    expect(r.stdout).toMatch(/^pod\/web evicted$/m);
    expect(r.stdout).toMatch(/^node\/node1 drained$/m);
    expect(r.stderr).toMatch(/Warning: deleting Pods that declare no controller: .*default\/web/);
    expect((await kubectl(['get', 'pods', '-o', 'name'])).stdout).toBe('');
    expect((await kubectl(['get', 'node', 'node1'])).stdout).toMatch(/\nnode1\s+Ready,SchedulingDisabled\s/);
    expect((await kubectl(['uncordon', 'node1'])).stdout).toBe('node/node1 uncordoned');
    await waitFor('sandboxes gone', async () => (await cri.sandboxes.listPodSandbox()).length === 0, 60_000);
  });
});
