/**
 * `GET pods/<name>/log`: the logs live on the pod's node, so the answer is the kubelet's
 * `/containerLogs/NS/POD/CONTAINER`, streamed through (with `follow` for as long as the client
 * stays). Unscheduled pods answer empty, as upstream. The kubelet's refusals come back as a Status
 * with its code and its text as the message (`container "c" in pod "web" is waiting to start: ...`).
 */
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, failure, invalid } from '../errors.js';
import { arrayAt, isRecord, stringAt, type KObject } from '../object.js';
import { locateKubelet } from '../kubelet-client.js';
import { writeText } from '../server/respond.js';
import type { StatusReason } from '../../../api/index.js';
import { forbidden, invalid as invalidField, type FieldError } from '../../../api/validation/index.js';
import type { ApiServices, RequestScope } from './context.js';

const names = (pod: KObject, field: string): string[] =>
  arrayAt(pod, 'spec', field)
    .filter(isRecord)
    .map((c) => String(c.name));

/** The container a log/exec/attach request is about: the one named, or the pod's only container. */
export function resolveContainer(pod: KObject, container: string, opts: { withInitList: boolean }): string {
  const name = stringAt(pod, 'metadata', 'name');
  if (container === '') {
    const containers = names(pod, 'containers');
    if (containers.length === 1) return containers[0] ?? '';
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    if (!opts.withInitList) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${[...containers, ...names(pod, 'initContainers'), ...names(pod, 'ephemeralContainers')].join(' ')}]`);
    const init = names(pod, 'initContainers');
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${init.length > 0 ? ` or one of the init containers: [${init.join(' ')}]` : ''}`);
  }
  const all = [...names(pod, 'containers'), ...names(pod, 'initContainers'), ...names(pod, 'ephemeralContainers')];
  if (!all.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

const REASONS: Record<number, StatusReason> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 500: 'InternalError', 503: 'ServiceUnavailable' };

/** A kubelet's non-200 answer as the Status upstream's response checker makes of it. */
export async function kubeletFailure(res: IncomingMessage): Promise<ApiError> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  const code = res.statusCode ?? 500;
  return new ApiError(failure(code, REASONS[code] ?? 'InternalError', text || `the kubelet answered ${code}`));
}

/** Upstream's PodLogOptions validation. */
function validateLogOptions(name: string, q: URLSearchParams): void {
  const errs: FieldError[] = [];
  const int = (k: string): number | undefined => (q.has(k) ? Number(q.get(k)) : undefined);
  const tail = int('tailLines');
  if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) errs.push(invalidField('tailLines', tail, 'must be greater than or equal to 0'));
  const limit = int('limitBytes');
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) errs.push(invalidField('limitBytes', limit, 'must be greater than 0'));
  const since = int('sinceSeconds');
  if (since !== undefined && !(Number.isInteger(since) && since >= 1)) errs.push(invalidField('sinceSeconds', since, 'must be greater than 0'));
  if (since !== undefined && q.has('sinceTime')) errs.push(forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  if (errs.length > 0) throw invalid('', 'PodLogOptions', name, errs);
}

export async function handleLog(services: ApiServices, scope: RequestScope): Promise<void> {
  validateLogOptions(scope.name, scope.query);
  const pod = await scope.store.get(scope.namespace, scope.name, scope.signal);
  const container = resolveContainer(pod, scope.query.get('container') ?? '', { withInitList: true });
  const nodeName = stringAt(pod, 'spec', 'nodeName');
  if (!nodeName) return writeText(scope.res, 200, '');
  const kubelet = await locateKubelet(services.storeFor('', 'nodes'), nodeName, services.kubeletClient, scope.signal);
  const params = new URLSearchParams();
  for (const flag of ['follow', 'previous', 'timestamps']) if (scope.query.get(flag) === 'true' || scope.query.get(flag) === '1') params.set(flag, 'true');
  for (const key of ['tailLines', 'limitBytes', 'sinceSeconds']) if (scope.query.has(key)) params.set(key, scope.query.get(key) ?? '');
  if (scope.query.has('sinceTime')) {
    const t = Date.parse(scope.query.get('sinceTime') ?? '');
    if (Number.isFinite(t)) params.set('sinceSeconds', String(Math.max(1, Math.ceil((Date.now() - t) / 1000))));
  }
  const enc = encodeURIComponent;
  const url = new URL(`/containerLogs/${enc(scope.namespace)}/${enc(scope.name)}/${enc(container)}?${params.toString()}`, kubelet.base);
  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { ...kubelet.tls, method: 'GET', signal: scope.signal }, resolve);
    req.on('error', (err) => reject(new ApiError(failure(500, 'InternalError', `Get "${url.href}": ${err.message}`))));
    req.end();
  });
  if (upstream.statusCode !== 200) throw await kubeletFailure(upstream);
  const res = scope.res;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  // pipe() keeps a slow `logs -f` reader from buffering the whole log here; it ends `res` too.
  upstream.pipe(res);
  await new Promise<void>((resolve) => {
    upstream.once('close', resolve);
    upstream.once('error', () => resolve());
    res.once('close', resolve);
  });
  if (!res.writableEnded) res.end();
}
