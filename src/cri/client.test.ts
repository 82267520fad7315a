import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCriClient, CriError, isCancelled, isDeadlineExceeded, isNotFound, isUnavailable, type CriClient } from './index.js';
import { toCriError } from './errors.js';

// A real gRPC server speaking our proto on a unix socket: the client is tested over the wire, with
// behaviours (errors, hangs, restarts) that a real containerd cannot be asked to produce on demand.
const protoPath = fileURLToPath(new URL('../../proto/cri/api.proto', import.meta.url));
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: false, longs: String, enums: String, defaults: true })) as unknown as {
  runtime: { v1: { RuntimeService: { service: grpc.ServiceDefinition }; ImageService: { service: grpc.ServiceDefinition } } };
};

type Handler = (req: Record<string, unknown>) => Promise<unknown> | unknown;
interface FakeServer { socket: string; calls: string[]; handlers: Map<string, Handler>; stop(): Promise<void>; start(): Promise<void> }

function grpcError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

async function startServer(socket: string, handlers = new Map<string, Handler>(), calls: string[] = []): Promise<FakeServer> {
  let server = new grpc.Server();
  const impl = (service: grpc.ServiceDefinition): grpc.UntypedServiceImplementation => {
    const out: grpc.UntypedServiceImplementation = {};
    for (const [method, def] of Object.entries(service)) {
      if (def.responseStream) continue;
      out[method] = ((call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        calls.push(def.originalName ?? method);
        const h = handlers.get(method) ?? handlers.get(def.originalName ?? '');
        if (!h) return cb(grpcError(grpc.status.UNIMPLEMENTED, `${method} not implemented`));
        Promise.resolve()
          .then(() => h(call.request))
          .then((res) => cb(null, res), (err: grpc.ServiceError) => cb(err));
      }) as grpc.handleUnaryCall<unknown, unknown>;
    }
    return out;
  };
  const self: FakeServer = {
    socket, calls, handlers,
    async start() {
      server = new grpc.Server();
      server.addService(pkg.runtime.v1.RuntimeService.service, impl(pkg.runtime.v1.RuntimeService.service));
      server.addService(pkg.runtime.v1.ImageService.service, impl(pkg.runtime.v1.ImageService.service));
      await new Promise<void>((resolve, reject) =>
        server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
      );
    },
    async stop() {
      server.forceShutdown();
      rmSync(socket, { force: true });
    },
  };
  await self.start();
  return self;
}

describe('CRI client over gRPC', () => {
  let dir: string;
  let server: FakeServer;
  let client: CriClient;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-cri-'));
    server = await startServer(join(dir, 'cri.sock'));
    client = createCriClient({ endpoint: server.socket, timeoutMs: 2_000, retryWindowMs: 3_000 });
  });
  afterEach(async () => {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('speaks the wire format: version and 64-bit timestamps without rounding', async () => {
    server.handlers.set('Version', () => ({ version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1' }));
    server.handlers.set('ContainerStatus', () => ({
      status: {
        id: 'c1', state: 'CONTAINER_EXITED', createdAt: '1763765090814382713', startedAt: '1763765090900000001',
        finishedAt: '9007199254740993123', exitCode: 137, reason: 'OOMKilled', metadata: { name: 'app', attempt: 2 },
        image: { image: 'busybox' }, labels: { a: 'b' },
      },
      info: {},
    }));
    expect(await client.runtime.version()).toEqual({ version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20', runtimeApiVersion: 'v1' });
    const { status } = await client.containers.containerStatus('c1');
    expect(status.createdAt).toBe(1763765090814382713n);
    expect(status.finishedAt).toBe(9007199254740993123n);
    expect(status).toMatchObject({ id: 'c1', state: 'CONTAINER_EXITED', exitCode: 137, reason: 'OOMKilled', metadata: { name: 'app', attempt: 2 }, image: 'busybox', labels: { a: 'b' } });
  });

  it('maps gRPC status codes to stable CriError codes with the runtime message', async () => {
    server.handlers.set('ContainerStatus', () => { throw grpcError(grpc.status.NOT_FOUND, 'an error occurred when try to find container "x": not found'); });
    server.handlers.set('PullImage', () => { throw grpcError(grpc.status.UNKNOWN, 'failed to pull and unpack image "nope": not found'); });
    const err = await client.containers.containerStatus('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CriError);
    expect(isNotFound(err)).toBe(true);
    expect((err as CriError).method).toBe('RuntimeService/ContainerStatus');
    expect((err as CriError).message).toContain('try to find container "x"');
    const pull = await client.images.pullImage({ image: 'nope' }).catch((e: unknown) => e);
    expect(pull).toMatchObject({ code: 'Unknown', details: 'failed to pull and unpack image "nope": not found' });
  });

  it('gives Unimplemented for RPCs the runtime lacks, so callers can fall back', async () => {
    await expect(client.runtime.status()).rejects.toMatchObject({ code: 'Unimplemented' });
  });

  it('enforces a per-call deadline on a hung call', async () => {
    server.handlers.set('ListContainers', () => new Promise(() => undefined));
    const started = Date.now();
    const err = await client.containers.listContainers(undefined, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(isDeadlineExceeded(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it('cancels a call when its signal aborts, and refuses to start with an aborted signal', async () => {
    server.handlers.set('ListPodSandbox', () => new Promise(() => undefined));
    const ac = new AbortController();
    const pending = client.sandboxes.listPodSandbox(undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('shutting down')), 100);
    const err = await pending.catch((e: unknown) => e);
    expect(isCancelled(err)).toBe(true);
    expect((err as CriError).cause).toEqual(new Error('shutting down'));
    await expect(client.runtime.version({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'Cancelled' });
    expect(server.calls.filter((c) => c === 'Version')).toHaveLength(0);
  });

  it('retries safe calls across a runtime restart', async () => {
    let n = 0;
    server.handlers.set('ListContainers', () => ({ containers: [{ id: `c${++n}`, podSandboxId: 's', state: 'CONTAINER_RUNNING', createdAt: '1' }] }));
    expect((await client.containers.listContainers())[0]?.id).toBe('c1');
    await server.stop();
    setTimeout(() => void server.start(), 400);
    expect((await client.containers.listContainers())[0]?.id).toBe('c2');
  });

  it('repeats an unsafe call only when it never reached the runtime', async () => {
    let created = 0;
    server.handlers.set('CreateContainer', () => ({ containerId: `new${++created}` }));
    expect(await client.containers.createContainer('s', {}, {})).toBe('new1');
    // Runtime gone: the call is held back (never sent) and goes through once it is back.
    await server.stop();
    setTimeout(() => void server.start(), 400);
    expect(await client.containers.createContainer('s', {}, {})).toBe('new2');
    // The runtime itself answered Unavailable: the request was seen, so it is not repeated.
    server.handlers.set('CreateContainer', () => { created++; throw grpcError(grpc.status.UNAVAILABLE, 'shim is restarting'); });
    await expect(client.containers.createContainer('s', {}, {})).rejects.toMatchObject({ code: 'Unavailable', details: 'shim is restarting' });
    expect(created).toBe(3);
    // The same answer to a safe call is retried until the window closes.
    let versions = 0;
    server.handlers.set('Version', () => { versions++; throw grpcError(grpc.status.UNAVAILABLE, 'busy'); });
    const quick = createCriClient({ endpoint: server.socket, retryWindowMs: 500 });
    await expect(quick.runtime.version()).rejects.toSatisfy(isUnavailable);
    expect(versions).toBeGreaterThan(1);
    quick.close();
  });

  it('stops retrying a safe call once its retry window is over', async () => {
    await server.stop();
    const short = createCriClient({ endpoint: server.socket, retryWindowMs: 300 });
    const started = Date.now();
    await expect(short.runtime.version()).rejects.toMatchObject({ code: 'Unavailable' });
    expect(Date.now() - started).toBeLessThan(2_000);
    short.close();
    await server.start();
  });

  it('rejects bad options with RangeError', () => {
    expect(() => createCriClient({ endpoint: 'relative.sock' })).toThrow(RangeError);
    expect(() => createCriClient({ endpoint: '/x.sock', timeoutMs: -1 })).toThrow(RangeError);
  });
});

describe('toCriError', () => {
  it('keeps CriErrors, wraps plain errors as Unknown with the cause', () => {
    const own = new CriError('NotFound', 'm', 'x');
    expect(toCriError('m', own)).toBe(own);
    const plain = new Error('boom');
    const wrapped = toCriError('RuntimeService/Version', plain);
    expect(wrapped).toMatchObject({ code: 'Unknown', method: 'RuntimeService/Version', message: 'RuntimeService/Version: boom' });
    expect(wrapped.cause).toBe(plain);
  });
});
