import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Duplex, type Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createCriClient, type CriClient, type PodSandboxConfig } from '../../src/cri/index.js';
import {
  exitCodeOf,
  PORT_FORWARD_PROTOCOL,
  proxyUpgrade,
  serveExecWebSocket,
  servePortForwardWebSocket,
  SPDY_REMOTECOMMAND_PROTOCOLS,
  spdyRemoteCommand,
  parseStreamOptions,
  statusFromError,
  writeStatusToSocket,
  type ExecStatus,
} from '../../src/lib/remotecommand/index.js';
import { httpUpgrade, SpdySession, spdyUpgrade, UpgradeError } from '../../src/lib/spdy/index.js';
import { startTestContainerd, TEST_TMP_BASE, type TestContainerd } from './helpers/env.js';

function collect(stream: Readable | null): Promise<string> {
  if (!stream) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Binary messages of a kubectl-like v5 client, as [channel, payload]. */
interface WsExecResult {
  protocol: string;
  channels: Map<number, Buffer>;
  status: ExecStatus | undefined;
  closeCode: number;
}

function wsExec(url: string, protocols: string[], onOpen: (ws: WebSocket) => void): Promise<WsExecResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const channels = new Map<number, Buffer>();
    let status: ExecStatus | undefined;
    ws.on('open', () => onOpen(ws));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length === 0) return;
      const ch = data[0] ?? -1;
      const payload = data.subarray(1);
      if (ch === 3) status = JSON.parse(payload.toString('utf8')) as ExecStatus;
      else channels.set(ch, Buffer.concat([channels.get(ch) ?? Buffer.alloc(0), payload]));
    });
    ws.on('close', (code: number) => resolve({ protocol: ws.protocol, channels, status, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode, body: Buffer.concat(chunks).toString() })));
    });
    ws.on('error', reject);
  });
}

/**
 * A WebSocket client the way Go's (kubectl's) behaves, as a byte Duplex: the `ws` client refuses
 * `SPDY/3.1+portforward.k8s.io` ('/' is not a token character), kubectl does not. Client frames are
 * masked binary frames; server frames are unmasked.
 */
async function dialWebSocketTunnel(url: string, protocol: string): Promise<{ stream: Duplex; protocol: string }> {
  const key = randomBytes(16).toString('base64');
  const { socket, headers } = await httpUpgrade({
    url,
    method: 'GET',
    upgrade: 'websocket',
    protocols: ['none'],
    headers: { 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Protocol': protocol },
  });
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  if (headers['sec-websocket-accept'] !== accept) throw new Error('bad Sec-WebSocket-Accept');
  const frame = (opcode: number, payload: Buffer): Buffer => {
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    if (len >= 126 && len < 65536) {
      head.writeUInt8(0x80 | opcode, 0);
      head.writeUInt8(0x80 | 126, 1);
      head.writeUInt16BE(len, 2);
    } else if (len >= 65536) {
      head.writeUInt8(0x80 | opcode, 0);
      head.writeUInt8(0x80 | 127, 1);
      head.writeBigUInt64BE(BigInt(len), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
    return Buffer.concat([head, mask, masked]);
  };
  let buf = Buffer.alloc(0);
  const stream = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      socket.write(frame(2, chunk), cb);
    },
    final(cb) {
      socket.write(frame(8, Buffer.from([0x03, 0xe8])), () => cb());
    },
    read() {},
  });
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = (buf[0] ?? 0) & 0x0f;
      let len = (buf[1] ?? 0) & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (opcode === 0 || opcode === 2) stream.push(Buffer.from(payload));
      else if (opcode === 9) socket.write(frame(10, payload));
      else if (opcode === 8) {
        stream.push(null);
        socket.end();
      }
    }
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  const negotiated = headers['sec-websocket-protocol'];
  return { stream, protocol: Array.isArray(negotiated) ? (negotiated[0] ?? '') : (negotiated ?? '') };
}

describe('streaming (exec, attach, port-forward) against a real containerd', () => {
  let env: TestContainerd;
  let cri: CriClient;
  let sandboxConfig: PodSandboxConfig;
  let sandboxId = '';
  let containerId = '';
  let attachContainerId = '';
  const uid = randomUUID();

  beforeAll(async () => {
    env = await startTestContainerd({ cniConfig: 'bridge' });
    cri = createCriClient({ endpoint: env.socket, timeoutMs: 60_000 });
    await cri.images.pullImage({ image: env.images.busybox });
    const logDirectory = join(env.dir, 'pods', `default_streaming_${uid}`);
    await mkdir(logDirectory, { recursive: true });
    sandboxConfig = {
      metadata: { name: 'streaming', namespace: 'default', uid, attempt: 0 },
      hostname: 'streaming',
      logDirectory,
      labels: { 'io.kubernetes.pod.uid': uid },
      linux: {
        cgroupParent: `${env.cgroupParent}/pod${uid}`,
        securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } },
      },
    };
    sandboxId = await cri.sandboxes.runPodSandbox(sandboxConfig);
    const start = async (name: string, args: string[]): Promise<string> => {
      const id = await cri.containers.createContainer(
        sandboxId,
        {
          metadata: { name, attempt: 0 },
          image: { image: env.images.busybox },
          command: ['sh', '-c'],
          args,
          logPath: `${name}/0.log`,
          stdin: true,
          labels: { 'io.kubernetes.container.name': name },
        },
        sandboxConfig,
      );
      await cri.containers.startContainer(id);
      return id;
    };
    containerId = await start('app', ['trap "exit 0" TERM; while true; do sleep 0.2; done']);
    attachContainerId = await start('echo', ['while read l; do echo "attach:$l"; done']);
    await start('web', [
      'mkdir -p /www && echo "hello from the pod" > /www/index.html && exec httpd -f -p 8080 -h /www',
    ]);
  });

  afterAll(async () => {
    if (sandboxId) {
      await cri.sandboxes.stopPodSandbox(sandboxId).catch(() => undefined);
      await cri.sandboxes.removePodSandbox(sandboxId).catch(() => undefined);
    }
    cri?.close();
    await env?.cleanup();
  });

  async function execUrl(cmd: string[], flags: { stdin?: boolean; stdout?: boolean; stderr?: boolean; tty?: boolean }): Promise<string> {
    return cri.streaming.exec({ containerId, cmd, ...flags });
  }

  it('(a) SPDY exec: stdout, stderr and exit code 3 in a v4 Status', async () => {
    const url = await execUrl(['sh', '-c', 'echo out; echo err >&2; exit 3'], { stdout: true, stderr: true });
    const { session, protocol } = await spdyUpgrade({ url, protocols: [...SPDY_REMOTECOMMAND_PROTOCOLS] });
    expect(protocol).toBe('v4.channel.k8s.io');
    const rc = spdyRemoteCommand(session, protocol, { stdout: true, stderr: true });
    const [out, err, status] = await Promise.all([collect(rc.stdout), collect(rc.stderr), rc.status]);
    session.close();
    expect(out).toBe('out\n');
    expect(err).toBe('err\n');
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(exitCodeOf(status)).toBe(3);
  });

  it('(b) SPDY exec: cat echoes stdin until the half-close, then exits 0; large input respects flow control', async () => {
    const url = await execUrl(['cat'], { stdin: true, stdout: true, stderr: true });
    const { session, protocol } = await spdyUpgrade({ url, protocols: [...SPDY_REMOTECOMMAND_PROTOCOLS] });
    const rc = spdyRemoteCommand(session, protocol, { stdin: true, stdout: true, stderr: true });
    // Well beyond the 64 KiB initial window, so the sender has to cope with the peer's window.
    const big = Buffer.alloc(300 * 1024, 'abcdefghij');
    const out = collect(rc.stdout);
    rc.stdin?.write('first line\n');
    rc.stdin?.write(big);
    rc.stdin?.end();
    const [text, errText, status] = await Promise.all([out, collect(rc.stderr), rc.status]);
    session.close();
    expect(text.length).toBe('first line\n'.length + big.length);
    expect(text.startsWith('first line\nabcdefghij')).toBe(true);
    expect(errText).toBe('');
    expect(status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('(c) SPDY exec with a TTY: one output stream, resize accepted', async () => {
    const url = await execUrl(['sh', '-c', 'stty size; tty; exit 0'], { stdin: true, stdout: true, tty: true });
    const { session, protocol } = await spdyUpgrade({ url, protocols: [...SPDY_REMOTECOMMAND_PROTOCOLS] });
    const rc = spdyRemoteCommand(session, protocol, { stdin: true, stdout: true, stderr: true, tty: true });
    expect(rc.stderr).toBeNull();
    expect(rc.resize).not.toBeNull();
    rc.resize?.write(JSON.stringify({ Width: 100, Height: 33 }));
    const [text, status] = await Promise.all([collect(rc.stdout), rc.status]);
    session.close();
    expect(text).toMatch(/\/dev\/pts\/\d+/);
    expect(status.status).toBe('Success');
  });

  describe('(d) serveExecWebSocket bridging a v5 WebSocket to containerd', () => {
    let server: http.Server;
    let base = '';
    beforeAll(async () => {
      // A stand-in for the API server + kubelet: the query names the command; the exec URL comes
      // from the CRI, as kubelet gets it.
      server = http.createServer((_req, res) => res.writeHead(404).end());
      server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams;
        const upstream = async (protocols: string[]) => {
          if (q.get('broken') === '1') return spdyUpgrade({ url: `${new URL(await execUrl(['true'], { stdout: true })).origin}/exec/no-such-token`, protocols });
          const url = await execUrl(q.getAll('command'), { stdin: q.get('stdin') === 'true', stdout: q.get('stdout') === 'true', stderr: q.get('stderr') === 'true', tty: q.get('tty') === 'true' });
          return spdyUpgrade({ url, protocols });
        };
        void serveExecWebSocket(req, socket, head, upstream);
      });
      base = `ws://127.0.0.1:${await listen(server)}/api/v1/namespaces/default/pods/p/exec`;
    });
    afterAll(async () => {
      if (server) await closeServer(server);
    });

    it('carries stdin, stdout, stderr and the exit code; [255, 0] closes stdin', async () => {
      const script = 'read line; echo "got:$line"; cat; echo to-err >&2; exit 5';
      const url = `${base}?${new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', script], ['stdin', 'true'], ['stdout', 'true'], ['stderr', 'true']])}`;
      const res = await wsExec(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], (ws) => {
        ws.send(Buffer.from('\x00hello\nrest of input'));
        ws.send(Buffer.from([255, 0]));
      });
      expect(res.protocol).toBe('v5.channel.k8s.io');
      expect(res.channels.get(1)?.toString()).toBe('got:hello\nrest of input');
      expect(res.channels.get(2)?.toString()).toBe('to-err\n');
      expect(res.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode' });
      expect(exitCodeOf(res.status as ExecStatus)).toBe(5);
      expect(res.closeCode).toBe(1000);
    });

    it('streams a large stdin (as kubectl cp does) without loss', async () => {
      const url = `${base}?${new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'wc -c'], ['stdin', 'true'], ['stdout', 'true']])}`;
      const big = Buffer.alloc(3 * 1024 * 1024, 'x');
      const res = await wsExec(url, ['v5.channel.k8s.io'], (ws) => {
        for (let off = 0; off < big.length; off += 32 * 1024) ws.send(Buffer.concat([Buffer.from([0]), big.subarray(off, off + 32 * 1024)]));
        ws.send(Buffer.from([255, 0]));
      });
      expect(res.channels.get(1)?.toString().trim()).toBe(String(big.length));
      expect(res.status?.status).toBe('Success');
      expect(res.closeCode).toBe(1000);
    });

    it('reports Success on channel 3 for exit 0, also over v4.channel.k8s.io', async () => {
      const url = `${base}?${new URLSearchParams([['command', 'echo'], ['command', 'hi'], ['stdout', 'true']])}`;
      const res = await wsExec(url, ['v4.channel.k8s.io'], () => undefined);
      expect(res.protocol).toBe('v4.channel.k8s.io');
      expect(res.channels.get(1)?.toString()).toBe('hi\n');
      expect(res.status).toEqual({ metadata: {}, status: 'Success' });
    });

    it('answers a plain HTTP error with a Status when the upstream cannot be dialed', async () => {
      const url = `${base}?${new URLSearchParams([['command', 'true'], ['stdout', 'true'], ['broken', '1']])}`;
      const err = (await wsExec(url, ['v5.channel.k8s.io'], () => undefined).catch((e: unknown) => e)) as { statusCode?: number; body?: string };
      expect(err.statusCode).toBeGreaterThanOrEqual(400);
      const body = JSON.parse(err.body ?? '{}') as ExecStatus;
      expect(body).toMatchObject({ kind: 'Status', status: 'Failure', code: err.statusCode });
      expect(body.message).toBeTruthy();
    });

    it('rejects requests without any stream and without a known subprotocol', async () => {
      const none = (await wsExec(`${base}?command=true`, ['v5.channel.k8s.io'], () => undefined).catch((e: unknown) => e)) as { statusCode?: number; body?: string };
      expect(none.statusCode).toBe(400);
      expect(JSON.parse(none.body ?? '{}')).toMatchObject({ reason: 'BadRequest', message: 'you must specify at least 1 of stdin, stdout, stderr' });
      const proto = (await wsExec(`${base}?command=true&stdout=true`, ['v9.channel.k8s.io'], () => undefined).catch((e: unknown) => e)) as { statusCode?: number };
      expect(proto.statusCode).toBe(400);
    });
  });

  it('(e) port-forward: tunnelled SPDY over a WebSocket, through proxyUpgrade to containerd', async () => {
    const kubelet = http.createServer((_req, res) => res.writeHead(404).end());
    kubelet.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      void cri.streaming.portForward(sandboxId, [8080]).then((target) => proxyUpgrade(req, socket, head, target));
    });
    const kubeletPort = await listen(kubelet);
    const apiserver = http.createServer((_req, res) => res.writeHead(404).end());
    apiserver.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      const upstream = async () => {
        const { socket: up, protocol } = await httpUpgrade({ url: `http://127.0.0.1:${kubeletPort}/portForward/default/p`, protocols: [PORT_FORWARD_PROTOCOL] });
        expect(protocol).toBe(PORT_FORWARD_PROTOCOL);
        return up;
      };
      void servePortForwardWebSocket(req, socket, head, upstream);
    });
    const apiPort = await listen(apiserver);
    try {
      const tunnel = await dialWebSocketTunnel(`http://127.0.0.1:${apiPort}/api/v1/namespaces/default/pods/p/portforward`, 'SPDY/3.1+portforward.k8s.io');
      expect(tunnel.protocol).toBe('SPDY/3.1+portforward.k8s.io');
      const session = new SpdySession(tunnel.stream);
      // What kubectl does per connection: an error stream it never writes to, then the data stream.
      for (const requestId of ['0', '1']) {
        const error = session.openStream({ streamtype: 'error', port: '8080', requestid: requestId });
        error.end();
        const data = session.openStream({ streamtype: 'data', port: '8080', requestid: requestId });
        data.on('error', () => undefined);
        data.end('GET /index.html HTTP/1.0\r\n\r\n');
        const [answer, errText] = await Promise.all([collect(data), collect(error)]);
        expect(answer).toMatch(/^HTTP\/1\.[01] 200 OK/);
        expect(answer).toContain('hello from the pod');
        expect(errText).toBe('');
      }
      session.close();
    } finally {
      await closeServer(apiserver);
      await closeServer(kubelet);
    }
  });

  it('proxyUpgrade relays a non-101 answer with its status and body', async () => {
    const kubelet = http.createServer((_req, res) => res.writeHead(404).end());
    kubelet.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
      void cri.streaming.exec({ containerId, cmd: ['true'], stdout: true }).then((target) => proxyUpgrade(req, socket, head, `${new URL(target).origin}/exec/no-such-token`));
    });
    const port = await listen(kubelet);
    try {
      const err = await spdyUpgrade({ url: `http://127.0.0.1:${port}/exec/default/p/app`, protocols: [...SPDY_REMOTECOMMAND_PROTOCOLS] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpgradeError);
      expect((err as UpgradeError).statusCode).toBe(404);
    } finally {
      await closeServer(kubelet);
    }
  });

  it('(f) SPDY attach: talks to the main process of a running container', async () => {
    const url = await cri.streaming.attach({ containerId: attachContainerId, stdin: true, stdout: true, stderr: true });
    const { session, protocol } = await spdyUpgrade({ url, protocols: [...SPDY_REMOTECOMMAND_PROTOCOLS] });
    const rc = spdyRemoteCommand(session, protocol, { stdin: true, stdout: true, stderr: true });
    const seen = new Promise<string>((resolve) => {
      let text = '';
      rc.stdout?.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('attach:ping')) resolve(text);
      });
    });
    rc.stdin?.write('ping\n');
    expect(await seen).toContain('attach:ping');
    // Detaching must not stop the container.
    session.close();
    const { status } = await cri.containers.containerStatus(attachContainerId);
    expect(status.state).toBe('CONTAINER_RUNNING');
  });

  describe('(g) the real kubectl against a tiny API server built on these functions', () => {
    let server: http.Server;
    let server_url = '';
    let home = '';
    const json = (res: http.ServerResponse, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
    };
    beforeAll(async () => {
      home = await mkdtemp(join(TEST_TMP_BASE, 'tskube-kubectl-'));
      const pod = {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { name: 'p', namespace: 'default', uid },
        spec: { containers: [{ name: 'app', image: 'busybox' }, { name: 'web', image: 'busybox' }] },
        status: { phase: 'Running' },
      };
      server = http.createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (path === '/api') return json(res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
        if (path === '/apis') return json(res, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
        if (path === '/api/v1') {
          return json(res, {
            kind: 'APIResourceList',
            groupVersion: 'v1',
            resources: [
              { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
              { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
              { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
            ],
          });
        }
        if (path === '/api/v1/namespaces/default/pods/p') return json(res, pod);
        const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` });
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(body);
      });
      server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
        const u = new URL(req.url ?? '/', 'http://x');
        const q = u.searchParams;
        if (u.pathname === '/api/v1/namespaces/default/pods/p/exec') {
          const runtimeUrl = (): Promise<string> => {
            const flags = parseStreamOptions(req.url ?? '/');
            return cri.streaming.exec({ containerId: q.get('container') === 'web' ? '0'.repeat(64) : containerId, cmd: q.getAll('command'), ...flags });
          };
          if (req.headers.upgrade?.toLowerCase() === 'websocket') {
            void serveExecWebSocket(req, socket, head, async (protocols) => spdyUpgrade({ url: await runtimeUrl(), protocols }));
          } else {
            // kubectl's fallback after a failed WebSocket upgrade: SPDY, proxied as is.
            runtimeUrl().then(
              (url) => proxyUpgrade(req, socket, head, url),
              (err: unknown) => writeStatusToSocket(socket, statusFromError(err)),
            );
          }
        } else if (u.pathname === '/api/v1/namespaces/default/pods/p/portforward') {
          if (req.headers.upgrade?.toLowerCase() === 'websocket') {
            void servePortForwardWebSocket(req, socket, head, async () => {
              const url = await cri.streaming.portForward(sandboxId, []);
              return (await httpUpgrade({ url, protocols: [PORT_FORWARD_PROTOCOL] })).socket;
            });
          } else {
            void cri.streaming.portForward(sandboxId, []).then((url) => proxyUpgrade(req, socket, head, url));
          }
        } else {
          socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        }
      });
      server_url = `http://127.0.0.1:${await listen(server)}`;
    });
    afterAll(async () => {
      if (server) await closeServer(server);
      if (home) await rm(home, { recursive: true, force: true });
    });
    const kubectlEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECACHEDIR: join(home, 'cache') });

    it('kubectl exec: output, stdin, and the exit code of the command', async () => {
      const r = await execa('/usr/bin/kubectl', ['--server', server_url, 'exec', '-i', 'p', '-c', 'app', '--', 'sh', '-c', 'cat; echo to-err >&2; exit 4'], {
        env: kubectlEnv(),
        extendEnv: false,
        input: 'via kubectl\n',
        reject: false,
        timeout: 60_000,
      });
      expect(r.stdout).toBe('via kubectl');
      expect(r.stderr).toContain('to-err');
      expect(r.exitCode).toBe(4);
      const ok = await execa('/usr/bin/kubectl', ['--server', server_url, 'exec', 'p', '-c', 'app', '--', 'echo', 'fine'], { env: kubectlEnv(), extendEnv: false, reject: false, timeout: 60_000 });
      expect(ok.stdout).toBe('fine');
      expect(ok.exitCode).toBe(0);
    });

    it('kubectl exec and port-forward over SPDY (the pre-WebSocket path) through proxyUpgrade', async () => {
      const env = { ...kubectlEnv(), KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
      const r = await execa('/usr/bin/kubectl', ['--server', server_url, 'exec', '-i', 'p', '-c', 'app', '--', 'sh', '-c', 'cat; exit 6'], {
        env,
        extendEnv: false,
        input: 'over spdy',
        reject: false,
        timeout: 60_000,
      });
      expect(r.stdout).toBe('over spdy');
      expect(r.exitCode).toBe(6);
      await portForwardAndGet(env);
    });

    it('kubectl exec: prints the error of a failed dial', async () => {
      const r = await execa('/usr/bin/kubectl', ['--server', server_url, 'exec', 'p', '-c', 'web', '--', 'true'], { env: kubectlEnv(), extendEnv: false, reject: false, timeout: 60_000 });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/Error from server \(NotFound\):.*not found/);
    });

    it('kubectl port-forward: HTTP through the tunnelled SPDY session', async () => {
      await portForwardAndGet(kubectlEnv());
    });

    async function portForwardAndGet(env: Record<string, string>): Promise<void> {
      const pf = execa('/usr/bin/kubectl', ['--server', server_url, 'port-forward', 'pod/p', ':8080'], { env, extendEnv: false, reject: false });
      try {
        const localPort = await new Promise<number>((resolve, reject) => {
          let out = '';
          pf.stdout?.on('data', (c: Buffer) => {
            out += c.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          void pf.then((r) => reject(new Error(`kubectl port-forward exited: ${String(r.stderr)}`)));
        });
        for (let i = 0; i < 2; i++) {
          const body = await new Promise<string>((resolve, reject) => {
            http.get({ host: '127.0.0.1', port: localPort, path: '/index.html', agent: false }, (res) => {
              void collect(res).then(resolve, reject);
            }).on('error', reject);
          });
          expect(body).toContain('hello from the pod');
        }
      } finally {
        pf.kill('SIGTERM');
        await pf;
      }
    }
  });
});
