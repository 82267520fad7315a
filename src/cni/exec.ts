/**
 * The CNI exec protocol (spec 1.0/1.1, "Execution protocol"): one plugin binary, run with the
 * `CNI_*` environment and the network config on stdin, its result or structured error on stdout.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { CniError, cniErrorCodeOf, type CniErrorCode } from './errors.js';
import { parseJsonObject, parseResult, parseStructuredError, parseVersionInfo } from './result.js';
import type { CniCommand, CniResult, CniVersionInfo } from './types.js';

/** Default per-plugin deadline. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 30_000;

export interface InvokePluginOptions {
  /** Directories searched, in order, for the plugin binary; also passed as `CNI_PATH`. */
  binDirs: readonly string[];
  /** The plugin type: the binary's file name (`bridge`). */
  plugin: string;
  command: CniCommand;
  /** `CNI_CONTAINERID`: required for ADD, DEL and CHECK. */
  containerId?: string;
  /** `CNI_NETNS`: a netns path; required for ADD and CHECK, may be empty for DEL. */
  netns?: string;
  /** `CNI_IFNAME`: required for ADD, DEL and CHECK. */
  ifName?: string;
  /** `CNI_ARGS`, rendered `K=V;K=V`. */
  args?: Readonly<Record<string, string>>;
  /** The complete stdin config (with `name`, `cniVersion` and, as needed, `prevResult`, `runtimeConfig`). */
  config: Readonly<Record<string, unknown>>;
  /** The plugin's process group is killed (SIGKILL) after this; default 30000. */
  timeoutMs?: number;
  /** Aborting kills the plugin's process group. */
  signal?: AbortSignal;
}

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PLUGIN_TYPE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const NEEDS_CONTAINER: ReadonlySet<CniCommand> = new Set(['ADD', 'DEL', 'CHECK']);

/** Renders `CNI_ARGS`; RangeError on keys or values that cannot be represented. Pure. */
export function renderCniArgs(args: Readonly<Record<string, string>>): string {
  return Object.entries(args)
    .map(([k, v]) => {
      if (!/^[A-Za-z0-9_]+$/.test(k)) throw new RangeError(`args: key ${JSON.stringify(k)} must match [A-Za-z0-9_]+`);
      if (/[;=]/.test(v)) throw new RangeError(`args: value of ${k} must not contain ';' or '=', got ${JSON.stringify(v)}`);
      return `${k}=${v}`;
    })
    .join(';');
}

/** Checks the CNI_* inputs of a command (spec "Parameters"); RangeError naming the field. */
export function validateInvocation(opts: Pick<InvokePluginOptions, 'command' | 'containerId' | 'netns' | 'ifName' | 'plugin' | 'binDirs'>): void {
  if (!PLUGIN_TYPE.test(opts.plugin)) throw new RangeError(`plugin: ${JSON.stringify(opts.plugin)} is not a plugin type (a file name)`);
  if (opts.binDirs.length === 0) throw new RangeError('binDirs must name at least one directory');
  if (!NEEDS_CONTAINER.has(opts.command)) return;
  if (!opts.containerId || !CONTAINER_ID.test(opts.containerId)) {
    throw new RangeError(`containerId: ${JSON.stringify(opts.containerId ?? '')} must start alphanumeric and contain only [A-Za-z0-9_.-]`);
  }
  const ifName = opts.ifName ?? '';
  if (!ifName || ifName.length > 15 || ifName === '.' || ifName === '..' || /[/:\s]/.test(ifName)) {
    throw new RangeError(`ifName: ${JSON.stringify(ifName)} is not a valid interface name (1-15 chars, no '/', ':' or spaces)`);
  }
  if (opts.command !== 'DEL' && !opts.netns) throw new RangeError(`netns is required for ${opts.command}`);
}

/** The first executable `dir/plugin` in `binDirs`, or undefined. */
export async function findPlugin(binDirs: readonly string[], plugin: string): Promise<string | undefined> {
  for (const dir of binDirs) {
    const path = join(dir, plugin);
    try {
      await access(path, constants.X_OK);
      if ((await stat(path)).isFile()) return path;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** The plugin's environment: ours minus any inherited CNI_* variables, plus the protocol's. */
function pluginEnv(opts: InvokePluginOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CNI_')) env[k] = v;
  env.CNI_COMMAND = opts.command;
  env.CNI_PATH = opts.binDirs.join(':');
  if (NEEDS_CONTAINER.has(opts.command)) {
    env.CNI_CONTAINERID = opts.containerId ?? '';
    env.CNI_NETNS = opts.netns ?? '';
    env.CNI_IFNAME = opts.ifName ?? '';
    env.CNI_ARGS = opts.args ? renderCniArgs(opts.args) : '';
  }
  return env;
}

export function invokePlugin(opts: InvokePluginOptions & { command: 'ADD' }): Promise<CniResult>;
export function invokePlugin(opts: InvokePluginOptions & { command: 'VERSION' }): Promise<CniVersionInfo>;
export function invokePlugin(opts: InvokePluginOptions & { command: 'DEL' | 'CHECK' | 'GC' | 'STATUS' }): Promise<void>;
export function invokePlugin(opts: InvokePluginOptions): Promise<CniResult | CniVersionInfo | void>;
/**
 * Runs one plugin command. Resolves with the parsed result (ADD), the version info (VERSION) or
 * nothing; rejects with a CniError (plugin-reported codes, `PluginNotFound`, `PluginFailed`,
 * `InvalidResult`, `TimedOut`, `Aborted`) or a RangeError for invalid inputs. The plugin runs in its
 * own process group, so a timeout or abort also kills what it started (e.g. its IPAM plugin).
 */
export async function invokePlugin(opts: InvokePluginOptions): Promise<CniResult | CniVersionInfo | void> {
  validateInvocation(opts);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
  const base = { plugin: opts.plugin, command: opts.command, ...(opts.containerId ? { containerId: opts.containerId } : {}) };
  const fail = (code: CniErrorCode, msg: string, extra: { stderr?: string; cause?: unknown } = {}): CniError =>
    new CniError({ ...base, code, msg, ...(extra.stderr ? { stderr: extra.stderr } : {}) }, { cause: extra.cause });

  if (opts.signal?.aborted) throw fail('Aborted', 'aborted before start', { cause: opts.signal.reason });
  const path = await findPlugin(opts.binDirs, opts.plugin);
  if (!path) throw fail('PluginNotFound', `failed to find plugin "${opts.plugin}" in path [${opts.binDirs.join(' ')}]`);

  const child = execa(path, [], {
    input: JSON.stringify(opts.config),
    env: pluginEnv(opts),
    extendEnv: false,
    detached: true,
    reject: false,
    stripFinalNewline: false,
  });
  let killedFor: 'TimedOut' | 'Aborted' | undefined;
  const kill = (why: 'TimedOut' | 'Aborted'): void => {
    killedFor ??= why;
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  };
  const timer = setTimeout(() => kill('TimedOut'), timeoutMs);
  const onAbort = (): void => kill('Aborted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let result;
  try {
    result = await child;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (killedFor === 'TimedOut') throw fail('TimedOut', `killed after ${timeoutMs} ms`, { stderr });
  if (killedFor === 'Aborted') throw fail('Aborted', 'killed: call aborted', { stderr, cause: opts.signal?.reason });

  if (result.exitCode !== 0) {
    const structured = parseStructuredError(stdout);
    if (structured) {
      throw new CniError({
        ...base,
        code: cniErrorCodeOf(structured.code),
        cniCode: structured.code,
        msg: structured.msg,
        ...(structured.details ? { details: structured.details } : {}),
        stderr,
      });
    }
    const how = result.exitCode !== undefined ? `exited with code ${result.exitCode}` : result.signal ? `killed by ${result.signal}` : 'could not run';
    const out = stdout.trim() ? `; stdout: ${stdout.trim().slice(0, 500)}` : '';
    throw fail('PluginFailed', `${path} ${how} without a structured error${out}`, { stderr, cause: result.cause });
  }

  if (opts.command !== 'ADD' && opts.command !== 'VERSION') return undefined;
  try {
    const json = parseJsonObject(stdout, `${opts.command} output`);
    return opts.command === 'ADD' ? parseResult(json) : parseVersionInfo(json);
  } catch (err) {
    throw fail('InvalidResult', (err as Error).message, { stderr, cause: err });
  }
}
