/** Stable codes of cgroup failures; branch on these, never on messages. */
export type CgroupErrorCode = 'DetectFailed' | 'CreateFailed' | 'SetFailed' | 'KillFailed' | 'RemoveFailed' | 'ReadFailed';

/**
 * A failed cgroup operation. `path` is the directory or control file involved; `cause` the
 * underlying errno error (or an AggregateError when several hierarchies failed).
 */
export class CgroupError extends Error {
  override readonly name = 'CgroupError';
  readonly code: CgroupErrorCode;
  readonly path: string;

  constructor(code: CgroupErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(`${message} (${path})`, options);
    this.code = code;
    this.path = path;
  }
}

/** The errno code (`ENOENT`, `EBUSY`, ...) of a Node fs error, or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
