import { access, mkdir, unlink, writeFile } from 'node:fs/promises';
import { CommandError, runCommand } from '../lib/command.js';
import { describeExit, sleep, spawnDaemon, tailFile, type Daemon, type DaemonExit } from '../lib/daemon.js';
import type { Logger } from '../lib/logger.js';
import { silentLogger } from '../lib/logger.js';
import { renderContainerdConfig, type ContainerdConfigOptions } from './config.js';
import { containerdLayout } from './layout.js';

export interface StartContainerdOptions
  extends Pick<ContainerdConfigOptions, 'sandboxImage' | 'restrictOomScoreAdj' | 'systemdCgroup' | 'cniBinDir' | 'netnsMountsUnderStateDir'> {
  /** Base directory: config.toml, root/, state/, containerd.sock, containerd.log, cni/net.d, certs.d. */
  dir: string;
  /** Default `<dir>/cni/net.d`. */
  cniConfDir?: string;
  /** Default `containerd` from PATH. */
  binary?: string;
  /** Run inside `/var/run/netns/NAME` (via `nsenter --net`, never `ip netns exec`, which remounts /sys). */
  netns?: string;
  /** Cancels start-up (the process is killed). Once started, call stop(). */
  signal?: AbortSignal;
  logger?: Logger;
  /** How long to wait for the socket and the CRI plugin. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface ContainerdProcess {
  /** gRPC (CRI) unix socket. */
  readonly socket: string;
  /** Current pid; changes on restart. */
  readonly pid: number;
  readonly configPath: string;
  readonly logPath: string;
  /** SIGTERM, then SIGKILL after 10 s; waits for exit. Containers and shims keep running. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit, as a crash would. */
  kill9(): Promise<void>;
  /**
   * stop() (if running) and start again with the same config; resolves when ready again. `signal`
   * cancels the start-up (the new process is killed and the call rejects).
   */
  restart(signal?: AbortSignal): Promise<void>;
  /** Resolves (never rejects) when the current process exits, however it ends. */
  exited(): Promise<DaemonExit>;
}

const STOP_GRACE_MS = 10_000;

/**
 * Writes `<dir>/config.toml` and runs containerd on it until its CRI plugin is serving. Rejects,
 * quoting the last 20 log lines, when containerd exits early or its CRI plugin failed to load.
 */
export async function startContainerd(opts: StartContainerdOptions): Promise<ContainerdProcess> {
  const layout = containerdLayout(opts.dir);
  const logger = (opts.logger ?? silentLogger()).child({ containerd: layout.socket });
  const cniConfDir = opts.cniConfDir ?? layout.cniConfDir;
  const config = renderContainerdConfig({
    root: layout.root,
    state: layout.state,
    socket: layout.socket,
    runcRoot: layout.runcRoot,
    cniConfDir,
    registryConfigPath: layout.certsDir,
    ...pickDefined(opts, ['sandboxImage', 'restrictOomScoreAdj', 'systemdCgroup', 'cniBinDir', 'netnsMountsUnderStateDir']),
  });
  // Before touching config.toml: never rewrite the config of a containerd that is still running.
  await removeStaleSocket(layout.socket);
  await mkdir(cniConfDir, { recursive: true });
  await mkdir(layout.certsDir, { recursive: true });
  await writeFile(layout.configPath, config);

  const binary = opts.binary ?? 'containerd';
  const netnsPath = opts.netns === undefined ? undefined : `/var/run/netns/${opts.netns}`;
  if (netnsPath !== undefined) {
    try {
      await access(netnsPath);
    } catch {
      throw new Error(`network namespace ${opts.netns} does not exist (${netnsPath})`);
    }
  }
  const [file, args] =
    netnsPath === undefined
      ? [binary, ['--config', layout.configPath]]
      : ['nsenter', [`--net=${netnsPath}`, '--', binary, '--config', layout.configPath]];
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;

  const launch = async (signal: AbortSignal | undefined): Promise<Daemon> => {
    await removeStaleSocket(layout.socket);
    const started = Date.now();
    const daemon = await spawnDaemon(file, args, { logFile: layout.logPath });
    try {
      await waitReady(layout.socket, daemon, readyTimeoutMs, signal);
    } catch (err) {
      await daemon.kill9();
      throw err;
    }
    logger.info({ pid: daemon.pid, ms: Date.now() - started }, 'containerd ready');
    return daemon;
  };

  let daemon = await launch(opts.signal);
  const stop = async (): Promise<void> => {
    const exit = await daemon.stop(STOP_GRACE_MS);
    logger.info({ pid: daemon.pid, exit: describeExit(exit) }, 'containerd stopped');
  };
  return {
    socket: layout.socket,
    get pid() {
      return daemon.pid;
    },
    configPath: layout.configPath,
    logPath: layout.logPath,
    stop,
    async kill9() {
      await daemon.kill9();
    },
    async restart(signal) {
      if (!daemon.hasExited()) await stop();
      daemon = await launch(signal);
    },
    exited: () => daemon.exited,
  };
}

function pickDefined<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/** Removes a socket file left by a killed containerd; refuses if a containerd still answers on it. */
async function removeStaleSocket(socket: string): Promise<void> {
  try {
    await access(socket);
  } catch {
    return;
  }
  const alive = await runCommand('ctr', ['--address', socket, 'version'], { timeoutMs: 5000 }).then(
    () => true,
    () => false,
  );
  if (alive) throw new Error(`another containerd is already serving ${socket}`);
  await unlink(socket).catch(() => undefined);
}

type CriPluginStatus = 'ok' | 'error' | 'unknown';

/** The CRI plugin's status from `ctr plugins ls`; throws when ctr cannot talk to containerd. */
async function criPluginStatus(socket: string): Promise<CriPluginStatus> {
  const { stdout } = await runCommand('ctr', ['--address', socket, 'plugins', 'ls', 'id==cri'], { timeoutMs: 5000 });
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === 'cri') return cols.at(-1) === 'ok' ? 'ok' : cols.at(-1) === 'error' ? 'error' : 'unknown';
  }
  return 'unknown';
}

/**
 * Ready means: the socket exists and the CRI plugin loaded (containerd still "successfully boots"
 * when the CRI plugin fails, and clients then get `unknown service runtime.v1.RuntimeService`).
 */
async function waitReady(socket: string, daemon: Daemon, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'socket not created yet';
  for (;;) {
    if (daemon.hasExited()) {
      const exit = await daemon.exited;
      throw new Error(`containerd ${describeExit(exit)} during start-up; last log lines of ${daemon.logFile}:\n${await tailFile(daemon.logFile)}`);
    }
    const exists = await access(socket).then(
      () => true,
      () => false,
    );
    if (exists) {
      try {
        const status = await criPluginStatus(socket);
        if (status === 'ok') return;
        if (status === 'error') {
          throw new Error(`containerd started but its CRI plugin failed to load; last log lines of ${daemon.logFile}:\n${await tailFile(daemon.logFile)}`);
        }
        last = 'CRI plugin not listed yet';
      } catch (err) {
        if (!(err instanceof CommandError)) throw err;
        last = err.message;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`containerd not ready after ${timeoutMs} ms (${last}); last log lines of ${daemon.logFile}:\n${await tailFile(daemon.logFile)}`);
    }
    await sleep(50, signal);
  }
}
