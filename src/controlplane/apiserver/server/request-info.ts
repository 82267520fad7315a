/**
 * What a request is about, from its method and path, as upstream's `RequestInfoFactory`:
 * `/api/v1/namespaces/ns/pods/web/status` is resource `pods` in `ns`, name `web`, subresource
 * `status`; `/api/v1/namespaces/ns` is the namespace `ns` itself; `namespaces/ns/status` and
 * `.../finalize` are namespace subresources. Pure.
 */

export type ResourceVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export type RequestInfo =
  /** `/api` or `/apis`. */
  | { kind: 'root'; prefix: 'api' | 'apis' }
  /** `/apis/<group>`. */
  | { kind: 'group'; group: string }
  /** `/api/v1`, `/apis/<group>/<version>`. */
  | { kind: 'groupVersion'; group: string; version: string }
  | {
      kind: 'resource';
      group: string;
      version: string;
      /** '' for cluster-scoped requests and for lists across namespaces. */
      namespace: string;
      resource: string;
      name: string;
      subresource: string;
      verb: ResourceVerb;
      /** For `proxy` subresources, the path after it (`/stats/summary`), as upstream's `Parts`. */
      proxyPath?: string;
    }
  | { kind: 'nonResource'; path: string }
  /** A method the API does not serve. */
  | { kind: 'badMethod' }
  /** Segments beyond `resource/name/subresource`. */
  | { kind: 'unknown' };

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function isWatch(query: URLSearchParams): boolean {
  const w = query.get('watch');
  return w === 'true' || w === '1';
}

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  let parts: string[];
  try {
    parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  } catch {
    return { kind: 'unknown' };
  }
  const head = parts[0];
  if (head !== 'api' && head !== 'apis') return { kind: 'nonResource', path: pathname };
  let group = '';
  let version: string | undefined;
  let rest: string[];
  if (head === 'api') {
    version = parts[1];
    rest = parts.slice(2);
  } else {
    if (parts.length < 2) return { kind: 'root', prefix: 'apis' };
    group = parts[1] ?? '';
    version = parts[2];
    if (version === undefined) return { kind: 'group', group };
    rest = parts.slice(3);
  }
  if (version === undefined) return { kind: 'root', prefix: 'api' };
  if (rest.length === 0) return { kind: 'groupVersion', group, version };

  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1] ?? '';
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  // `nodes/<name>/proxy/<path...>`: the rest is the path on the node.
  let proxyPath: string | undefined;
  if (rest.length > 3 && rest[2] === 'proxy') {
    proxyPath = `/${rest.slice(3).map(encodeURIComponent).join('/')}`;
    rest = rest.slice(0, 3);
  } else if (rest[2] === 'proxy') {
    proxyPath = '/';
  }
  if (rest.length > 3 || rest.length === 0) return { kind: 'unknown' };
  const [resource = '', name = '', subresource = ''] = rest;
  if (resource === 'namespaces') namespace = '';

  let verb: ResourceVerb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = legacyWatch || isWatch(query) ? 'watch' : name ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      return { kind: 'badMethod' };
  }
  return { kind: 'resource', group, version, namespace, resource, name, subresource, verb, ...(proxyPath === undefined ? {} : { proxyPath }) };
}

/** What the dispatcher reads of a request URL: the URL class's pathname and searchParams. */
export type RequestUrl = Pick<URL, 'pathname' | 'searchParams'>;

/**
 * A request target made only of characters the URL parser keeps as they are: `/`-separated
 * non-empty segments (no `.` or `..`, no percent-escapes, backslashes, spaces or quotes), an
 * optional trailing `/`, and a query of such characters and escapes but no second `?` (which
 * URLSearchParams would drop at its start). The common case.
 */
const PLAIN_TARGET = /^(?=\/)(?:\/(?!\.\.?(?:\/|\?|$))[A-Za-z0-9\-._~!$&'()*+,;=:@]+)*\/?(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*)?$/;

/**
 * The request target as `new URL(target, 'http://localhost')` reads it (`/` when it does not
 * parse); plain targets are split without the full URL parse, with the same result.
 */
export function requestUrl(target: string | undefined): RequestUrl {
  if (target !== undefined && PLAIN_TARGET.test(target)) {
    const q = target.indexOf('?');
    return q < 0 ? { pathname: target, searchParams: new URLSearchParams() } : { pathname: target.slice(0, q), searchParams: new URLSearchParams(target.slice(q + 1)) };
  }
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return new URL('http://localhost/');
  }
}
