import { describe, expect, it } from 'vitest';
import { createMemoryBackend } from '../../storage/index.js';
import { startApiServer } from '../apiserver.js';
import { RequestMetrics, reportedVerb } from './metrics.js';

describe('request metrics', () => {
  it('counts by verb, resource and code and fills cumulative histogram buckets', () => {
    const m = new RequestMetrics();
    m.observe('LIST', 'pods', 200, 0.003);
    m.observe('LIST', 'pods', 200, 0.03);
    m.observe('POST', 'pods', 422, 0.01);
    const text = m.render();
    expect(text).toContain('# TYPE apiserver_request_total counter\n');
    expect(text).toContain('apiserver_request_total{code="200",resource="pods",verb="LIST"} 2\n');
    expect(text).toContain('apiserver_request_total{code="422",resource="pods",verb="POST"} 1\n');
    expect(text).toContain('apiserver_request_duration_seconds_bucket{resource="pods",verb="LIST",le="0.005"} 1\n');
    expect(text).toContain('apiserver_request_duration_seconds_bucket{resource="pods",verb="LIST",le="0.05"} 2\n');
    expect(text).toContain('apiserver_request_duration_seconds_bucket{resource="pods",verb="LIST",le="+Inf"} 2\n');
    expect(text).toContain('apiserver_request_duration_seconds_count{resource="pods",verb="LIST"} 2\n');
    expect(text).toMatch(/apiserver_request_duration_seconds_sum\{resource="pods",verb="LIST"\} 0\.033/);
  });

  it('reports verbs as upstream', () => {
    expect(reportedVerb('list', 'GET', undefined)).toBe('LIST');
    expect(reportedVerb('watch', 'GET', undefined)).toBe('WATCH');
    expect(reportedVerb('get', 'GET', undefined)).toBe('GET');
    expect(reportedVerb('patch', 'PATCH', 'application/apply-patch+yaml')).toBe('APPLY');
    expect(reportedVerb('patch', 'PATCH', 'application/merge-patch+json')).toBe('PATCH');
    expect(reportedVerb(undefined, 'GET', undefined)).toBe('GET');
  });

  it('serves /metrics with the requests the server answered', async () => {
    const backend = createMemoryBackend({});
    const server = await startApiServer({ backend, insecureLoopback: true, port: 0 });
    try {
      expect((await fetch(`${server.url}/api/v1/namespaces/default/configmaps`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/v1/namespaces/default/configmaps/nope`)).status).toBe(404);
      const res = await fetch(`${server.url}/metrics`);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(text).toContain('apiserver_request_total{code="200",resource="configmaps",verb="LIST"} 1\n');
      expect(text).toContain('apiserver_request_total{code="404",resource="configmaps",verb="GET"} 1\n');
    } finally {
      await server.close();
      await backend.close();
    }
  });
});
