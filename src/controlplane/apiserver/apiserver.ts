/**
 * Wiring of the API server: the resource table, one REST store and one watch fan-out per
 * resource on the shared Backend, the bootstrap namespaces, the authn/authz chain, and the
 * HTTP(S) listener with the dispatcher. No request logic lives here.
 *
 * Lifecycle: `startApiServer` resolves once the server listens (the bootstrap namespaces and the
 * system priority classes exist by then);
 * `close()` stops listening, ends open watches and connections, and resolves when all is down.
 * The Backend belongs to the caller and stays open. `runApiServer(opts, signal)` is the same as a
 * long-running part: it resolves after a clean shutdown when `signal` aborts.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { silentLogger, type Logger } from '../../lib/logger.js';
import type { Backend } from '../storage/index.js';
import { defaultAuthorizer, insecureLoopbackAuthenticator, x509Authenticator, type Authenticator, type Authorizer } from './auth/index.js';
import { isApiError } from './errors.js';
import { cloneJson, type KObject } from './object.js';
import type { ApiServices, WatchSettings } from './handlers/context.js';
import type { KubeletClientConfig } from './kubelet-client.js';
import { ALL_RESOURCES } from './registry/all.js';
import { SYSTEM_PRIORITY_CLASSES } from './strategies/groups.js';
import { Registry, type ResourceDef } from './registry/index.js';
import { createDispatcher, createUpgradeDispatcher } from './server/dispatcher.js';
import { RequestMetrics } from './server/metrics.js';
import { RestStore, WatchFanout } from './store/index.js';

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  /** CA that signs client certificates (the cluster CA). */
  caPem: string;
}

export interface ApiServerOptions {
  backend: Backend;
  /** Listen address; default `0.0.0.0` with TLS, `127.0.0.1` for insecure loopback. */
  host?: string;
  /** Default 6443; 0 picks a free port. */
  port?: number;
  /** Serving certificate and client CA. Required unless `insecureLoopback`. */
  tls?: TlsMaterial;
  /** Plain HTTP where every request is the cluster admin: tests only, loopback only. */
  insecureLoopback?: boolean;
  logger?: Logger;
  /** Watch timings (bookmark interval, default request timeout). */
  watch?: Partial<WatchSettings>;
  /** Replaces the default authenticators (client certificates). */
  authenticators?: Authenticator[];
  authorizer?: Authorizer;
  /** The served resources; default: everything tskube serves (`ALL_RESOURCES`). */
  resources?: readonly ResourceDef[];
  /** Epoch ms, for tests. */
  now?: () => number;
  /** Client certificate towards kubelets; without it kubelets refuse to serve logs and exec. */
  kubeletClient?: KubeletClientConfig;
}

export interface ApiServer {
  /** `https://host:port` or `http://127.0.0.1:port`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Namespaces every cluster has; created at start when missing. */
export const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** How long `close()` lets busy requests (streams, long lists) finish before cutting them. */
const CLOSE_GRACE_MS = 500;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function buildServices(opts: ApiServerOptions, logger: Logger): { services: ApiServices; fanouts: WatchFanout[] } {
  const registry = new Registry(opts.resources ?? ALL_RESOURCES);
  const now = opts.now ?? Date.now;
  const stores = new Map<ResourceDef, RestStore>();
  const fanouts = new Map<ResourceDef, WatchFanout>();
  for (const def of registry.resources) {
    const store = new RestStore(def, { backend: opts.backend, now });
    stores.set(def, store);
    if (!def.virtual) fanouts.set(def, new WatchFanout({ backend: opts.backend, prefix: store.prefix, logger, ...(def.storageForm ? { convert: def.storageForm.decode } : {}) }));
  }
  // The first registered def of a (group, plural), as a scan of the table would find it.
  const byName = new Map<string, RestStore>();
  for (const [def, store] of stores) if (!byName.has(`${def.group}/${def.plural}`)) byName.set(`${def.group}/${def.plural}`, store);
  const lookup = <T>(m: Map<ResourceDef, T>, def: ResourceDef): T => {
    const v = m.get(def);
    if (v === undefined) throw new RangeError(`resource ${def.plural} is not registered`);
    return v;
  };
  const services: ApiServices = {
    registry,
    backend: opts.backend,
    logger,
    authorizer: opts.authorizer ?? defaultAuthorizer,
    metrics: new RequestMetrics(),
    kubeletClient: opts.kubeletClient ?? {},
    watch: { bookmarkIntervalMs: opts.watch?.bookmarkIntervalMs ?? 60_000, minRequestTimeoutSeconds: opts.watch?.minRequestTimeoutSeconds ?? 1800 },
    now,
    store: (def) => lookup(stores, def),
    fanout: (def) => lookup(fanouts, def),
    storeFor(group, plural) {
      // Looked up on every namespaced write (namespace admission): a map, not a scan of the table.
      const store = byName.get(`${group}/${plural}`);
      if (!store) throw new RangeError(`resource ${plural} is not registered`);
      return store;
    },
  };
  return { services, fanouts: [...fanouts.values()] };
}

/** Creates the objects every cluster has when missing: namespaces, system priority classes. */
async function ensureBootstrapObjects(services: ApiServices): Promise<void> {
  const create = async (group: string, plural: string, obj: KObject): Promise<void> => {
    if (!services.registry.resources.some((d) => d.group === group && d.plural === plural)) return;
    try {
      await services.storeFor(group, plural).create('', cloneJson(obj));
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
    }
  };
  for (const name of BOOTSTRAP_NAMESPACES) await create('', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const pc of SYSTEM_PRIORITY_CLASSES) await create('scheduling.k8s.io', 'priorityclasses', pc);
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const logger = opts.logger ?? silentLogger();
  if (!opts.tls && !opts.insecureLoopback) throw new RangeError('startApiServer: tls is required (insecureLoopback is for tests)');
  const host = opts.host ?? (opts.tls ? '0.0.0.0' : '127.0.0.1');
  if (!opts.tls && !LOOPBACK.has(host)) throw new RangeError(`startApiServer: plain HTTP is only allowed on loopback, not ${host}`);
  const port = opts.port ?? 6443;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`startApiServer: bad port ${String(port)}`);

  const { services, fanouts } = buildServices(opts, logger);
  const start = await opts.backend.currentRevision();
  for (const f of fanouts) f.start(start);
  try {
    await ensureBootstrapObjects(services);
  } catch (err) {
    for (const f of fanouts) f.close();
    throw err;
  }

  const authenticators = opts.authenticators ?? (opts.tls ? [x509Authenticator] : [insecureLoopbackAuthenticator]);
  let address = `${host}:${port}`;
  const handler = createDispatcher({ services, authenticators, authorizer: services.authorizer, serverAddress: () => address });
  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, ca: opts.tls.caPem, requestCert: true, rejectUnauthorized: false }, handler)
    : createHttpServer(handler);
  server.on('upgrade', createUpgradeDispatcher({ services, authenticators, authorizer: services.authorizer, serverAddress: () => address }));
  // Watches are long requests: no overall request timeout.
  server.requestTimeout = 0;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  address = `${urlHost}:${actual}`;
  const url = `${opts.tls ? 'https' : 'http'}://${address}`;
  logger.info({ url, storage: opts.backend.kind }, 'API server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port: actual,
    close() {
      closing ??= (async () => {
        for (const f of fanouts) f.close();
        const down = new Promise<void>((resolve) => server.close(() => resolve()));
        // Watches served by the fan-outs end their responses cleanly (as upstream's do on
        // shutdown, so clients re-watch instead of seeing a broken stream); once they have,
        // idle connections are closed; whatever is still busy after a grace period is cut.
        await new Promise((r) => setTimeout(r, 20));
        server.closeIdleConnections();
        const grace = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, CLOSE_GRACE_MS);
        await down;
        clearTimeout(grace);
      })();
      return closing;
    },
  };
}

/** `startApiServer` as a long-running part: resolves after a clean shutdown once `signal` aborts. */
export async function runApiServer(opts: ApiServerOptions, signal: AbortSignal): Promise<void> {
  const server = await startApiServer(opts);
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
}
