/**
 * Typed failures of building CRI configs from a pod. The executor records them as the container's
 * waiting reason (`code`) with `message` as the waiting message, as upstream does with
 * `ErrCreateContainerConfig`; they are not retried faster than the next sync because the spec (or
 * a missing ConfigMap/Secret) must change first.
 */

/** The container cannot be configured: bad env ref, missing ConfigMap key, runAsNonRoot violation, ... */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
  /** The upstream waiting reason. */
  readonly code = 'CreateContainerConfigError' as const;
  readonly containerName: string;

  constructor(containerName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.containerName = containerName;
  }
}

/** The sandbox cannot be configured, e.g. an invalid hostname or an FQDN that is too long. */
export class SandboxConfigError extends Error {
  override readonly name = 'SandboxConfigError';
  /** The upstream sync result error of a failed sandbox creation. */
  readonly code = 'CreatePodSandboxError' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isContainerConfigError(err: unknown): err is ContainerConfigError {
  return err instanceof ContainerConfigError;
}

export function isSandboxConfigError(err: unknown): err is SandboxConfigError {
  return err instanceof SandboxConfigError;
}
