/**
 * `tskube server`: the control plane alone. Composition root of the API server: it opens the
 * storage backend (embedded SQLite in the data dir by default, or an etcd cluster), makes sure the
 * cluster PKI exists in `<data-dir>/pki` (kept across restarts; the serving certificate is
 * re-issued when the advertised names change), writes `<data-dir>/admin.kubeconfig`, and serves
 * the API until the signal aborts; then it stops the server and closes the backend, in that order.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { isIPv4 } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { ensurePki, kubeconfigYaml, startApiServer } from '../controlplane/apiserver/index.js';
import { createEtcdBackend, openSqliteBackend, type Backend } from '../controlplane/storage/index.js';
import { parsePort, UsageError, type FlagSpec } from './flags.js';

export const serverFlags: readonly FlagSpec[] = [
  { name: 'data-dir', env: 'TSKUBE_DATA_DIR', default: '/var/lib/tskube', description: 'state of the control plane: PKI, admin.kubeconfig, the SQLite database' },
  { name: 'storage', env: 'TSKUBE_STORAGE', description: 'sqlite://PATH or etcd://HOST:PORT[,HOST:PORT...] (default sqlite://<data-dir>/state.db)' },
  { name: 'bind-address', env: 'TSKUBE_BIND_ADDRESS', default: '0.0.0.0', description: 'address the API server listens on' },
  { name: 'secure-port', env: 'TSKUBE_SECURE_PORT', default: '6443', description: 'HTTPS port of the API server; 0 picks a free one' },
  { name: 'advertise-address', env: 'TSKUBE_ADVERTISE_ADDRESS', description: 'IPv4 address clients reach the API server at (default: the first non-internal IPv4 address)' },
  { name: 'service-cidr', env: 'TSKUBE_SERVICE_CIDR', default: '10.96.0.0/12', description: 'IPv4 range of service cluster IPs; its first address is the kubernetes service' },
  { name: 'cluster-cidr', env: 'TSKUBE_CLUSTER_CIDR', default: '10.244.0.0/16', description: 'IPv4 range of pod IPs, split into node pod CIDRs' },
];

/** Where the state lives: a SQLite file or etcd endpoints. */
export type StorageSpec = { kind: 'sqlite'; path: string } | { kind: 'etcd'; endpoints: string[] };

/** An IPv4 CIDR as its network address (a 32-bit number) and prefix length. */
export interface Cidr4 {
  network: number;
  prefix: number;
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => String(Math.floor(n / 2 ** shift) % 256)).join('.');
}

/** Parses `A.B.C.D/N` whose host bits are zero; a UsageError names the flag otherwise. */
export function parseCidrFlag(name: string, value: string): Cidr4 {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(value);
  const prefix = Number(m?.[2]);
  if (!m || !isIPv4(m[1] ?? '') || prefix > 32) throw new UsageError(`invalid value "${value}" for --${name}: must be an IPv4 CIDR such as 10.96.0.0/12`);
  const ip = ipToNumber(m[1] ?? '');
  const size = 2 ** (32 - prefix);
  if (ip % size !== 0) throw new UsageError(`invalid value "${value}" for --${name}: host bits must be zero (network ${numberToIp(ip - (ip % size))}/${prefix})`);
  if (prefix > 30) throw new UsageError(`invalid value "${value}" for --${name}: the range is too small (at most /30)`);
  return { network: ip, prefix };
}

function overlaps(a: Cidr4, b: Cidr4): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const size = 2 ** (32 - p);
  return Math.floor(a.network / size) === Math.floor(b.network / size);
}

/** The first usable address of a range: the `kubernetes` service's cluster IP (10.96.0.1). */
export function firstServiceIP(c: Cidr4): string {
  return numberToIp(c.network + 1);
}

/** Parses `--storage`; empty means `sqlite://<dataDir>/state.db`. */
export function parseStorageFlag(value: string, dataDir: string): StorageSpec {
  if (value === '') return { kind: 'sqlite', path: join(dataDir, 'state.db') };
  if (value.startsWith('sqlite://')) {
    const path = value.slice('sqlite://'.length);
    if (path === '') throw new UsageError(`invalid value "${value}" for --storage: sqlite:// needs a file path`);
    return { kind: 'sqlite', path: resolve(path) };
  }
  if (value.startsWith('etcd://')) {
    const endpoints = value.slice('etcd://'.length).split(',').map((s) => s.trim());
    for (const e of endpoints) {
      if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(e) || Number(e.slice(e.lastIndexOf(':') + 1)) > 65535) {
        throw new UsageError(`invalid value "${value}" for --storage: etcd endpoint "${e}" must be HOST:PORT`);
      }
    }
    return { kind: 'etcd', endpoints };
  }
  throw new UsageError(`invalid value "${value}" for --storage: must be sqlite://PATH or etcd://HOST:PORT[,HOST:PORT...]`);
}

/** The first non-internal IPv4 address of this machine, else 127.0.0.1. */
export function defaultAdvertiseAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** The validated configuration of `tskube server`; every error is a UsageError naming its flag. */
export interface ServerConfig {
  dataDir: string;
  storage: StorageSpec;
  bindAddress: string;
  securePort: number;
  advertiseAddress: string;
  serviceCidr: Cidr4;
  clusterCidr: Cidr4;
}

export function serverConfig(flags: Record<string, string | boolean | undefined>): ServerConfig {
  const str = (k: string): string => (typeof flags[k] === 'string' ? flags[k] : '');
  const dataDir = resolve(str('data-dir') || '/var/lib/tskube');
  const bindAddress = str('bind-address') || '0.0.0.0';
  if (!isIPv4(bindAddress)) throw new UsageError(`invalid value "${bindAddress}" for --bind-address: must be an IPv4 address`);
  const advertiseAddress = str('advertise-address') || defaultAdvertiseAddress();
  if (!isIPv4(advertiseAddress)) throw new UsageError(`invalid value "${advertiseAddress}" for --advertise-address: must be an IPv4 address`);
  const serviceCidr = parseCidrFlag('service-cidr', str('service-cidr') || '10.96.0.0/12');
  const clusterCidr = parseCidrFlag('cluster-cidr', str('cluster-cidr') || '10.244.0.0/16');
  if (overlaps(serviceCidr, clusterCidr)) {
    throw new UsageError(`invalid value "${str('cluster-cidr')}" for --cluster-cidr: overlaps --service-cidr ${str('service-cidr')}`);
  }
  return {
    dataDir,
    storage: parseStorageFlag(str('storage'), dataDir),
    bindAddress,
    securePort: parsePort('secure-port', str('secure-port') || '6443'),
    advertiseAddress,
    serviceCidr,
    clusterCidr,
  };
}

function openBackend(spec: StorageSpec, logger: Logger): Backend {
  return spec.kind === 'sqlite' ? openSqliteBackend({ path: spec.path, logger }) : createEtcdBackend({ endpoints: spec.endpoints, logger });
}

/**
 * Runs the control plane until `signal` aborts; `onReady` gets one line once the API serves.
 * Resolves after a clean shutdown (server closed, then the backend); rejects with a UsageError
 * for bad flags before anything starts.
 */
export async function runServer(flags: Record<string, string | boolean | undefined>, logger: Logger, signal: AbortSignal, onReady: (line: string) => void): Promise<void> {
  const cfg = serverConfig(flags);
  await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  const hosts = [
    cfg.advertiseAddress,
    '127.0.0.1',
    'localhost',
    hostname().toLowerCase(),
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    firstServiceIP(cfg.serviceCidr),
  ];
  if (cfg.storage.kind === 'sqlite') await mkdir(resolve(cfg.storage.path, '..'), { recursive: true });
  const backend = openBackend(cfg.storage, logger.child({ component: 'storage' }));
  try {
    if (signal.aborted) return;
    const pki = await ensurePki(cfg.dataDir, { hosts: [...new Set(hosts)], serverUrl: `https://${cfg.advertiseAddress}:${cfg.securePort}`, signal });
    const server = await startApiServer({ backend, host: cfg.bindAddress, port: cfg.securePort, tls: pki.tls, kubeletClient: pki.kubeletClient, logger: logger.child({ component: 'apiserver' }) });
    try {
      const url = `https://${cfg.advertiseAddress}:${server.port}`;
      // With --secure-port 0 the kubeconfig must name the port actually picked.
      if (server.port !== cfg.securePort) await writeFile(pki.adminKubeconfigPath, kubeconfigYaml(url, pki.tls.caPem, { name: 'admin', ...pki.admin }), { mode: 0o600 });
      onReady(`tskube server: API on ${url}, kubeconfig ${pki.adminKubeconfigPath}`);
      if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    } finally {
      await server.close();
    }
  } finally {
    await backend.close();
  }
}
