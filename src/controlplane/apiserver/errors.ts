/**
 * API errors as upstream `k8s.io/apimachinery/pkg/api/errors` builds them: an `ApiError` carries
 * the exact `Status` body the server answers with, so messages, reasons and codes are decided in
 * one place. Handlers throw ApiErrors; the dispatcher turns anything else into a 500.
 */
import type { Status, StatusCause, StatusDetails, StatusReason } from '../../api/index.js';
import { invalidStatus, type FieldError } from '../../api/validation/index.js';

/** A resource with its API group; the core group is `''`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** Upstream `GroupResource.String()`: `pods`, `leases.coordination.k8s.io`. */
export function groupResourceString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** An error the API answers with a `Status` body; `code` is the HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: Status;

  constructor(status: Status, options?: { cause?: unknown }) {
    super(status.message ?? status.reason ?? 'error', options);
    this.status = status;
  }

  get code(): number {
    return this.status.code ?? 500;
  }

  get reason(): StatusReason {
    return this.status.reason ?? '';
  }
}

export function isApiError(err: unknown, reason?: StatusReason): err is ApiError {
  return err instanceof ApiError && (reason === undefined || err.reason === reason);
}

/** A failure Status; `details` is omitted when undefined (upstream's `omitempty`). */
export function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

function resourceDetails(gr: GroupResource, name: string): StatusDetails {
  return { ...(name ? { name } : {}), ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

/** 404 `pods "nope" not found`. */
export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(failure(404, 'NotFound', `${groupResourceString(gr)} "${name}" not found`, resourceDetails(gr, name)));
}

/** 409 `pods "web" already exists`. */
export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(failure(409, 'AlreadyExists', `${groupResourceString(gr)} "${name}" already exists`, resourceDetails(gr, name)));
}

export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/** 409 `Operation cannot be fulfilled on pods "web": <why>`. */
export function conflict(gr: GroupResource, name: string, why: string = OBJECT_MODIFIED): ApiError {
  const message = `Operation cannot be fulfilled on ${groupResourceString(gr)} "${name}": ${why}`;
  return new ApiError(failure(409, 'Conflict', message, resourceDetails(gr, name)));
}

/** 403 `pods "web" is forbidden: <why>` (or `pods is forbidden: ...` without a name). */
export function forbidden(gr: GroupResource, name: string, why: string): ApiError {
  const grs = groupResourceString(gr);
  let message: string;
  if (grs === '') message = `forbidden: ${why}`;
  else if (name === '') message = `${grs} is forbidden: ${why}`;
  else message = `${grs} "${name}" is forbidden: ${why}`;
  return new ApiError(failure(403, 'Forbidden', message, resourceDetails(gr, name)));
}

/** 422 Invalid with one cause per field error (kubectl prints `The Pod "bad" is invalid: ...`). */
export function invalid(group: string, kind: string, name: string, errs: readonly FieldError[]): ApiError {
  return new ApiError(invalidStatus({ group, kind }, name, errs));
}

/** 400 BadRequest without details. */
export function badRequest(message: string): ApiError {
  return new ApiError(failure(400, 'BadRequest', message));
}

/** 405 for a verb a resource does not serve (upstream's generic server response). */
export function methodNotAllowed(): ApiError {
  return new ApiError(failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
}

/** 404 for a path that names nothing the server serves. */
export function pathNotFound(): ApiError {
  return new ApiError(failure(404, 'NotFound', 'the server could not find the requested resource', {}));
}

/** 415 listing what the endpoint accepts. */
export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  const message = `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`;
  return new ApiError(failure(415, 'UnsupportedMediaType', message));
}

/** 406 when no acceptable response type can be produced. */
export function notAcceptable(supported: readonly string[]): ApiError {
  return new ApiError(failure(406, 'NotAcceptable', `only the following media types are accepted: ${supported.join(', ')}`));
}

/** 413 `Request entity too large: limit is 3145728`. */
export function requestEntityTooLarge(limit: number): ApiError {
  return new ApiError(failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`));
}

/** 410 Expired (`too old resource version`, stale continue tokens). */
export function resourceExpired(message: string): ApiError {
  return new ApiError(failure(410, 'Expired', message));
}

/** 422 without field details, as upstream answers a JSON patch that does not apply. */
export function unprocessable(): ApiError {
  return new ApiError(failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {}));
}

/** 504 for a read at a resourceVersion the store has not reached. */
export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  const causes: StatusCause[] = [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }];
  const message = `Timeout: Too large resource version: ${requested}, current: ${current}`;
  return new ApiError(failure(504, 'Timeout', message, { causes, retryAfterSeconds: 1 }));
}

/** 500 `Internal error occurred: <err>`. */
export function internalError(err: unknown): ApiError {
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError(failure(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }), { cause: err });
}

/** 503 when storage cannot be reached. */
export function serviceUnavailable(message: string): ApiError {
  return new ApiError(failure(503, 'ServiceUnavailable', message));
}

/** 401 for credentials that do not authenticate. */
export function unauthorized(): ApiError {
  return new ApiError(failure(401, 'Unauthorized', 'Unauthorized'));
}

/** A success Status, as DELETE answers for most kinds. */
export function success(details?: StatusDetails, code?: number): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details === undefined ? {} : { details }),
    ...(code === undefined ? {} : { code }),
  };
}
