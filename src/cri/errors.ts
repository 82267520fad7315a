import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

/** Stable error codes of CRI calls, named after the gRPC status codes. */
export type CriErrorCode =
  | 'Cancelled'
  | 'Unknown'
  | 'InvalidArgument'
  | 'DeadlineExceeded'
  | 'NotFound'
  | 'AlreadyExists'
  | 'PermissionDenied'
  | 'ResourceExhausted'
  | 'FailedPrecondition'
  | 'Aborted'
  | 'OutOfRange'
  | 'Unimplemented'
  | 'Internal'
  | 'Unavailable'
  | 'DataLoss'
  | 'Unauthenticated';

const byGrpcCode: Record<number, CriErrorCode> = {
  [GrpcStatus.CANCELLED]: 'Cancelled',
  [GrpcStatus.UNKNOWN]: 'Unknown',
  [GrpcStatus.INVALID_ARGUMENT]: 'InvalidArgument',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [GrpcStatus.NOT_FOUND]: 'NotFound',
  [GrpcStatus.ALREADY_EXISTS]: 'AlreadyExists',
  [GrpcStatus.PERMISSION_DENIED]: 'PermissionDenied',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [GrpcStatus.FAILED_PRECONDITION]: 'FailedPrecondition',
  [GrpcStatus.ABORTED]: 'Aborted',
  [GrpcStatus.OUT_OF_RANGE]: 'OutOfRange',
  [GrpcStatus.UNIMPLEMENTED]: 'Unimplemented',
  [GrpcStatus.INTERNAL]: 'Internal',
  [GrpcStatus.UNAVAILABLE]: 'Unavailable',
  [GrpcStatus.DATA_LOSS]: 'DataLoss',
  [GrpcStatus.UNAUTHENTICATED]: 'Unauthenticated',
};

/**
 * An error from a CRI call. `code` is stable and safe to branch on; `message` carries the runtime's
 * own words (for example the registry's answer to a failed pull), prefixed with the method name.
 */
export class CriError extends Error {
  override readonly name = 'CriError';
  readonly code: CriErrorCode;
  /** The CRI method, e.g. `RuntimeService/StartContainer`. */
  readonly method: string;
  /** The runtime's message without our prefix. */
  readonly details: string;

  constructor(code: CriErrorCode, method: string, details: string, options?: { cause?: unknown }) {
    super(`${method}: ${details}`, options);
    this.code = code;
    this.method = method;
    this.details = details;
  }
}

function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string'
  );
}

/** Maps anything a gRPC call can throw to a CriError; CriErrors pass through unchanged. */
export function toCriError(method: string, err: unknown): CriError {
  if (err instanceof CriError) return err;
  if (isServiceError(err)) {
    const code = byGrpcCode[err.code] ?? 'Unknown';
    return new CriError(code, method, err.details || err.message, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CriError('Unknown', method, message, { cause: err });
}

function hasCode(err: unknown, code: CriErrorCode): boolean {
  return err instanceof CriError && err.code === code;
}

export const isNotFound = (err: unknown): boolean => hasCode(err, 'NotFound');
export const isAlreadyExists = (err: unknown): boolean => hasCode(err, 'AlreadyExists');
export const isUnavailable = (err: unknown): boolean => hasCode(err, 'Unavailable');
export const isUnimplemented = (err: unknown): boolean => hasCode(err, 'Unimplemented');
export const isDeadlineExceeded = (err: unknown): boolean => hasCode(err, 'DeadlineExceeded');
export const isCancelled = (err: unknown): boolean => hasCode(err, 'Cancelled');
