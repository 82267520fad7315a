import { describe, expect, it } from 'vitest';
import { exponentialBuckets, MetricsRegistry, parseMetricsText } from './index.js';

describe('metrics registry', () => {
  it('renders counters, gauges and cumulative histograms in the text format', async () => {
    const r = new MetricsRegistry();
    const ops = r.counter('ops_total', 'Operations.', ['operation_type']);
    const g = r.gauge('running', 'Running things.');
    const h = r.histogram('latency_seconds', 'Latency.', [0.1, 1]);
    ops.inc({ operation_type: 'b' });
    ops.inc({ operation_type: 'a' }, 2);
    g.set(undefined, 3);
    h.observe(undefined, 0.05);
    h.observe(undefined, 0.5);
    h.observe(undefined, 5);
    expect(await r.collect()).toBe(
      [
        '# HELP ops_total Operations.',
        '# TYPE ops_total counter',
        'ops_total{operation_type="a"} 2',
        'ops_total{operation_type="b"} 1',
        '# HELP running Running things.',
        '# TYPE running gauge',
        'running 3',
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{le="0.1"} 1',
        'latency_seconds_bucket{le="1"} 2',
        'latency_seconds_bucket{le="+Inf"} 3',
        'latency_seconds_sum 5.55',
        'latency_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and runs collectors before rendering', async () => {
    const r = new MetricsRegistry();
    const g = r.gauge('node_name', 'Node.', ['node']);
    r.addCollector(() => {
      g.reset();
      g.set({ node: 'a"b\\c\nd' }, 1);
    });
    r.addCollector(() => {
      throw new Error('a failing collector is skipped');
    });
    const text = await r.collect();
    expect(text).toContain('node_name{node="a\\"b\\\\c\\nd"} 1\n');
    expect(parseMetricsText(text)).toEqual([{ name: 'node_name', labels: { node: 'a"b\\c\nd' }, value: 1 }]);
  });

  it('refuses bad names, labels, buckets and decrements', () => {
    const r = new MetricsRegistry();
    expect(() => r.counter('bad-name', 'x')).toThrow(RangeError);
    expect(() => r.histogram('h', 'x', [1, 1])).toThrow(RangeError);
    expect(() => r.histogram('h2', 'x', [1], ['le'])).toThrow(RangeError);
    const c = r.counter('c_total', 'x', ['a']);
    expect(() => c.inc({ b: '1' })).toThrow('metric "c_total" takes labels [a], got [b]');
    expect(() => c.inc({ a: '1' }, -1)).toThrow(RangeError);
    expect(() => r.counter('c_total', 'again')).toThrow('already registered');
    expect(exponentialBuckets(0.005, 2.5, 3)).toEqual([0.005, 0.0125, 0.03125]);
    expect(() => parseMetricsText('what is this')).toThrow('line 1: not a sample');
  });
});
