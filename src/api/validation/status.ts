/**
 * How a list of field errors reaches a client: the 422 `Status` the API server answers with
 * (upstream `apierrors.NewInvalid`), its `message`, and the text kubectl 1.32 prints from it.
 */
import type { Status } from '../meta.js';
import { aggregateMessage, dedupe, goQuote, type FieldError } from './field.js';

/** A kind with its API group; the core group is `''`. */
export interface GroupKind {
  group?: string;
  kind: string;
}

/** Upstream `schema.GroupKind.String()`: `Pod`, `Deployment.apps`. */
function qualifiedKind(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

/**
 * The `message` of the API server's Invalid Status: `Pod "web" is invalid: spec.x: Required value`,
 * or `Pod "web" is invalid: [a, b]` for several errors (duplicates removed).
 */
export function invalidStatusMessage(gk: GroupKind, name: string, errs: readonly FieldError[]): string {
  const agg = aggregateMessage(errs);
  const head = `${qualifiedKind(gk)} ${goQuote(name)} is invalid`;
  return agg === '' ? head : `${head}: ${agg}`;
}

/**
 * The whole 422 Status body, with one cause per error (`reason` the error type, `message` the
 * error body, `field` the path), as upstream `apierrors.NewInvalid` builds it.
 */
export function invalidStatus(gk: GroupKind, name: string, errs: readonly FieldError[]): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: invalidStatusMessage(gk, name, errs),
    reason: 'Invalid',
    details: {
      name,
      ...(gk.group ? { group: gk.group } : {}),
      kind: gk.kind,
      causes: errs.map((e) => ({ reason: e.type, message: e.body, field: e.field })),
    },
    code: 422,
  };
}

/**
 * What kubectl 1.32 prints for an Invalid Status (without its final newline):
 * `The Pod "web" is invalid: spec.containers: Required value` for one error, and for several
 * `The Pod "web" is invalid: ` followed by one `* field: message` line per distinct error.
 * `kind` is the bare kind (kubectl uses `details.kind`, not the group).
 */
export function invalidMessage(kind: string, name: string, errs: readonly FieldError[]): string {
  const head = `The ${kind} ${goQuote(name)} is invalid`;
  const unique = dedupe(errs);
  if (unique.length === 0) return head;
  if (unique.length === 1) return `${head}: ${unique[0]?.message ?? ''}`;
  return [`${head}: `, ...unique.map((e) => `* ${e.message}`)].join('\n');
}
