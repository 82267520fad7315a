import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { describeExit, sleep, spawnDaemon, tailFile, type Daemon } from '../lib/daemon.js';
import type { Logger } from '../lib/logger.js';
import { silentLogger } from '../lib/logger.js';

export interface StartRegistryOptions {
  /** Holds config.yml, registry.log and the blobs (`storage/`). Absolute; created if missing. */
  dataDir: string;
  /** Listen address. Default 127.0.0.1 (containerd pulls from loopback over plain HTTP). */
  host?: string;
  /** Default 0: a free port, retried if it is taken between probing and binding. */
  port?: number;
  /** Cancels start-up. */
  signal?: AbortSignal;
  logger?: Logger;
  /** Default `docker-registry` (Debian's distribution 2.8). */
  binary?: string;
  /** How long to wait for `GET /v2/` to answer 200. Default 20 s. */
  readyTimeoutMs?: number;
}

export interface RunningRegistry {
  /** `host:port` (IPv6 hosts in brackets), as used in image references. */
  address: string;
  pid: number;
  /** SIGTERM (SIGKILL after 5 s) and wait for exit. Idempotent. */
  stop(): Promise<void>;
}

const PORT_ATTEMPTS = 5;

/** Runs a plain-HTTP docker registry as a child process and waits until it serves `/v2/`. */
export async function startRegistry(opts: StartRegistryOptions): Promise<RunningRegistry> {
  if (!isAbsolute(opts.dataDir)) throw new RangeError(`registry dataDir must be absolute, got ${JSON.stringify(opts.dataDir)}`);
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`registry port out of range: ${port}`);
  const logger = opts.logger ?? silentLogger();
  await mkdir(join(opts.dataDir, 'storage'), { recursive: true });

  for (let attempt = 1; ; attempt++) {
    const chosen = port === 0 ? await freePort(host) : port;
    try {
      const reg = await startOnce(opts, host, chosen);
      logger.info({ address: reg.address, pid: reg.pid }, 'registry ready');
      return reg;
    } catch (err) {
      if (!(err instanceof PortInUseError) || port !== 0 || attempt >= PORT_ATTEMPTS) throw err;
      logger.debug({ port: chosen }, 'registry port taken, retrying');
    }
  }
}

class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function startOnce(opts: StartRegistryOptions, host: string, port: number): Promise<RunningRegistry> {
  const address = formatAddress(host, port);
  const configPath = join(opts.dataDir, 'config.yml');
  const logFile = join(opts.dataDir, 'registry.log');
  // JSON is YAML: no YAML emitter needed.
  const config = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(opts.dataDir, 'storage') }, delete: { enabled: true } },
    http: { addr: address },
  };
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  const daemon = await spawnDaemon(opts.binary ?? 'docker-registry', ['serve', configPath], { logFile });
  const stop = async (): Promise<void> => {
    await daemon.stop(5000);
  };
  try {
    await waitForV2(address, daemon, opts.signal, opts.readyTimeoutMs ?? 20_000);
  } catch (err) {
    await daemon.kill9();
    throw err;
  }
  return { address, pid: daemon.pid, stop };
}

async function waitForV2(address: string, daemon: Daemon, signal: AbortSignal | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    if (daemon.hasExited()) {
      const exit = await daemon.exited;
      const log = await tailFile(daemon.logFile);
      const message = `docker-registry on ${address} ${describeExit(exit)} during start-up; last log lines:\n${log}`;
      throw /address already in use/.test(log) ? new PortInUseError(message) : new Error(message);
    }
    try {
      const res = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200) return;
      last = `GET /v2/ answered ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(`docker-registry on ${address} not ready after ${timeoutMs} ms (${last}); log: ${await tailFile(daemon.logFile)}`);
    }
    await sleep(50, signal);
  }
}

/** A port that was free a moment ago on `host` (the kernel's choice for port 0). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const addr = server.address();
      server.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else reject(new Error(`cannot determine a free port on ${host}`));
      });
    });
  });
}
