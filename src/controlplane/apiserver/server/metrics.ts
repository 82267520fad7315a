/**
 * Request metrics in the Prometheus text format (0.0.4), named as upstream's API server does:
 * `apiserver_request_total{verb,resource,code}` and the latency histogram
 * `apiserver_request_duration_seconds{verb,resource}` (upstream's buckets). Verbs are upstream's
 * reported verbs: the HTTP method, with LIST and WATCH told apart from GET and APPLY from PATCH.
 * Cheap to update from every request; `render()` is a snapshot. Watches count when they end.
 */

/** Upstream's `requestLatencies` buckets, in seconds. */
export const LATENCY_BUCKETS: readonly number[] = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Histogram {
  /** Cumulative counts are computed at render time; these are per-bucket counts. */
  buckets: number[];
  sum: number;
  count: number;
}

/** Prometheus label value escaping: backslash, double quote and newline. */
function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const labels = (pairs: [string, string][]): string => `{${pairs.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;

/** Upstream's `CleanVerb` for a resource request's verb and HTTP method. */
export function reportedVerb(verb: string | undefined, method: string, contentType: string | undefined): string {
  if (verb === 'list') return 'LIST';
  if (verb === 'watch') return 'WATCH';
  if (method === 'PATCH' && (contentType ?? '').startsWith('application/apply-patch+yaml')) return 'APPLY';
  return method.toUpperCase();
}

export class RequestMetrics {
  private readonly totals = new Map<string, { verb: string; resource: string; code: string; n: number }>();
  private readonly latencies = new Map<string, { verb: string; resource: string; h: Histogram }>();

  /** Records one finished request; `seconds` is its latency. */
  observe(verb: string, resource: string, code: number, seconds: number): void {
    const key = `${verb}\0${resource}\0${code}`;
    const t = this.totals.get(key) ?? { verb, resource, code: String(code), n: 0 };
    t.n++;
    this.totals.set(key, t);
    const lk = `${verb}\0${resource}`;
    const l = this.latencies.get(lk) ?? { verb, resource, h: { buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 } };
    const i = LATENCY_BUCKETS.findIndex((b) => seconds <= b);
    if (i >= 0) l.h.buckets[i] = (l.h.buckets[i] ?? 0) + 1;
    l.h.sum += seconds;
    l.h.count++;
    this.latencies.set(lk, l);
  }

  /** The exposition text, series sorted by their labels. */
  render(): string {
    const out: string[] = [
      '# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.',
      '# TYPE apiserver_request_total counter',
    ];
    const totals = [...this.totals.values()].sort((a, b) => `${a.verb} ${a.resource} ${a.code}`.localeCompare(`${b.verb} ${b.resource} ${b.code}`));
    for (const t of totals) out.push(`apiserver_request_total${labels([['code', t.code], ['resource', t.resource], ['verb', t.verb]])} ${t.n}`);
    out.push('# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb and resource.');
    out.push('# TYPE apiserver_request_duration_seconds histogram');
    const lats = [...this.latencies.values()].sort((a, b) => `${a.verb} ${a.resource}`.localeCompare(`${b.verb} ${b.resource}`));
    for (const { verb, resource, h } of lats) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((b, i) => {
        cumulative += h.buckets[i] ?? 0;
        out.push(`apiserver_request_duration_seconds_bucket${labels([['resource', resource], ['verb', verb], ['le', String(b)]])} ${cumulative}`);
      });
      out.push(`apiserver_request_duration_seconds_bucket${labels([['resource', resource], ['verb', verb], ['le', '+Inf']])} ${h.count}`);
      out.push(`apiserver_request_duration_seconds_sum${labels([['resource', resource], ['verb', verb]])} ${h.sum}`);
      out.push(`apiserver_request_duration_seconds_count${labels([['resource', resource], ['verb', verb]])} ${h.count}`);
    }
    return `${out.join('\n')}\n`;
  }
}
