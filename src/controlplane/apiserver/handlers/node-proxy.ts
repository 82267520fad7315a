/**
 * `nodes/<name>/proxy/<path>`: a request passed to the node's kubelet API as it is (method, query,
 * body, content type), its answer relayed back, as upstream's node proxy
 * (`kubectl get --raw /api/v1/nodes/<node>/proxy/stats/summary`, `.../proxy/metrics`).
 */
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ApiError, failure } from '../errors.js';
import { locateKubelet } from '../kubelet-client.js';
import type { ApiServices, RequestScope } from './context.js';

const RELAYED_HEADERS = ['content-type', 'content-encoding', 'cache-control'];

export async function handleNodeProxy(services: ApiServices, scope: RequestScope, path: string): Promise<void> {
  const kubelet = await locateKubelet(services.storeFor('', 'nodes'), scope.name, services.kubeletClient, scope.signal);
  const url = new URL(path, kubelet.base);
  for (const [k, v] of scope.query) url.searchParams.append(k, v);
  const req = scope.req;
  const headers: Record<string, string> = {};
  for (const h of ['content-type', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const out = request(url, { ...kubelet.tls, method: req.method, headers, signal: scope.signal }, resolve);
    out.on('error', (err) => reject(new ApiError(failure(503, 'ServiceUnavailable', `error trying to reach service: ${err.message}`))));
    req.pipe(out);
  });
  const relayed: Record<string, string> = {};
  for (const h of RELAYED_HEADERS) if (typeof upstream.headers[h] === 'string') relayed[h] = upstream.headers[h];
  scope.res.writeHead(upstream.statusCode ?? 502, relayed);
  upstream.pipe(scope.res);
  await new Promise<void>((resolve) => {
    upstream.once('end', resolve);
    upstream.once('error', () => resolve());
    scope.res.once('close', resolve);
  });
}
