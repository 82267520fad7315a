import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * `metav1.Status` as the streaming protocols carry it (error stream / channel 3) and as HTTP error
 * bodies. Kept local because exec adds the `NonZeroExitCode` reason and `ExitCode` cause that the
 * API types do not list.
 */
export interface ExecStatus {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
  code?: number;
}

export const SUCCESS_STATUS: ExecStatus = { metadata: {}, status: 'Success' };

/** The Status kubelet writes when the command exits non-zero; kubectl exits with `code`. */
export function exitCodeStatus(code: number): ExecStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** A Failure Status as the API server renders errors (`kind: Status`, HTTP code inside). */
export function failureStatus(code: number, reason: string, message: string): ExecStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** Exit code a Status stands for: 0 on Success, the ExitCode cause if any, else 1 (kubectl's rule). */
export function exitCodeOf(status: ExecStatus): number {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const n = Number(cause?.message);
    if (Number.isInteger(n)) return n;
  }
  return 1;
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  429: 'TooManyRequests',
  501: 'InternalError',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  500: 'InternalError',
  502: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** gRPC status names (as CRI errors carry them in `code`) to the HTTP codes kubelet answers with. */
const HTTP_BY_GRPC_NAME: Record<string, number> = {
  InvalidArgument: 400,
  OutOfRange: 400,
  Unauthenticated: 401,
  PermissionDenied: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Aborted: 409,
  FailedPrecondition: 400,
  ResourceExhausted: 429,
  Unimplemented: 501,
  Unavailable: 503,
  DeadlineExceeded: 504,
};

function isStatusLike(v: unknown): v is ExecStatus {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status' && typeof (v as { status?: unknown }).status === 'string';
}

/**
 * Turns whatever an upstream dial threw into a Status with an HTTP code:
 * - an error carrying a Status (`err.status`) or an HTTP answer whose body is a Status JSON
 *   (UpgradeError from a kubelet/API server) keeps it;
 * - an error with a numeric `statusCode` keeps the code;
 * - an error whose `code` is a gRPC status name (CriError: NotFound, InvalidArgument, ...) gets the
 *   matching HTTP code and its message;
 * - anything else is a 500 "error dialing backend", as the API server reports it.
 */
export function statusFromError(err: unknown): ExecStatus {
  const e = err as { status?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  if (isStatusLike(e?.status)) return e.status;
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400) {
    if (typeof e.body === 'string') {
      try {
        const parsed: unknown = JSON.parse(e.body);
        if (isStatusLike(parsed)) return { ...parsed, code: parsed.code ?? e.statusCode };
      } catch {
        // not JSON: use the text below
      }
    }
    const text = typeof e.body === 'string' && e.body.trim() !== '' ? e.body.trim() : String(e.message ?? '');
    return failureStatus(e.statusCode, REASON_BY_CODE[e.statusCode] ?? 'InternalError', text);
  }
  const message = err instanceof Error ? err.message : String(err);
  const fromGrpc = typeof (err as { code?: unknown })?.code === 'string' ? HTTP_BY_GRPC_NAME[(err as { code: string }).code] : undefined;
  if (fromGrpc !== undefined) return failureStatus(fromGrpc, REASON_BY_CODE[fromGrpc] ?? 'InternalError', message);
  return failureStatus(500, 'InternalError', `error dialing backend: ${message}`);
}

/** Writes a Status (any `metav1.Status`-shaped object) as a complete HTTP/1.1 error answer on a raw (not yet upgraded) socket. */
export function writeStatusToSocket(socket: Duplex, status: Pick<ExecStatus, 'code'> & object): void {
  const code = status.code ?? 500;
  const body = JSON.stringify(status);
  const reason = STATUS_CODES[code] ?? 'Error';
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Writes a Status as the answer of a normal (non-upgrade) request. */
export function writeStatusResponse(res: ServerResponse, status: ExecStatus): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code ?? 500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
