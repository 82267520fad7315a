import type { CniCommand } from './types.js';

/** The well-known error codes of the CNI spec (1.0/1.1, "Error" section), by tskube name. */
export const CNI_ERROR_CODES = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  /** The container is unknown: the runtime need not clean anything up (DEL treats it as success). */
  UnknownContainer: 3,
  InvalidEnvVars: 4,
  IOFailure: 5,
  DecodeFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  /** STATUS (1.1): the plugin cannot serve ADD now. */
  PluginNotAvailable: 50,
  /** STATUS (1.1): as above, and existing attachments may have limited connectivity. */
  PluginNotAvailableLimitedConnectivity: 51,
} as const;

export type CniWellKnownErrorCode = keyof typeof CNI_ERROR_CODES;

/**
 * Stable codes of a failed plugin call:
 * - a well-known CNI code reported by the plugin (`cniCode` holds the number),
 * - `PluginError`: a structured error with a code outside the well-known list (plugin-specific, >= 100),
 * - failures found by tskube: `PluginNotFound` (no executable of that type in the bin dirs),
 *   `PluginFailed` (non-zero exit without a structured error on stdout), `InvalidResult` (exit 0 but
 *   stdout is not the expected JSON), `TimedOut` and `Aborted` (the plugin's process group was killed).
 */
export type CniErrorCode = CniWellKnownErrorCode | 'PluginError' | 'PluginNotFound' | 'PluginFailed' | 'InvalidResult' | 'TimedOut' | 'Aborted';

const nameByNumber = new Map<number, CniWellKnownErrorCode>(
  Object.entries(CNI_ERROR_CODES).map(([name, n]) => [n, name as CniWellKnownErrorCode]),
);

/** The tskube name of a CNI error number: a well-known name, else `PluginError`. Pure. */
export function cniErrorCodeOf(n: number): CniErrorCode {
  return nameByNumber.get(n) ?? 'PluginError';
}

export interface CniErrorInit {
  code: CniErrorCode;
  /** The number the plugin reported, when it reported a structured error. */
  cniCode?: number;
  plugin: string;
  command: CniCommand;
  containerId?: string;
  /** The plugin's `msg` (or tskube's description of a local failure). */
  msg: string;
  /** The plugin's `details`. */
  details?: string;
  /** The tail of the plugin's stderr, if any. */
  stderr?: string;
}

/**
 * A failed CNI plugin call. `code` is stable and safe to branch on; `message` names the plugin, the
 * command, the container and carries the plugin's own words, e.g.
 * `CNI bridge ADD (container abc): [7 InvalidNetworkConfig] failed to parse network config: ...`.
 */
export class CniError extends Error {
  override readonly name = 'CniError';
  readonly code: CniErrorCode;
  readonly cniCode: number | undefined;
  readonly plugin: string;
  readonly command: CniCommand;
  readonly containerId: string | undefined;
  readonly msg: string;
  readonly details: string;
  readonly stderr: string;

  constructor(init: CniErrorInit, options?: { cause?: unknown }) {
    const who = `CNI ${init.plugin} ${init.command}${init.containerId ? ` (container ${init.containerId})` : ''}`;
    const tag = init.cniCode === undefined ? init.code : `${init.cniCode} ${init.code}`;
    const details = init.details ? `: ${init.details}` : '';
    const stderr = init.stderr?.trim() ? ` (stderr: ${tail(init.stderr.trim(), 1000)})` : '';
    super(`${who}: [${tag}] ${init.msg}${details}${stderr}`, options);
    this.code = init.code;
    this.cniCode = init.cniCode;
    this.plugin = init.plugin;
    this.command = init.command;
    this.containerId = init.containerId;
    this.msg = init.msg;
    this.details = init.details ?? '';
    this.stderr = init.stderr ?? '';
  }
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `...${text.slice(text.length - max)}`;
}

export function isCniError(err: unknown, code?: CniErrorCode): err is CniError {
  return err instanceof CniError && (code === undefined || err.code === code);
}

/** The plugin says the container is unknown: nothing to clean up. */
export function isUnknownContainer(err: unknown): boolean {
  return isCniError(err, 'UnknownContainer');
}

/** Transient: the plugin asks to be called again later (code 11), or it timed out. */
export function isRetryable(err: unknown): boolean {
  return isCniError(err, 'TryAgainLater') || isCniError(err, 'TimedOut');
}
