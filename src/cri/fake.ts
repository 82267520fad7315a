/**
 * A stateful, in-memory `CriRuntime` for unit tests of the kubelet (pod workers, PLEG, GC). It keeps
 * sandboxes, containers and images in maps and follows containerd's CRI where callers can tell the
 * difference: name reservation, idempotent stop/remove, force-stop on remove, pod IPs that vanish
 * when the sandbox stops, sandbox lifecycle reported as container events.
 *
 * Test controls live on `fake.controls`, apart from the CRI surface, so code under test can be given
 * the fake as a plain `CriRuntime`. Not simulated: grace periods (stopContainer is instant), process
 * output, real stats, runtime handlers (any name is accepted).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CriError, type CriErrorCode } from './errors.js';
import type {
  CallOptions,
  Container,
  ContainerEvent,
  ContainerEventType,
  ContainerState,
  ContainerStats,
  ContainerStatus,
  CriRuntime,
  Image,
  Labels,
  LinuxContainerResources,
  NamespaceMode,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxMetadata,
  PodSandboxStats,
  PodSandboxStatus,
  RuntimeCondition,
  SandboxState,
} from './types.js';

/** A CRI method as `service.method`, e.g. `containers.startContainer`. */
export type FakeMethod = {
  [S in keyof CriRuntime]: `${S}.${Extract<keyof CriRuntime[S], string>}`;
}[keyof CriRuntime];

export interface FakeCall {
  method: FakeMethod;
  /** Positional arguments; per-call options other than `signal`/`timeoutMs` are appended as one object. */
  args: unknown[];
}

export interface FakeExecResult {
  exitCode?: number;
  stdout?: string | Buffer;
  stderr?: string | Buffer;
}

/** What execSync returns for one container: a fixed result or one computed from the command. */
export type FakeExecHandler = FakeExecResult | ((cmd: string[]) => FakeExecResult);

/** Programmable stats of a running container; unset values are 0. */
export interface FakeContainerStats {
  cpuUsageCoreNanoSeconds?: number;
  cpuUsageNanoCores?: number;
  memoryWorkingSetBytes?: number;
  memoryUsageBytes?: number;
  memoryRssBytes?: number;
  memoryAvailableBytes?: number;
  writableLayerBytes?: number;
  writableLayerInodes?: number;
}

export interface FakeRuntimeOptions {
  /** Clock for every timestamp, ns since the epoch. Default: the wall clock at ms resolution. */
  now?: () => bigint;
  /** true: containerEvents streams; false: it rejects with Unimplemented, like containerd 1.6. Default false. */
  events?: boolean;
  /** Deadline of hung or slow calls that pass no `timeoutMs`, like the real client. Default 120_000. */
  timeoutMs?: number;
  /** Exit code of a container stopped by stopContainer (killed after its grace period). Default 137. */
  stopExitCode?: number;
  /** Image references present from the start. */
  images?: string[];
}

/** Test-only levers. Methods taking an id throw a plain Error for unknown ids (a bug in the test). */
export interface FakeControls {
  /** Every CRI call in order, including failed ones. Live array. */
  readonly calls: readonly FakeCall[];
  clearCalls(): void;
  /** The args of every call to `method`. */
  callsTo(method: FakeMethod): unknown[][];
  /** The container's process dies: RUNNING -> EXITED. Reason defaults to Completed (0) / Error. */
  exitContainer(id: string, exit: { exitCode: number; reason?: string; message?: string }): void;
  /** Exit code this container reports when stopped through stopContainer. */
  setStopExitCode(id: string, exitCode: number): void;
  setExecResult(containerId: string, handler: FakeExecHandler): void;
  /** Merges into the container's stats. */
  setContainerStats(containerId: string, stats: FakeContainerStats): void;
  /** Makes an image present; returns its id. A deterministic id is derived from `ref` unless given. */
  addImage(ref: string, image?: { id?: string; size?: number; pinned?: boolean }): string;
  /**
   * Lets pullImage succeed for `ref` (adding the image). Pulling a ref that is neither pullable nor
   * present fails like a registry's "not found"; pulling a present image succeeds from the cache.
   */
  setPullable(ref: string, image?: { id?: string; size?: number }): void;
  /** The next `times` calls to `method` reject with `error` (FIFO across injections). */
  injectError(method: FakeMethod, error: CriError | CriErrorCode, times?: number): void;
  /** Delays every call to `method` by `ms` (0 removes); the call's signal and deadline still apply. */
  setLatency(method: FakeMethod, ms: number): void;
  /** Calls to `method` wait until unhang, their signal aborts (Cancelled) or their deadline (DeadlineExceeded). */
  hang(method: FakeMethod): void;
  /** Lets waiting and future calls to `method` proceed. */
  unhang(method: FakeMethod): void;
  setRuntimeCondition(type: 'RuntimeReady' | 'NetworkReady', status: boolean, reason?: string, message?: string): void;
  /** Open event streams fail with `error` (default Unavailable) after delivering what they hold. */
  breakEventStreams(error?: CriError): void;
  sandboxList(): PodSandboxStatus[];
  containerList(): Array<ContainerStatus & { podSandboxId: string }>;
  /** The pod CIDR last given to updateRuntimeConfig, '' before. */
  podCidr(): string;
}

export interface FakeRuntime extends CriRuntime {
  readonly controls: FakeControls;
}

const STREAMING_BASE = 'http://127.0.0.1:10010';
const SNAPSHOT_ROOT = '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs';
const MODES: readonly NamespaceMode[] = ['POD', 'CONTAINER', 'NODE', 'TARGET'];
const CONTAINER_STATES: readonly ContainerState[] = ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'];
const SANDBOX_STATES: readonly SandboxState[] = ['SANDBOX_READY', 'SANDBOX_NOTREADY'];
const ZERO_STATS: Required<FakeContainerStats> = {
  cpuUsageCoreNanoSeconds: 0,
  cpuUsageNanoCores: 0,
  memoryWorkingSetBytes: 0,
  memoryUsageBytes: 0,
  memoryRssBytes: 0,
  memoryAvailableBytes: 0,
  writableLayerBytes: 0,
  writableLayerInodes: 0,
};
/** containerd's words when a condition turns false. */
const NOT_READY = {
  RuntimeReady: { reason: 'RuntimeNotReady', message: 'runtime is not ready' },
  NetworkReady: { reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' },
} as const;

// ---- small pure helpers ----

/** `containers.startContainer` -> `RuntimeService/StartContainer`, the name a CriError carries. */
export function grpcMethodName(method: FakeMethod): string {
  if (method === 'runtime.containerEvents') return 'RuntimeService/GetContainerEvents';
  const dot = method.indexOf('.');
  const service = method.startsWith('images.') ? 'ImageService' : 'RuntimeService';
  return `${service}/${method.charAt(dot + 1).toUpperCase()}${method.slice(dot + 2)}`;
}

/** containerd's reference normalisation: `nginx` -> `docker.io/library/nginx:latest`. */
export function normalizeImageRef(ref: string): string {
  if (ref.startsWith('sha256:')) return ref;
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = first.includes('.') || first.includes(':') || first === 'localhost';
  let repo = hasDomain ? name : `docker.io/${name}`;
  if (repo.startsWith('docker.io/') && !repo.slice('docker.io/'.length).includes('/')) {
    repo = `docker.io/library/${repo.slice('docker.io/'.length)}`;
  }
  if (at >= 0) return `${repo}${ref.slice(at)}`;
  return repo.slice(repo.lastIndexOf('/')).includes(':') ? repo : `${repo}:latest`;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const newId = (): string => randomBytes(32).toString('hex');
const exitReason = (exitCode: number): string => (exitCode === 0 ? 'Completed' : 'Error');

function matchesLabels(labels: Labels, selector: Labels | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

function enumValue<T extends string>(values: readonly T[], v: T | number | undefined): T | undefined {
  return typeof v === 'number' ? values[v] : v;
}

function namespaceOptionsOf(config: PodSandboxConfig): NonNullable<PodSandboxStatus['namespaceOptions']> {
  const ns = config.linux?.securityContext?.namespaceOptions;
  return {
    network: enumValue(MODES, ns?.network) ?? 'POD',
    pid: enumValue(MODES, ns?.pid) ?? 'POD',
    ipc: enumValue(MODES, ns?.ipc) ?? 'POD',
    targetId: ns?.targetId ?? '',
  };
}

/** Positional args (trailing undefined ones dropped) plus the data-carrying per-call options, for the call log. */
function logArgs<O extends CallOptions>(args: unknown[], opts: O | undefined): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  const positional = args.slice(0, end);
  if (!opts) return positional;
  const { signal: _signal, timeoutMs: _timeoutMs, ...rest } = opts;
  return Object.keys(rest).length > 0 ? [...positional, rest] : positional;
}

/** containerd's name index: a name stays taken until its holder is removed (not merely stopped). */
function reserve(index: Map<string, string>, m: string, kind: 'sandbox' | 'container', name: string, id: string): void {
  const holder = index.get(name);
  if (holder !== undefined) {
    throw new CriError('AlreadyExists', m, `failed to reserve ${kind} name "${name}": name "${name}" is reserved for "${holder}"`);
  }
  index.set(name, id);
}

function checkExitCode(code: number, what: string): number {
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new RangeError(`${what} must be an integer in 0..255, got ${code}`);
  return code;
}

// ---- call gate: call log, injected errors, latency, hangs ----

class CallGate {
  readonly calls: FakeCall[] = [];
  private readonly injected = new Map<FakeMethod, Array<{ error: CriError | CriErrorCode; remaining: number }>>();
  private readonly latency = new Map<FakeMethod, number>();
  private readonly hung = new Map<FakeMethod, Set<() => void>>();
  /** Deadline of a waiting call that passes no `timeoutMs`. */
  defaultTimeoutMs = 120_000;

  /** Logs the call, then waits out hang/latency and throws an injected error if one is queued. */
  async enter(method: FakeMethod, args: unknown[], opts: CallOptions | undefined): Promise<void> {
    this.calls.push({ method, args });
    const name = grpcMethodName(method);
    if (opts?.signal?.aborted) throw new CriError('Cancelled', name, 'call aborted by caller', { cause: opts.signal.reason });
    const waiters = this.hung.get(method);
    if (waiters) {
      await this.wait(name, opts, (done) => {
        waiters.add(done);
        return () => waiters.delete(done);
      });
    }
    const ms = this.latency.get(method) ?? 0;
    if (ms > 0) {
      await this.wait(name, opts, (done) => {
        const timer = setTimeout(done, ms);
        return () => clearTimeout(timer);
      });
    }
    const error = this.takeInjected(method);
    if (error) throw error;
  }

  takeInjected(method: FakeMethod): CriError | null {
    const queue = this.injected.get(method);
    const head = queue?.[0];
    if (!queue || !head) return null;
    if (--head.remaining === 0) queue.shift();
    if (head.error instanceof CriError) return head.error;
    return new CriError(head.error, grpcMethodName(method), `injected ${head.error} error`);
  }

  inject(method: FakeMethod, error: CriError | CriErrorCode, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be a positive integer, got ${times}`);
    const queue = this.injected.get(method) ?? [];
    queue.push({ error, remaining: times });
    this.injected.set(method, queue);
  }

  setLatency(method: FakeMethod, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a finite number >= 0, got ${ms}`);
    if (ms === 0) this.latency.delete(method);
    else this.latency.set(method, ms);
  }

  hang(method: FakeMethod): void {
    if (!this.hung.has(method)) this.hung.set(method, new Set());
  }

  unhang(method: FakeMethod): void {
    const waiters = this.hung.get(method);
    this.hung.delete(method);
    for (const done of waiters ?? []) done();
  }

  /** Resolves when `start` calls done; rejects on abort (Cancelled) or deadline (DeadlineExceeded). */
  private wait(name: string, opts: CallOptions | undefined, start: (done: () => void) => () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = opts?.signal;
      let stop = (): void => {};
      const settle = (err: CriError | null): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        stop();
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => settle(new CriError('Cancelled', name, 'call aborted by caller', { cause: signal?.reason }));
      const timeoutMs = opts?.timeoutMs ?? this.defaultTimeoutMs;
      const timer = setTimeout(() => settle(new CriError('DeadlineExceeded', name, 'context deadline exceeded')), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      stop = start(() => settle(null));
    });
  }
}

// ---- event streams ----

/** One subscriber of containerEvents; buffers until read, ends when its signal aborts. */
class EventStream implements AsyncIterableIterator<ContainerEvent> {
  private readonly queue: ContainerEvent[] = [];
  private failure: CriError | null;
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly signal: AbortSignal,
    failure: CriError | null,
    private readonly onClose: (s: EventStream) => void,
  ) {
    this.failure = failure;
    if (signal.aborted) this.close();
    else signal.addEventListener('abort', this.close, { once: true });
  }

  push(event: ContainerEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    this.wake?.();
  }

  fail(error: CriError): void {
    this.failure = error;
    this.wake?.();
  }

  async next(): Promise<IteratorResult<ContainerEvent, undefined>> {
    for (;;) {
      const event = this.queue.shift();
      if (event) return { value: event, done: false };
      if (this.failure) {
        const failure = this.failure;
        this.failure = null;
        this.close();
        throw failure;
      }
      if (this.closed) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  async return(): Promise<IteratorResult<ContainerEvent, undefined>> {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private readonly close = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.signal.removeEventListener('abort', this.close);
    this.onClose(this);
    this.wake?.();
  };
}

// ---- records ----

interface SandboxRecord {
  id: string;
  metadata: PodSandboxMetadata;
  reservedName: string;
  state: SandboxState;
  createdAt: bigint;
  labels: Labels;
  annotations: Labels;
  runtimeHandler: string;
  logDirectory: string;
  namespaceOptions: NonNullable<PodSandboxStatus['namespaceOptions']>;
  ip: string | null;
}

interface ContainerRecord extends ContainerStatus {
  podSandboxId: string;
  reservedName: string;
  stopExitCode: number | null;
  exec: FakeExecHandler;
  stats: Required<FakeContainerStats>;
  resources: LinuxContainerResources | null;
}

interface ImageRecord extends Image {
  id: string;
}

// ---- the fake ----

class Fake implements FakeRuntime {
  private readonly sandboxMap = new Map<string, SandboxRecord>();
  private readonly containerMap = new Map<string, ContainerRecord>();
  private readonly imageMap = new Map<string, ImageRecord>();
  private readonly pullable = new Map<string, { id?: string; size?: number }>();
  /** Reserved names -> id, released on remove (not on stop), as containerd's name index. */
  private readonly sandboxNames = new Map<string, string>();
  private readonly containerNames = new Map<string, string>();
  private readonly usedIps = new Set<number>();
  private readonly streams = new Set<EventStream>();
  private readonly conditions = new Map<string, RuntimeCondition>();
  private readonly gate = new CallGate();
  private readonly now: () => bigint;
  private readonly eventsEnabled: boolean;
  private readonly stopExitCode: number;
  private cidr = '';

  constructor(opts: FakeRuntimeOptions) {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    this.gate.defaultTimeoutMs = timeoutMs;
    this.now = opts.now ?? ((): bigint => BigInt(Date.now()) * 1_000_000n);
    this.eventsEnabled = opts.events ?? false;
    this.stopExitCode = checkExitCode(opts.stopExitCode ?? 137, 'stopExitCode');
    for (const type of ['RuntimeReady', 'NetworkReady']) this.conditions.set(type, { type, status: true, reason: '', message: '' });
    for (const ref of opts.images ?? []) this.addImage(ref);
  }

  /** Every CRI method goes through here: log, gate, then the synchronous state change. */
  private async run<T, O extends CallOptions>(method: FakeMethod, args: unknown[], opts: O | undefined, op: (m: string) => T): Promise<T> {
    await this.gate.enter(method, logArgs(args, opts), opts);
    return op(grpcMethodName(method));
  }

  // -- lookups --

  private sandbox(m: string, id: string): SandboxRecord {
    const sb = this.sandboxMap.get(id);
    if (!sb) throw new CriError('NotFound', m, `an error occurred when try to find sandbox "${id}": not found`);
    return sb;
  }

  private container(m: string, id: string): ContainerRecord {
    const c = this.containerMap.get(id);
    if (!c) throw new CriError('NotFound', m, `an error occurred when try to find container "${id}": not found`);
    return c;
  }

  private running(m: string, id: string): ContainerRecord {
    const c = this.container(m, id);
    if (c.state !== 'CONTAINER_RUNNING') throw new CriError('FailedPrecondition', m, `container is in ${c.state} state`);
    return c;
  }

  private containersOf(sandboxId: string): ContainerRecord[] {
    return [...this.containerMap.values()].filter((c) => c.podSandboxId === sandboxId);
  }

  private findImage(ref: string): ImageRecord | undefined {
    if (this.imageMap.has(ref)) return this.imageMap.get(ref);
    const norm = normalizeImageRef(ref);
    return [...this.imageMap.values()].find((i) => i.repoTags.includes(norm) || i.repoDigests.includes(norm));
  }

  private forControl(id: string): ContainerRecord {
    const c = this.containerMap.get(id);
    if (!c) throw new Error(`fake CRI: no container ${id}`);
    return c;
  }

  // -- views (fresh copies, so callers cannot reach the state) --

  private sandboxView(sb: SandboxRecord): PodSandbox {
    const { id, state, createdAt, runtimeHandler } = sb;
    return { id, metadata: { ...sb.metadata }, state, createdAt, labels: { ...sb.labels }, annotations: { ...sb.annotations }, runtimeHandler };
  }

  private sandboxStatus(sb: SandboxRecord): PodSandboxStatus {
    const network = sb.state === 'SANDBOX_READY' && sb.ip !== null ? { ip: sb.ip, additionalIps: [] } : null;
    return { ...this.sandboxView(sb), network, namespaceOptions: { ...sb.namespaceOptions } };
  }

  private containerView(c: ContainerRecord): Container {
    const { id, podSandboxId, image, imageRef, state, createdAt } = c;
    const copies = { metadata: { ...c.metadata }, labels: { ...c.labels }, annotations: { ...c.annotations } };
    return { id, podSandboxId, image, imageRef, state, createdAt, ...copies };
  }

  private containerStatus(c: ContainerRecord): ContainerStatus {
    const { podSandboxId: _sandboxId, ...view } = this.containerView(c);
    const { startedAt, finishedAt, exitCode, imageId, reason, message, logPath } = c;
    return { ...view, startedAt, finishedAt, exitCode, imageId, reason, message, logPath, mounts: c.mounts.map((mt) => ({ ...mt })) };
  }

  private imageView(i: ImageRecord): Image {
    return { ...i, repoTags: [...i.repoTags], repoDigests: [...i.repoDigests] };
  }

  // -- state changes shared by several calls --

  private emit(containerId: string, type: ContainerEventType, sb: SandboxRecord | undefined): void {
    if (this.streams.size === 0) return;
    const event: ContainerEvent = {
      containerId,
      type,
      createdAt: this.now(),
      podSandboxStatus: sb ? this.sandboxStatus(sb) : null,
      containersStatuses: sb ? this.containersOf(sb.id).map((c) => this.containerStatus(c)) : [],
    };
    for (const s of this.streams) s.push(event);
  }

  private finish(c: ContainerRecord, exitCode: number, reason: string, message: string): void {
    c.state = 'CONTAINER_EXITED';
    c.finishedAt = this.now();
    c.exitCode = exitCode;
    c.reason = reason;
    c.message = message;
    this.emit(c.id, 'CONTAINER_STOPPED_EVENT', this.sandboxMap.get(c.podSandboxId));
  }

  private allocateIp(m: string, sandboxId: string): string {
    for (let octet = 2; octet < 255; octet++) {
      if (this.usedIps.has(octet)) continue;
      this.usedIps.add(octet);
      return `10.88.0.${octet}`;
    }
    const cni = 'plugin type="host-local" failed (add): failed to allocate for range 0';
    throw new CriError('Unknown', m, `failed to setup network for sandbox "${sandboxId}": ${cni}: no IP addresses available in range set: 10.88.0.2-10.88.0.254`);
  }

  private stopSandbox(sb: SandboxRecord): void {
    for (const c of this.containersOf(sb.id)) if (c.state === 'CONTAINER_RUNNING') this.finish(c, 137, 'Error', '');
    if (sb.state !== 'SANDBOX_READY') return;
    sb.state = 'SANDBOX_NOTREADY';
    if (sb.ip !== null) this.usedIps.delete(Number(sb.ip.split('.')[3]));
    this.emit(sb.id, 'CONTAINER_STOPPED_EVENT', sb);
  }

  private deleteContainer(c: ContainerRecord): void {
    if (c.state === 'CONTAINER_RUNNING') this.finish(c, 137, 'Error', '');
    this.containerMap.delete(c.id);
    this.containerNames.delete(c.reservedName);
    this.emit(c.id, 'CONTAINER_DELETED_EVENT', this.sandboxMap.get(c.podSandboxId));
  }

  private statsOf(c: ContainerRecord): ContainerStats {
    const timestamp = this.now();
    const s = c.stats;
    const live = c.state === 'CONTAINER_RUNNING';
    return {
      id: c.id,
      metadata: { ...c.metadata },
      labels: { ...c.labels },
      annotations: { ...c.annotations },
      cpu: live ? { timestamp, usageCoreNanoSeconds: s.cpuUsageCoreNanoSeconds, usageNanoCores: s.cpuUsageNanoCores } : null,
      memory: live
        ? {
            timestamp,
            workingSetBytes: s.memoryWorkingSetBytes,
            availableBytes: s.memoryAvailableBytes,
            usageBytes: s.memoryUsageBytes,
            rssBytes: s.memoryRssBytes,
            pageFaults: 0,
            majorPageFaults: 0,
          }
        : null,
      writableLayer: {
        timestamp,
        mountpoint: `${SNAPSHOT_ROOT}/snapshots/${c.id}`,
        usedBytes: s.writableLayerBytes,
        inodesUsed: s.writableLayerInodes,
      },
    };
  }

  private sandboxStats(sb: SandboxRecord): PodSandboxStats {
    const timestamp = this.now();
    const containers = this.containersOf(sb.id).filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => this.statsOf(c));
    const sum = (f: (c: ContainerStats) => number | null | undefined): number => containers.reduce((n, c) => n + (f(c) ?? 0), 0);
    const eth0 = { name: 'eth0', rxBytes: 0, rxErrors: 0, txBytes: 0, txErrors: 0 };
    return {
      id: sb.id,
      metadata: { ...sb.metadata },
      labels: { ...sb.labels },
      annotations: { ...sb.annotations },
      cpu: { timestamp, usageCoreNanoSeconds: sum((c) => c.cpu?.usageCoreNanoSeconds), usageNanoCores: sum((c) => c.cpu?.usageNanoCores) },
      memory: {
        timestamp,
        workingSetBytes: sum((c) => c.memory?.workingSetBytes),
        availableBytes: sum((c) => c.memory?.availableBytes),
        usageBytes: sum((c) => c.memory?.usageBytes),
        rssBytes: sum((c) => c.memory?.rssBytes),
        pageFaults: 0,
        majorPageFaults: 0,
      },
      network: sb.namespaceOptions.network === 'NODE' ? null : { timestamp, defaultInterface: eth0, interfaces: [{ ...eth0 }] },
      processCount: containers.length,
      containers,
    };
  }

  private addImage(ref: string, image: { id?: string; size?: number; pinned?: boolean } = {}): string {
    const norm = normalizeImageRef(ref);
    const id = image.id ?? this.findImage(ref)?.id ?? (norm.startsWith('sha256:') ? norm : `sha256:${sha256(norm)}`);
    // A tag points at one image: moving it leaves the old image untagged, as a re-pull does.
    for (const other of this.imageMap.values()) other.repoTags = other.repoTags.filter((t) => t !== norm);
    const record: ImageRecord = this.imageMap.get(id) ?? { id, repoTags: [], repoDigests: [], size: 1_000_000, uid: null, username: '', pinned: false };
    if (norm.includes('@')) {
      if (!record.repoDigests.includes(norm)) record.repoDigests.push(norm);
    } else if (!norm.startsWith('sha256:')) {
      record.repoTags.push(norm);
      const digest = `${norm.slice(0, norm.lastIndexOf(':'))}@sha256:${sha256(`digest:${norm}`)}`;
      if (!record.repoDigests.includes(digest)) record.repoDigests.push(digest);
    }
    if (image.size !== undefined) record.size = image.size;
    if (image.pinned !== undefined) record.pinned = image.pinned;
    this.imageMap.set(id, record);
    return id;
  }

  // ---- the CRI services ----

  readonly sandboxes: CriRuntime['sandboxes'] = {
    runPodSandbox: (config, opts) =>
      this.run('sandboxes.runPodSandbox', [config], opts, (m) => {
        const md = config.metadata;
        if (!md?.name || !md.uid || !md.namespace) {
          throw new CriError('InvalidArgument', m, 'sandbox config must include metadata with name, uid and namespace');
        }
        const metadata = { name: md.name, uid: md.uid, namespace: md.namespace, attempt: md.attempt ?? 0 };
        const reservedName = `${metadata.name}_${metadata.namespace}_${metadata.uid}_${metadata.attempt}`;
        const id = newId();
        const namespaceOptions = namespaceOptionsOf(config);
        reserve(this.sandboxNames, m, 'sandbox', reservedName, id);
        let ip: string | null = null;
        try {
          if (namespaceOptions.network !== 'NODE') ip = this.allocateIp(m, id);
        } catch (err) {
          this.sandboxNames.delete(reservedName);
          throw err;
        }
        const sb: SandboxRecord = {
          id,
          metadata,
          reservedName,
          state: 'SANDBOX_READY',
          createdAt: this.now(),
          labels: { ...config.labels },
          annotations: { ...config.annotations },
          runtimeHandler: opts?.runtimeHandler ?? '',
          logDirectory: config.logDirectory ?? '',
          namespaceOptions,
          ip,
        };
        this.sandboxMap.set(id, sb);
        // containerd reports sandbox lifecycle as container events whose containerId is the sandbox id.
        this.emit(id, 'CONTAINER_CREATED_EVENT', sb);
        this.emit(id, 'CONTAINER_STARTED_EVENT', sb);
        return id;
      }),
    stopPodSandbox: (id, opts) =>
      this.run('sandboxes.stopPodSandbox', [id], opts, () => {
        const sb = this.sandboxMap.get(id);
        if (sb) this.stopSandbox(sb);
      }),
    removePodSandbox: (id, opts) =>
      this.run('sandboxes.removePodSandbox', [id], opts, () => {
        const sb = this.sandboxMap.get(id);
        if (!sb) return;
        this.stopSandbox(sb);
        for (const c of this.containersOf(id)) this.deleteContainer(c);
        this.emit(id, 'CONTAINER_DELETED_EVENT', sb);
        this.sandboxMap.delete(id);
        this.sandboxNames.delete(sb.reservedName);
      }),
    podSandboxStatus: (id, opts) =>
      this.run('sandboxes.podSandboxStatus', [id], opts, (m) => ({ status: this.sandboxStatus(this.sandbox(m, id)), info: {} })),
    listPodSandbox: (filter, opts) =>
      this.run('sandboxes.listPodSandbox', [filter], opts, () => {
        const state = enumValue(SANDBOX_STATES, filter?.state?.state);
        return [...this.sandboxMap.values()]
          .filter((sb) => (!filter?.id || sb.id === filter.id) && (!state || sb.state === state) && matchesLabels(sb.labels, filter?.labelSelector))
          .map((sb) => this.sandboxView(sb));
      }),
  };

  readonly containers: CriRuntime['containers'] = {
    createContainer: (podSandboxId, config, sandboxConfig, opts) =>
      this.run('containers.createContainer', [podSandboxId, config, sandboxConfig], opts, (m) => {
        const sb = this.sandboxMap.get(podSandboxId);
        if (!sb) throw new CriError('NotFound', m, `failed to find sandbox id "${podSandboxId}": not found`);
        if (sb.state !== 'SANDBOX_READY') throw new CriError('FailedPrecondition', m, `sandbox "${podSandboxId}" is not ready`);
        const md = config.metadata;
        if (!md?.name) throw new CriError('InvalidArgument', m, 'container config must include metadata with a name');
        const ref = config.image?.image ?? '';
        const image = this.findImage(ref);
        if (!image) throw new CriError('NotFound', m, `failed to resolve image "${ref}": not found`);
        const metadata = { name: md.name, attempt: md.attempt ?? 0 };
        const reservedName = `${md.name}_${sb.metadata.name}_${sb.metadata.namespace}_${sb.metadata.uid}_${metadata.attempt}`;
        const id = newId();
        reserve(this.containerNames, m, 'container', reservedName, id);
        const logDirectory = sandboxConfig.logDirectory || sb.logDirectory;
        const c: ContainerRecord = {
          id,
          podSandboxId,
          reservedName,
          metadata,
          image: ref,
          imageRef: image.repoDigests[0] ?? image.id,
          imageId: image.id,
          state: 'CONTAINER_CREATED',
          createdAt: this.now(),
          startedAt: 0n,
          finishedAt: 0n,
          exitCode: 0,
          reason: '',
          message: '',
          labels: { ...config.labels },
          annotations: { ...config.annotations },
          mounts: (config.mounts ?? []).map((mt) => ({
            containerPath: mt.containerPath ?? '',
            hostPath: mt.hostPath ?? '',
            readonly: mt.readonly ?? false,
          })),
          logPath: logDirectory && config.logPath ? `${logDirectory}/${config.logPath}` : '',
          stopExitCode: null,
          exec: {},
          stats: { ...ZERO_STATS },
          resources: config.linux?.resources ?? null,
        };
        this.containerMap.set(id, c);
        this.emit(id, 'CONTAINER_CREATED_EVENT', sb);
        return id;
      }),
    startContainer: (id, opts) =>
      this.run('containers.startContainer', [id], opts, (m) => {
        const c = this.container(m, id);
        if (c.state !== 'CONTAINER_CREATED') throw new CriError('FailedPrecondition', m, `container is in ${c.state} state`);
        const sb = this.sandboxMap.get(c.podSandboxId);
        if (sb?.state !== 'SANDBOX_READY') throw new CriError('FailedPrecondition', m, `sandbox container "${c.podSandboxId}" is not running`);
        c.state = 'CONTAINER_RUNNING';
        c.startedAt = this.now();
        this.emit(id, 'CONTAINER_STARTED_EVENT', sb);
      }),
    stopContainer: (id, timeoutSeconds, opts) =>
      this.run('containers.stopContainer', [id, timeoutSeconds], opts, (m) => {
        const c = this.container(m, id);
        // As containerd: stopping a created or exited container is a no-op.
        if (c.state !== 'CONTAINER_RUNNING') return;
        const exitCode = c.stopExitCode ?? this.stopExitCode;
        this.finish(c, exitCode, exitReason(exitCode), '');
      }),
    removeContainer: (id, opts) =>
      this.run('containers.removeContainer', [id], opts, () => {
        const c = this.containerMap.get(id);
        if (c) this.deleteContainer(c);
      }),
    listContainers: (filter, opts) =>
      this.run('containers.listContainers', [filter], opts, () => {
        const state = enumValue(CONTAINER_STATES, filter?.state?.state);
        return [...this.containerMap.values()]
          .filter(
            (c) =>
              (!filter?.id || c.id === filter.id) &&
              (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId) &&
              (!state || c.state === state) &&
              matchesLabels(c.labels, filter?.labelSelector),
          )
          .map((c) => this.containerView(c));
      }),
    containerStatus: (id, opts) =>
      this.run('containers.containerStatus', [id], opts, (m) => ({ status: this.containerStatus(this.container(m, id)), info: {} })),
    updateContainerResources: (id, linux, opts) =>
      this.run('containers.updateContainerResources', [id, linux], opts, (m) => {
        this.container(m, id).resources = linux;
      }),
    reopenContainerLog: (id, opts) =>
      this.run('containers.reopenContainerLog', [id], opts, (m) => {
        this.running(m, id);
      }),
    execSync: (id, cmd, timeoutSeconds, opts) =>
      this.run('containers.execSync', [id, cmd, timeoutSeconds], opts, (m) => {
        const { exec } = this.running(m, id);
        const result = typeof exec === 'function' ? exec([...cmd]) : exec;
        return { stdout: Buffer.from(result.stdout ?? ''), stderr: Buffer.from(result.stderr ?? ''), exitCode: result.exitCode ?? 0 };
      }),
  };

  readonly streaming: CriRuntime['streaming'] = {
    exec: (req, opts) =>
      this.run('streaming.exec', [req], opts, (m) => {
        this.running(m, req.containerId);
        return streamUrl('exec');
      }),
    attach: (req, opts) =>
      this.run('streaming.attach', [req], opts, (m) => {
        this.running(m, req.containerId);
        return streamUrl('attach');
      }),
    portForward: (podSandboxId, ports, opts) =>
      this.run('streaming.portForward', [podSandboxId, ports], opts, (m) => {
        if (this.sandbox(m, podSandboxId).state !== 'SANDBOX_READY') {
          throw new CriError('FailedPrecondition', m, `sandbox "${podSandboxId}" is not running`);
        }
        return streamUrl('portforward');
      }),
  };

  readonly stats: CriRuntime['stats'] = {
    containerStats: (id, opts) => this.run('stats.containerStats', [id], opts, (m) => this.statsOf(this.container(m, id))),
    listContainerStats: (filter, opts) =>
      this.run('stats.listContainerStats', [filter], opts, () =>
        [...this.containerMap.values()]
          .filter(
            (c) =>
              c.state === 'CONTAINER_RUNNING' &&
              (!filter?.id || c.id === filter.id) &&
              (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId) &&
              matchesLabels(c.labels, filter?.labelSelector),
          )
          .map((c) => this.statsOf(c)),
      ),
    podSandboxStats: (id, opts) => this.run('stats.podSandboxStats', [id], opts, (m) => this.sandboxStats(this.sandbox(m, id))),
    listPodSandboxStats: (filter, opts) =>
      this.run('stats.listPodSandboxStats', [filter], opts, () =>
        [...this.sandboxMap.values()]
          .filter((sb) => sb.state === 'SANDBOX_READY' && (!filter?.id || sb.id === filter.id) && matchesLabels(sb.labels, filter?.labelSelector))
          .map((sb) => this.sandboxStats(sb)),
      ),
  };

  readonly runtime: CriRuntime['runtime'] = {
    version: (opts) =>
      this.run('runtime.version', [], opts, () => ({ version: '0.1.0', runtimeName: 'fake', runtimeVersion: '0.0.0', runtimeApiVersion: 'v1' })),
    status: (opts) =>
      this.run('runtime.status', [], opts, () => ({ conditions: [...this.conditions.values()].map((c) => ({ ...c })), info: {} })),
    updateRuntimeConfig: (podCidr, opts) =>
      this.run('runtime.updateRuntimeConfig', [podCidr], opts, () => {
        this.cidr = podCidr;
      }),
    /** Subscribes at call time (not on first `next()`), so no event between the two is lost. */
    containerEvents: (signal) => {
      const method = 'runtime.containerEvents';
      this.gate.calls.push({ method, args: [] });
      const failure = this.eventsEnabled
        ? this.gate.takeInjected(method)
        : new CriError('Unimplemented', grpcMethodName(method), 'unknown method GetContainerEvents for service runtime.v1.RuntimeService');
      const stream = new EventStream(signal, failure, (s) => this.streams.delete(s));
      if (!failure && !signal.aborted) this.streams.add(stream);
      return stream;
    },
  };

  readonly images: CriRuntime['images'] = {
    listImages: (filter, opts) =>
      this.run('images.listImages', [filter], opts, () => {
        const ref = filter?.image?.image;
        const only = ref ? this.findImage(ref) : undefined;
        return [...this.imageMap.values()].filter((i) => !ref || i === only).map((i) => this.imageView(i));
      }),
    imageStatus: (image, opts) =>
      this.run('images.imageStatus', [image], opts, () => {
        const found = this.findImage(image.image ?? '');
        return found ? this.imageView(found) : null;
      }),
    pullImage: (image, opts) =>
      this.run('images.pullImage', [image], opts, (m) => {
        const ref = image.image ?? '';
        const norm = normalizeImageRef(ref);
        const source = this.pullable.get(norm);
        if (source) return this.addImage(ref, source);
        const present = this.findImage(ref);
        if (present) return present.id;
        throw new CriError('NotFound', m, `failed to pull and unpack image "${norm}": failed to resolve reference "${norm}": ${norm}: not found`);
      }),
    removeImage: (image, opts) =>
      this.run('images.removeImage', [image], opts, () => {
        const found = this.findImage(image.image ?? '');
        if (found) this.imageMap.delete(found.id);
      }),
    imageFsInfo: (opts) =>
      this.run('images.imageFsInfo', [], opts, () => {
        const all = [...this.imageMap.values()];
        const usedBytes = all.reduce((n, i) => n + i.size, 0);
        const imageFs = { timestamp: this.now(), mountpoint: SNAPSHOT_ROOT, usedBytes, inodesUsed: all.length };
        return { imageFilesystems: [imageFs], containerFilesystems: [] };
      }),
  };

  // ---- test controls ----

  readonly controls: FakeControls = {
    calls: this.gate.calls,
    clearCalls: () => {
      this.gate.calls.length = 0;
    },
    callsTo: (method) => this.gate.calls.filter((c) => c.method === method).map((c) => c.args),
    exitContainer: (id, exit) => {
      const c = this.forControl(id);
      if (c.state !== 'CONTAINER_RUNNING') throw new Error(`fake CRI: container ${id} is ${c.state}, only a running container can exit`);
      const exitCode = checkExitCode(exit.exitCode, 'exitCode');
      this.finish(c, exitCode, exit.reason ?? exitReason(exitCode), exit.message ?? '');
    },
    setStopExitCode: (id, exitCode) => {
      this.forControl(id).stopExitCode = checkExitCode(exitCode, 'exitCode');
    },
    setExecResult: (id, handler) => {
      this.forControl(id).exec = handler;
    },
    setContainerStats: (id, stats) => {
      const c = this.forControl(id);
      c.stats = { ...c.stats, ...stats };
    },
    addImage: (ref, image) => this.addImage(ref, image),
    setPullable: (ref, image = {}) => {
      this.pullable.set(normalizeImageRef(ref), image);
    },
    injectError: (method, error, times = 1) => this.gate.inject(method, error, times),
    setLatency: (method, ms) => this.gate.setLatency(method, ms),
    hang: (method) => this.gate.hang(method),
    unhang: (method) => this.gate.unhang(method),
    setRuntimeCondition: (type, status, reason, message) => {
      const fallback = status ? { reason: '', message: '' } : NOT_READY[type];
      this.conditions.set(type, { type, status, reason: reason ?? fallback.reason, message: message ?? fallback.message });
    },
    breakEventStreams: (error) => {
      const err = error ?? new CriError('Unavailable', grpcMethodName('runtime.containerEvents'), 'error reading from server: EOF');
      for (const s of [...this.streams]) s.fail(err);
      this.streams.clear();
    },
    sandboxList: () => [...this.sandboxMap.values()].map((sb) => this.sandboxStatus(sb)),
    containerList: () => [...this.containerMap.values()].map((c) => ({ ...this.containerStatus(c), podSandboxId: c.podSandboxId })),
    podCidr: () => this.cidr,
  };
}

function streamUrl(kind: 'exec' | 'attach' | 'portforward'): string {
  return `${STREAMING_BASE}/${kind}/${randomBytes(6).toString('base64url')}`;
}

/** A fresh fake runtime; throws RangeError on invalid options. */
export function createFakeRuntime(opts: FakeRuntimeOptions = {}): FakeRuntime {
  return new Fake(opts);
}
