/** Non-resource endpoints: `/version`, health checks, `/metrics`, OpenAPI and the root path list. */
import type { ServerResponse } from 'node:http';
import { pathNotFound } from '../errors.js';
import { METRICS_CONTENT_TYPE } from '../server/metrics.js';
import { writeObject, writeText } from '../server/respond.js';
import type { ApiServices } from './context.js';
import { openapiDocument, openapiIndex, parseOpenapiPath } from './openapi.js';

/** What `/version` reports: kubectl 1.32 picks its built-in client for minor 32. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-tskube',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);

/** Whether storage answers within `timeoutMs`. */
async function storageReachable(services: ApiServices, timeoutMs = 2000): Promise<boolean> {
  try {
    await services.backend.currentRevision({ signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

/** Serves a non-resource path; returns false when the path is not one of them. */
export async function handleNonResource(services: ApiServices, path: string, res: ServerResponse, head: boolean): Promise<boolean> {
  const bare = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (bare === '/version') {
    writeObject(res, 200, VERSION_INFO, { head });
    return true;
  }
  if (HEALTH.has(bare) || [...HEALTH].some((h) => bare.startsWith(`${h}/`))) {
    if (bare.startsWith('/readyz') && !(await storageReachable(services))) {
      writeText(res, 500, '[-]etcd failed: reason withheld\nreadyz check failed\n');
      return true;
    }
    writeText(res, 200, 'ok');
    return true;
  }
  if (bare === '/metrics') {
    res.statusCode = 200;
    res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
    res.end(head ? undefined : services.metrics.render());
    return true;
  }
  if (bare === '/openapi/v3') {
    writeObject(res, 200, openapiIndex(services.registry), { head });
    return true;
  }
  const gv = parseOpenapiPath(bare);
  if (gv) {
    const doc = openapiDocument(services.registry, gv.group, gv.version);
    if (!doc) throw pathNotFound();
    writeObject(res, 200, doc, { head });
    return true;
  }
  if (bare === '/') {
    const paths = ['/api', '/api/v1', '/apis', ...services.registry.groups().flatMap((g) => [`/apis/${g.group}`, ...g.versions.map((v) => `/apis/${g.group}/${v}`)]), '/healthz', '/livez', '/metrics', '/openapi/v3', '/readyz', '/version'];
    writeObject(res, 200, { paths }, { head });
    return true;
  }
  return false;
}
