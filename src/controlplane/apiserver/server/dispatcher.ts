/**
 * The request dispatcher: parses what a request is about, authenticates and authorizes it, routes
 * it to a handler, turns every failure into a Status answer (ApiErrors as they are, anything else
 * a 500 that is logged), and logs one line per request (verb, resource, code, latency). It holds
 * no state of its own; handlers do the work.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { writeStatusToSocket } from '../../../lib/remotecommand/index.js';
import { authenticate, forbiddenMessage, type Authenticator, type Authorizer, type AuthzAttributes } from '../auth/index.js';
import { ApiError, badRequest, failure, internalError, methodNotAllowed, notAcceptable, pathNotFound, unauthorized } from '../errors.js';
import { CONNECT_SUBRESOURCES, handleConnect } from '../handlers/connect.js';
import type { ApiServices, RequestScope } from '../handlers/context.js';
import { handleDelete, handleDeleteCollection } from '../handlers/delete.js';
import { DISCOVERY_V2_CONTENT_TYPE, aggregatedDiscovery, apiGroupDoc, apiGroupList, apiResourceList, apiVersions } from '../handlers/discovery.js';
import { handleNodeProxy } from '../handlers/node-proxy.js';
import { handleNonResource } from '../handlers/nonresource.js';
import { handlePatch } from '../handlers/patch.js';
import { handleGet, handleList } from '../handlers/read.js';
import { handleLog } from '../handlers/log.js';
import { handleScaleGet, handleScalePatch, handleScaleUpdate } from '../handlers/scale.js';
import { handleWatch } from '../handlers/watch.js';
import { handleCreate, handleUpdate } from '../handlers/write.js';
import type { Verb } from '../registry/index.js';
import { reportedVerb } from './metrics.js';
import { negotiate, PRODUCED_MEDIA_TYPES } from './negotiate.js';
import { parseRequestInfo, requestUrl, type RequestInfo, type RequestUrl } from './request-info.js';
import { writeObject, writeStatus } from './respond.js';

export interface DispatcherOptions {
  services: ApiServices;
  authenticators: readonly Authenticator[];
  authorizer: Authorizer;
  /** `host:port` clients reach the server at (legacy `/api` discovery). */
  serverAddress(): string;
}

type ResourceInfo = Extract<RequestInfo, { kind: 'resource' }>;

function authzAttributes(info: RequestInfo, user: AuthzAttributes['user'], method: string, path: string): AuthzAttributes {
  if (info.kind === 'resource') {
    return { user, verb: info.verb, resource: { group: info.group, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name } };
  }
  return { user, verb: method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase(), path };
}

/** Authenticates and authorizes a request; throws 401/403 as upstream words them. */
function admit(opts: DispatcherOptions, req: IncomingMessage, info: RequestInfo, url: RequestUrl): AuthzAttributes['user'] {
  const user = authenticate(opts.authenticators, req);
  if (user === 'invalid') throw unauthorized();
  const attrs = authzAttributes(info, user, req.method ?? 'GET', url.pathname);
  const decision = opts.authorizer.authorize(attrs);
  if (!decision.allowed) {
    const status = failure(403, 'Forbidden', forbiddenMessage(attrs), attrs.resource ? { ...(attrs.resource.name ? { name: attrs.resource.name } : {}), ...(attrs.resource.group ? { group: attrs.resource.group } : {}), kind: attrs.resource.resource } : {});
    throw new ApiError(status);
  }
  return user;
}

/**
 * HTTP upgrades (WebSocket or SPDY): only the connect subresources of pods take them. Same
 * authentication, authorization and request log as the dispatcher; errors before the upgrade is
 * answered become a Status response on the socket.
 */
export function createUpgradeDispatcher(opts: DispatcherOptions): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { services } = opts;
  const logger = services.logger;
  return (req, socket, head) => {
    const started = performance.now();
    const ac = new AbortController();
    socket.on('close', () => ac.abort());
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      url = new URL('http://localhost/');
    }
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    let code = 101;
    const serve = async (): Promise<void> => {
      if (info.kind !== 'resource' || info.group !== '' || info.resource !== 'pods' || !CONNECT_SUBRESOURCES.has(info.subresource) || info.name === '') throw badRequest('the server does not allow upgrades of this request');
      admit(opts, req, info, url);
      await handleConnect(services, { namespace: info.namespace, name: info.name, subresource: info.subresource, query: url.searchParams }, req, socket, head, ac.signal);
    };
    serve()
      .catch((err: unknown) => {
        const status = err instanceof ApiError ? err.status : internalError(err).status;
        if (!(err instanceof ApiError)) logger.error({ err, path: url.pathname }, 'upgrade failed');
        code = status.code ?? 500;
        writeStatusToSocket(socket, status);
      })
      .finally(() => {
        const latencyMs = Math.round((performance.now() - started) * 10) / 10;
        const fields = info.kind === 'resource' ? { verb: info.verb, resource: info.resource, subresource: info.subresource || undefined, namespace: info.namespace || undefined, name: info.name || undefined } : { verb: req.method, path: url.pathname };
        logger.info({ ...fields, code, latencyMs, upgrade: req.headers.upgrade }, 'request');
        services.metrics.observe('CONNECT', info.kind === 'resource' ? info.resource : '', code, latencyMs / 1000);
      });
  };
}

export function createDispatcher(opts: DispatcherOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { services } = opts;
  const logger = services.logger;

  async function discovery(info: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (info.kind === 'root' || info.kind === 'group' || info.kind === 'groupVersion') throw methodNotAllowed();
      return false;
    }
    const registry = services.registry;
    if (info.kind === 'root') {
      const f = negotiate(req.headers.accept, { discovery: true });
      if (!f) throw notAcceptable(PRODUCED_MEDIA_TYPES);
      if (f.kind === 'discovery') writeObject(res, 200, aggregatedDiscovery(registry, info.prefix), { contentType: DISCOVERY_V2_CONTENT_TYPE, head });
      else writeObject(res, 200, info.prefix === 'api' ? apiVersions(opts.serverAddress()) : apiGroupList(registry), { yaml: f.kind === 'yaml', head });
      return true;
    }
    if (info.kind === 'group') {
      const doc = apiGroupDoc(registry, info.group);
      if (!doc) throw pathNotFound();
      writeObject(res, 200, doc, { head });
      return true;
    }
    if (info.kind === 'groupVersion') {
      if (!registry.hasGroupVersion(info.group, info.version)) throw pathNotFound();
      writeObject(res, 200, apiResourceList(registry, info.group, info.version), { head });
      return true;
    }
    return false;
  }

  async function resource(info: ResourceInfo, req: IncomingMessage, res: ServerResponse, url: RequestUrl, scopeBase: Pick<RequestScope, 'user' | 'signal' | 'warnings'>): Promise<void> {
    const def = services.registry.lookup(info.group, info.version, info.resource);
    if (!def) throw pathNotFound();
    // Namespaced kinds need a namespace, except to list or watch across all of them; cluster-scoped
    // kinds have none. A write to `/api/v1/pods` is a 405 as upstream (the path exists for lists).
    const crossNamespace = def.namespaced && info.namespace === '';
    if ((crossNamespace && info.verb !== 'list' && info.verb !== 'watch') || (!def.namespaced && info.namespace !== '')) {
      throw crossNamespace && info.name === '' ? methodNotAllowed() : pathNotFound();
    }
    const sub = info.subresource ? def.subresources.find((s) => s.name === info.subresource) : undefined;
    if (info.subresource && !sub) throw pathNotFound();
    const verbs: readonly Verb[] = sub ? sub.verbs : def.verbs;
    if (!verbs.includes(info.verb)) throw methodNotAllowed();
    const scope: RequestScope = {
      ...scopeBase,
      req,
      res,
      query: url.searchParams,
      def,
      store: services.store(def),
      namespace: info.namespace,
      name: info.name,
      subresource: info.subresource,
      verb: info.verb,
    };
    if (info.group === '' && info.resource === 'pods' && CONNECT_SUBRESOURCES.has(info.subresource)) throw badRequest('Upgrade request required');
    if (info.group === '' && info.resource === 'nodes' && info.subresource === 'proxy') return handleNodeProxy(services, scope, info.proxyPath ?? '/');
    if (info.subresource === 'scale') {
      if (info.verb === 'get') return handleScaleGet(services, scope);
      if (info.verb === 'update') return handleScaleUpdate(services, scope);
      if (info.verb === 'patch') return handleScalePatch(services, scope);
      throw methodNotAllowed();
    }
    switch (info.verb) {
      case 'get':
        return info.subresource === 'log' ? handleLog(services, scope) : handleGet(services, scope);
      case 'list':
        return handleList(services, scope);
      case 'watch':
        return handleWatch(services, scope);
      case 'create':
        return handleCreate(services, scope);
      case 'update':
        return handleUpdate(services, scope);
      case 'patch':
        return handlePatch(services, scope);
      case 'delete':
        return handleDelete(services, scope);
      case 'deletecollection':
        return handleDeleteCollection(services, scope);
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse, info: RequestInfo, url: RequestUrl, signal: AbortSignal): Promise<string> {
    const user = admit(opts, req, info, url);
    switch (info.kind) {
      case 'badMethod':
        throw methodNotAllowed();
      case 'unknown':
        throw pathNotFound();
      case 'nonResource':
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
        if (!(await handleNonResource(services, url.pathname, res, req.method === 'HEAD'))) throw pathNotFound();
        return user.name;
      case 'resource':
        await resource(info, req, res, url, { user, signal, warnings: [] });
        return user.name;
      default:
        await discovery(info, req, res);
        return user.name;
    }
  }

  return (req, res) => {
    const started = performance.now();
    const ac = new AbortController();
    // Only a client gone before the answer was complete aborts the request (an abort builds a
    // DOMException with a stack: too costly to do after every answered request).
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const url = requestUrl(req.url);
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    let user = '';
    serve(req, res, info, url, ac.signal)
      .then((u) => {
        user = u;
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError) return writeStatus(res, err.status);
        logger.error({ err, method: req.method, path: url.pathname }, 'request failed');
        writeStatus(res, internalError(err).status);
      })
      .finally(() => {
        const latencyMs = Math.round((performance.now() - started) * 10) / 10;
        // The log line's fields are only built when it is written (servers often log at warn).
        if (logger.isLevelEnabled('info')) {
          const fields =
            info.kind === 'resource'
              ? { verb: info.verb, group: info.group, resource: info.resource, subresource: info.subresource || undefined, namespace: info.namespace || undefined, name: info.name || undefined }
              : { verb: req.method, path: url.pathname };
          logger.info({ ...fields, code: res.statusCode, latencyMs, user: user || undefined }, 'request');
        }
        const verb = reportedVerb(info.kind === 'resource' ? info.verb : undefined, req.method ?? 'GET', req.headers['content-type']);
        services.metrics.observe(verb, info.kind === 'resource' ? info.resource : '', res.statusCode, latencyMs / 1000);
      });
  };
}
