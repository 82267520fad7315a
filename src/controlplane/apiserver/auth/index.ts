/**
 * The authentication and authorization chain, as pluggable interfaces: authenticators turn a
 * request into a user (the first that recognises credentials wins; none: anonymous), the
 * authorizer allows or denies what that user asks. Today: client certificates signed by the
 * cluster CA, `system:masters` may do everything, anonymous users only read health and version.
 * Bootstrap and service-account tokens, RBAC and the Node authorizer plug in here later.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  name: string;
  groups: string[];
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
export const MASTERS_GROUP = 'system:masters';

/** Result of one authenticator: a user, `undefined` (no credentials of its kind), or 'invalid' (401). */
export type AuthnResult = UserInfo | undefined | 'invalid';

export interface Authenticator {
  authenticate(req: IncomingMessage): AuthnResult;
}

/** What a request asks, as upstream's authorizer attributes. */
export interface AuthzAttributes {
  user: UserInfo;
  verb: string;
  /** Resource requests: group, resource, subresource, namespace, name. */
  resource?: { group: string; resource: string; subresource: string; namespace: string; name: string };
  /** Non-resource requests: the path. */
  path?: string;
}

export interface Authorizer {
  authorize(attrs: AuthzAttributes): { allowed: boolean; reason?: string };
}

/** Runs the authenticators in order; anonymous when none recognises the request. */
export function authenticate(chain: readonly Authenticator[], req: IncomingMessage): UserInfo | 'invalid' {
  for (const a of chain) {
    const r = a.authenticate(req);
    if (r !== undefined) return r;
  }
  return ANONYMOUS;
}

/**
 * Client certificates verified by the TLS layer against the cluster CA (the server requests but
 * does not require them): CN is the user, O the groups. A presented certificate that does not
 * verify is 'invalid'.
 */
export const x509Authenticator: Authenticator = {
  authenticate(req) {
    const socket = req.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function') return undefined;
    const cert = socket.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return undefined;
    if (!socket.authorized) return 'invalid';
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
    const cn = subject.CN;
    const o = subject.O;
    const name = Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? '');
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return name ? { name, groups: [...groups, 'system:authenticated'] } : 'invalid';
  },
};

/** For tests over plain HTTP on loopback: every request is the cluster admin. */
export const insecureLoopbackAuthenticator: Authenticator = {
  authenticate: () => ({ name: 'system:admin', groups: [MASTERS_GROUP, 'system:authenticated'] }),
};

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/** `system:masters` may do anything; everyone may read health and version (upstream's public-info-viewer). */
export const defaultAuthorizer: Authorizer = {
  authorize(attrs) {
    if (attrs.user.groups.includes(MASTERS_GROUP)) return { allowed: true };
    if (attrs.path !== undefined && attrs.verb === 'get' && (PUBLIC_PATHS.has(attrs.path) || attrs.path.startsWith('/healthz/') || attrs.path.startsWith('/livez/') || attrs.path.startsWith('/readyz/'))) {
      return { allowed: true };
    }
    return { allowed: false };
  },
};

/** Upstream's 403 message for a denied request. */
export function forbiddenMessage(attrs: AuthzAttributes): string {
  const user = `User "${attrs.user.name}"`;
  if (attrs.resource === undefined) return `forbidden: ${user} cannot ${attrs.verb} path "${attrs.path ?? ''}"`;
  const r = attrs.resource;
  const res = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const scope = r.namespace ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
  const what = r.name ? `${res} "${r.name}"` : res;
  return `${what} is forbidden: ${user} cannot ${attrs.verb} resource "${res}" in API group "${r.group}" ${scope}`;
}
