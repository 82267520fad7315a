/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format 0.0.4. Updates are cheap and synchronous; scrape-time values (gauges read from
 * elsewhere) come from collectors that run before each `collect()`. Not a client for pushing.
 */

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Prometheus client_golang's `DefBuckets`, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** `count` buckets starting at `start`, each `factor` times the previous (client_golang `ExponentialBuckets`). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0) || !(factor > 1) || !Number.isInteger(count) || count < 1) {
    throw new RangeError(`exponential buckets need start > 0, factor > 1 and count >= 1, got ${start}, ${factor}, ${count}`);
  }
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

export type LabelValues = Readonly<Record<string, string>>;

export interface Counter {
  /** Adds `by` (default 1, must not be negative). */
  inc(labels?: LabelValues, by?: number): void;
}

export interface Gauge {
  set(labels: LabelValues | undefined, value: number): void;
  inc(labels?: LabelValues, by?: number): void;
  /** Drops every series (before a collector sets the current ones). */
  reset(): void;
}

export interface Histogram {
  observe(labels: LabelValues | undefined, value: number): void;
}

type Kind = 'counter' | 'gauge' | 'histogram';

interface Series {
  labels: [string, string][];
  value: number;
  /** Histograms only: per-bucket (non-cumulative) counts. */
  buckets?: number[];
  sum?: number;
}

interface Family {
  name: string;
  help: string;
  kind: Kind;
  labelNames: readonly string[];
  buckets: readonly number[];
  series: Map<string, Series>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label value escaping: backslash, double quote and newline. */
function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function renderLabels(pairs: readonly [string, string][]): string {
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeValue(v)}"`).join(',')}}`;
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly collectors: (() => void | Promise<void>)[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const f = this.register(name, help, 'counter', labelNames, []);
    return {
      inc: (labels, by = 1) => {
        if (!(by >= 0)) throw new RangeError(`counter ${name} cannot be increased by ${by}`);
        this.seriesOf(f, labels).value += by;
      },
    };
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    const f = this.register(name, help, 'gauge', labelNames, []);
    return {
      set: (labels, value) => void (this.seriesOf(f, labels).value = value),
      inc: (labels, by = 1) => void (this.seriesOf(f, labels).value += by),
      reset: () => f.series.clear(),
    };
  }

  histogram(name: string, help: string, buckets: readonly number[] = DEFAULT_BUCKETS, labelNames: readonly string[] = []): Histogram {
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] ?? -Infinity)))) {
      throw new RangeError(`histogram ${name} needs finite, strictly increasing buckets`);
    }
    const f = this.register(name, help, 'histogram', labelNames, buckets);
    return {
      observe: (labels, value) => {
        const s = this.seriesOf(f, labels);
        const i = buckets.findIndex((b) => value <= b);
        if (i >= 0 && s.buckets) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
        s.sum = (s.sum ?? 0) + value;
        s.value++;
      },
    };
  }

  /** Runs `fn` before every `collect()`, to set values read at scrape time. */
  addCollector(fn: () => void | Promise<void>): void {
    this.collectors.push(fn);
  }

  /** Runs the collectors (a failing one is skipped; its families keep their last values), then renders. */
  async collect(): Promise<string> {
    await Promise.all(this.collectors.map(async (fn) => fn()).map((p) => p.catch(() => undefined)));
    return this.render();
  }

  /** The exposition text of the current values; families in registration order, series sorted. */
  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.kind}`);
      const series = [...f.series.values()].sort((a, b) => renderLabels(a.labels).localeCompare(renderLabels(b.labels)));
      for (const s of series) {
        if (f.kind !== 'histogram') {
          out.push(`${f.name}${renderLabels(s.labels)} ${formatValue(s.value)}`);
          continue;
        }
        let cumulative = 0;
        f.buckets.forEach((b, i) => {
          cumulative += s.buckets?.[i] ?? 0;
          out.push(`${f.name}_bucket${renderLabels([...s.labels, ['le', formatValue(b)]])} ${cumulative}`);
        });
        out.push(`${f.name}_bucket${renderLabels([...s.labels, ['le', '+Inf']])} ${s.value}`);
        out.push(`${f.name}_sum${renderLabels(s.labels)} ${formatValue(s.sum ?? 0)}`);
        out.push(`${f.name}_count${renderLabels(s.labels)} ${s.value}`);
      }
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  private register(name: string, help: string, kind: Kind, labelNames: readonly string[], buckets: readonly number[]): Family {
    if (!NAME.test(name)) throw new RangeError(`invalid metric name "${name}"`);
    if (this.families.has(name)) throw new RangeError(`metric "${name}" is already registered`);
    for (const l of labelNames) {
      if (!LABEL.test(l) || l.startsWith('__') || (kind === 'histogram' && l === 'le')) throw new RangeError(`invalid label name "${l}" for metric "${name}"`);
    }
    const f: Family = { name, help, kind, labelNames: [...labelNames].sort(), buckets, series: new Map() };
    this.families.set(name, f);
    return f;
  }

  private seriesOf(f: Family, labels: LabelValues | undefined): Series {
    const given = labels ?? {};
    const keys = Object.keys(given);
    if (keys.length !== f.labelNames.length || keys.some((k) => !f.labelNames.includes(k))) {
      throw new RangeError(`metric "${f.name}" takes labels [${f.labelNames.join(', ')}], got [${keys.sort().join(', ')}]`);
    }
    const pairs = f.labelNames.map((k): [string, string] => [k, given[k] ?? '']);
    const key = pairs.map(([, v]) => v).join('\0');
    let s = f.series.get(key);
    if (!s) {
      s = { labels: pairs, value: 0, ...(f.kind === 'histogram' ? { buckets: f.buckets.map(() => 0), sum: 0 } : {}) };
      f.series.set(key, s);
    }
    return s;
  }
}

/** One sample of a parsed exposition text. */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the text format's samples (comments skipped); throws on a malformed line. For tests and
 * tools reading a `/metrics` endpoint.
 */
export function parseMetricsText(text: string): ParsedSample[] {
  const out: ParsedSample[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not a sample: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
    let pos = 0;
    while (pos < body.length) {
      re.lastIndex = pos;
      const lm = re.exec(body);
      if (!lm) throw new Error(`line ${i + 1}: bad labels: ${body}`);
      labels[lm[1] ?? ''] = (lm[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      pos = re.lastIndex;
    }
    const raw = m[3] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`line ${i + 1}: bad value: ${raw}`);
    out.push({ name: m[1] ?? '', labels, value });
  }
  return out;
}
