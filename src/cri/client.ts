import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from 'pino';
import { silentLogger } from '../lib/logger.js';
import * as convert from './convert.js';
import { CriError, toCriError } from './errors.js';
import type { ProtoGrpcType } from './generated/api.js';
import type { ContainerEventResponse__Output } from './generated/runtime/v1/ContainerEventResponse.js';
import type {
  CallOptions,
  ContainerService,
  CriRuntime,
  ImageService,
  RuntimeInfoService,
  SandboxService,
  StatsService,
  StreamingService,
} from './types.js';

export interface CriClientOptions {
  /** The runtime's socket: a path (`/run/containerd/containerd.sock`) or a `unix://` URL. */
  endpoint: string;
  /** Default deadline of a call in ms (upstream's `--runtime-request-timeout`); default 120000. */
  timeoutMs?: number;
  /** Default deadline of a PullImage in ms; default 600000. */
  pullTimeoutMs?: number;
  /**
   * How long a call that is safe to repeat (reads, Stop*, Remove*) keeps retrying while the runtime
   * is unreachable (code Unavailable), e.g. across a containerd restart; bounded by the call's own
   * deadline. Default 10000; 0 disables retries.
   */
  retryWindowMs?: number;
  /** Largest message accepted from the runtime; default 16 MiB, as upstream. */
  maxMessageBytes?: number;
  logger?: Logger;
}

/** A CRI runtime reached over gRPC; `close()` releases the connection. */
export interface CriClient extends CriRuntime {
  readonly endpoint: string;
  close(): void;
}

const PROTO_PATH = fileURLToPath(new URL('../../proto/cri/api.proto', import.meta.url));
let loaded: ProtoGrpcType | undefined;

function loadProto(): ProtoGrpcType {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO_PATH, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true }),
  ) as unknown as ProtoGrpcType;
  return loaded;
}

/**
 * Calls that can be repeated without changing the outcome, so they are retried through restarts even
 * when the runtime may have seen the first attempt.
 */
const SAFE_TO_RETRY = new Set([
  'Version', 'Status', 'ListPodSandbox', 'PodSandboxStatus', 'ListContainers', 'ContainerStatus',
  'ContainerStats', 'ListContainerStats', 'PodSandboxStats', 'ListPodSandboxStats', 'StopPodSandbox',
  'RemovePodSandbox', 'StopContainer', 'RemoveContainer', 'ListImages', 'ImageStatus', 'ImageFsInfo',
  'PullImage', 'RemoveImage', 'UpdateRuntimeConfig', 'ReopenContainerLog', 'UpdateContainerResources',
]);

type UnaryCallback<Res> = (err: grpc.ServiceError | null, res?: Res) => void;
type UnaryMethod<Req, Res> = (
  req: Req,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: UnaryCallback<Res>,
) => grpc.ClientUnaryCall;

function toTarget(endpoint: string): string {
  if (endpoint.startsWith('unix:')) return endpoint;
  if (!endpoint.startsWith('/')) throw new RangeError(`CRI endpoint must be an absolute socket path or unix:// URL, got "${endpoint}"`);
  return `unix://${endpoint}`;
}

function positiveOr(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}

/** grpc-js fails a call fast, before sending it, while the channel has no connection. */
function neverSent(err: CriError): boolean {
  return err.details.startsWith('No connection established');
}

/**
 * Creates a CRI client. No connection is made until the first call; the connection re-establishes
 * itself after the runtime restarts.
 */
export function createCriClient(options: CriClientOptions): CriClient {
  const target = toTarget(options.endpoint);
  const timeoutMs = positiveOr(options.timeoutMs, 120_000, 'timeoutMs');
  const pullTimeoutMs = positiveOr(options.pullTimeoutMs, 600_000, 'pullTimeoutMs');
  const retryWindowMs = positiveOr(options.retryWindowMs, 10_000, 'retryWindowMs');
  const maxMessageBytes = positiveOr(options.maxMessageBytes, 16 * 1024 * 1024, 'maxMessageBytes');
  const log = (options.logger ?? silentLogger()).child({ cri: options.endpoint });

  const proto = loadProto().runtime.v1;
  const channel = new grpc.Channel(target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    // grpc-js backs off up to 120 s by default; a restarted containerd should be found again fast.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2_000,
  });
  const runtimeClient = new proto.RuntimeService(target, grpc.credentials.createInsecure(), { channelOverride: channel });
  const imageClient = new proto.ImageService(target, grpc.credentials.createInsecure(), { channelOverride: channel });

  /** One unary call with deadline, cancellation and, for safe methods, retry while Unavailable. */
  async function call<Req, Res>(
    service: 'RuntimeService' | 'ImageService',
    method: string,
    req: Req,
    opts: CallOptions = {},
    defaultTimeoutMs = timeoutMs,
  ): Promise<Res> {
    const name = `${service}/${method}`;
    const client = (service === 'RuntimeService' ? runtimeClient : imageClient) as unknown as Record<string, UnaryMethod<Req, Res>>;
    const fn = client[method];
    if (!fn) throw new CriError('Unimplemented', name, 'method is not in tskube\'s CRI definition');
    const deadline = Date.now() + positiveOr(opts.timeoutMs, defaultTimeoutMs, 'timeoutMs');
    const retryUntil = Math.min(deadline, Date.now() + retryWindowMs);
    const { signal } = opts;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new CriError('Cancelled', name, 'call aborted by caller', { cause: signal.reason });
      try {
        return await new Promise<Res>((resolve, reject) => {
          const onAbort = (): void => unary.cancel();
          const unary = fn.call(client, req, new grpc.Metadata(), { deadline }, (err, res) => {
            signal?.removeEventListener('abort', onAbort);
            if (err) reject(err);
            else resolve(res as Res);
          });
          signal?.addEventListener('abort', onAbort, { once: true });
        });
      } catch (err) {
        const criErr = toCriError(name, err);
        if (criErr.code === 'Cancelled' && signal?.aborted) {
          throw new CriError('Cancelled', name, 'call aborted by caller', { cause: signal.reason });
        }
        // A call that never reached the runtime may always be repeated; one that may have reached it
        // only when the method is safe to repeat.
        const retryable = criErr.code === 'Unavailable' && (SAFE_TO_RETRY.has(method) || neverSent(criErr));
        if (!retryable || Date.now() >= retryUntil) throw criErr;
        log.debug({ method: name, attempt, err: criErr.details }, 'runtime unavailable, retrying');
        await waitForChannel(Math.min(retryUntil, Date.now() + Math.min(50 * 2 ** attempt, 1_000)), signal);
      }
    }
  }

  /** Resolves when the channel is connected, at `until`, or on abort, whichever comes first. */
  function waitForChannel(until: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, until - Date.now()));
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
      runtimeClient.waitForReady(until, () => done());
    });
  }

  const sandboxes: SandboxService = {
    async runPodSandbox(config, opts = {}) {
      const res = await call<object, { podSandboxId: string }>('RuntimeService', 'RunPodSandbox', { config, runtimeHandler: opts.runtimeHandler ?? '' }, opts);
      return res.podSandboxId;
    },
    async stopPodSandbox(podSandboxId, opts) {
      await call('RuntimeService', 'StopPodSandbox', { podSandboxId }, opts);
    },
    async removePodSandbox(podSandboxId, opts) {
      await call('RuntimeService', 'RemovePodSandbox', { podSandboxId }, opts);
    },
    async podSandboxStatus(podSandboxId, opts = {}) {
      type Res = { status: Parameters<typeof convert.podSandboxStatus>[0] | null; info: Record<string, string> };
      const res = await call<object, Res>('RuntimeService', 'PodSandboxStatus', { podSandboxId, verbose: opts.verbose ?? false }, opts);
      if (!res.status) throw new CriError('Internal', 'RuntimeService/PodSandboxStatus', `runtime returned no status for ${podSandboxId}`);
      return { status: convert.podSandboxStatus(res.status), info: res.info ?? {} };
    },
    async listPodSandbox(filter, opts) {
      type Res = { items: Parameters<typeof convert.podSandbox>[0][] };
      const res = await call<object, Res>('RuntimeService', 'ListPodSandbox', { filter: filter ?? null }, opts);
      return res.items.map(convert.podSandbox);
    },
  };

  const containers: ContainerService = {
    async createContainer(podSandboxId, config, sandboxConfig, opts) {
      const res = await call<object, { containerId: string }>('RuntimeService', 'CreateContainer', { podSandboxId, config, sandboxConfig }, opts);
      return res.containerId;
    },
    async startContainer(containerId, opts) {
      await call('RuntimeService', 'StartContainer', { containerId }, opts);
    },
    async stopContainer(containerId, timeoutSeconds, opts) {
      // The grace period runs inside the call: give the deadline room for it, as upstream does.
      await call('RuntimeService', 'StopContainer', { containerId, timeout: timeoutSeconds }, opts, timeoutMs + timeoutSeconds * 1000);
    },
    async removeContainer(containerId, opts) {
      await call('RuntimeService', 'RemoveContainer', { containerId }, opts);
    },
    async listContainers(filter, opts) {
      type Res = { containers: Parameters<typeof convert.container>[0][] };
      const res = await call<object, Res>('RuntimeService', 'ListContainers', { filter: filter ?? null }, opts);
      return res.containers.map(convert.container);
    },
    async containerStatus(containerId, opts = {}) {
      type Res = { status: Parameters<typeof convert.containerStatus>[0] | null; info: Record<string, string> };
      const res = await call<object, Res>('RuntimeService', 'ContainerStatus', { containerId, verbose: opts.verbose ?? false }, opts);
      if (!res.status) throw new CriError('Internal', 'RuntimeService/ContainerStatus', `runtime returned no status for ${containerId}`);
      return { status: convert.containerStatus(res.status), info: res.info ?? {} };
    },
    async updateContainerResources(containerId, linux, opts) {
      await call('RuntimeService', 'UpdateContainerResources', { containerId, linux }, opts);
    },
    async reopenContainerLog(containerId, opts) {
      await call('RuntimeService', 'ReopenContainerLog', { containerId }, opts);
    },
    async execSync(containerId, cmd, timeoutSeconds, opts) {
      type Res = { stdout: Buffer; stderr: Buffer; exitCode: number };
      const res = await call<object, Res>('RuntimeService', 'ExecSync', { containerId, cmd, timeout: timeoutSeconds }, opts, timeoutMs + timeoutSeconds * 1000);
      return { stdout: res.stdout, stderr: res.stderr, exitCode: res.exitCode };
    },
  };

  const streaming: StreamingService = {
    async exec(req, opts) {
      const body = { containerId: req.containerId, cmd: req.cmd, tty: !!req.tty, stdin: !!req.stdin, stdout: req.stdout ?? true, stderr: req.stderr ?? !req.tty };
      return (await call<object, { url: string }>('RuntimeService', 'Exec', body, opts)).url;
    },
    async attach(req, opts) {
      const body = { containerId: req.containerId, tty: !!req.tty, stdin: !!req.stdin, stdout: req.stdout ?? true, stderr: req.stderr ?? !req.tty };
      return (await call<object, { url: string }>('RuntimeService', 'Attach', body, opts)).url;
    },
    async portForward(podSandboxId, port, opts) {
      return (await call<object, { url: string }>('RuntimeService', 'PortForward', { podSandboxId, port }, opts)).url;
    },
  };

  const stats: StatsService = {
    async containerStats(containerId, opts) {
      type Res = { stats: Parameters<typeof convert.containerStats>[0] | null };
      const res = await call<object, Res>('RuntimeService', 'ContainerStats', { containerId }, opts);
      if (!res.stats) throw new CriError('NotFound', 'RuntimeService/ContainerStats', `no stats for container ${containerId}`);
      return convert.containerStats(res.stats);
    },
    async listContainerStats(filter, opts) {
      type Res = { stats: Parameters<typeof convert.containerStats>[0][] };
      const res = await call<object, Res>('RuntimeService', 'ListContainerStats', { filter: filter ?? null }, opts);
      return res.stats.map(convert.containerStats);
    },
    async podSandboxStats(podSandboxId, opts) {
      type Res = { stats: Parameters<typeof convert.podSandboxStats>[0] | null };
      const res = await call<object, Res>('RuntimeService', 'PodSandboxStats', { podSandboxId }, opts);
      if (!res.stats) throw new CriError('NotFound', 'RuntimeService/PodSandboxStats', `no stats for sandbox ${podSandboxId}`);
      return convert.podSandboxStats(res.stats);
    },
    async listPodSandboxStats(filter, opts) {
      type Res = { stats: Parameters<typeof convert.podSandboxStats>[0][] };
      const res = await call<object, Res>('RuntimeService', 'ListPodSandboxStats', { filter: filter ?? null }, opts);
      return res.stats.map(convert.podSandboxStats);
    },
  };

  const runtime: RuntimeInfoService = {
    async version(opts) {
      type Res = { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string };
      const res = await call<object, Res>('RuntimeService', 'Version', { version: 'v1' }, opts);
      return { version: res.version, runtimeName: res.runtimeName, runtimeVersion: res.runtimeVersion, runtimeApiVersion: res.runtimeApiVersion };
    },
    async status(opts = {}) {
      type Res = { status: { conditions: { type: string; status: boolean; reason: string; message: string }[] } | null; info: Record<string, string> };
      const res = await call<object, Res>('RuntimeService', 'Status', { verbose: opts.verbose ?? false }, opts);
      return {
        conditions: (res.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
        info: res.info ?? {},
      };
    },
    async updateRuntimeConfig(podCidr, opts) {
      await call('RuntimeService', 'UpdateRuntimeConfig', { runtimeConfig: { networkConfig: { podCidr } } }, opts);
    },
    containerEvents(signal) {
      return containerEventStream(signal);
    },
  };

  async function* containerEventStream(signal: AbortSignal): AsyncGenerator<import('./types.js').ContainerEvent> {
    const name = 'RuntimeService/GetContainerEvents';
    if (signal.aborted) return;
    const stream = runtimeClient.GetContainerEvents({});
    const onAbort = (): void => stream.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const ev of stream as AsyncIterable<ContainerEventResponse__Output>) yield convert.containerEvent(ev);
    } catch (err) {
      if (signal.aborted) return;
      throw toCriError(name, err);
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.cancel();
    }
  }

  const images: ImageService = {
    async listImages(filter, opts) {
      type Res = { images: Parameters<typeof convert.image>[0][] };
      const res = await call<object, Res>('ImageService', 'ListImages', { filter: filter ?? null }, opts);
      return res.images.map(convert.image);
    },
    async imageStatus(image, opts) {
      type Res = { image: Parameters<typeof convert.image>[0] | null };
      const res = await call<object, Res>('ImageService', 'ImageStatus', { image, verbose: false }, opts);
      return res.image && res.image.id ? convert.image(res.image) : null;
    },
    async pullImage(image, opts = {}) {
      const req = { image, auth: opts.auth ?? null, sandboxConfig: opts.sandboxConfig ?? null };
      return (await call<object, { imageRef: string }>('ImageService', 'PullImage', req, opts, pullTimeoutMs)).imageRef;
    },
    async removeImage(image, opts) {
      await call('ImageService', 'RemoveImage', { image }, opts);
    },
    async imageFsInfo(opts) {
      type Fs = Parameters<typeof convert.filesystemUsage>[0];
      const res = await call<object, { imageFilesystems: Fs[]; containerFilesystems: Fs[] }>('ImageService', 'ImageFsInfo', {}, opts);
      return {
        imageFilesystems: res.imageFilesystems.map(convert.filesystemUsage),
        containerFilesystems: res.containerFilesystems.map(convert.filesystemUsage),
      };
    },
  };

  return {
    endpoint: options.endpoint,
    sandboxes,
    containers,
    streaming,
    stats,
    runtime,
    images,
    close() {
      runtimeClient.close();
      imageClient.close();
      channel.close();
    },
  };
}
