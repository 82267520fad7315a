export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
}

/** Nearest-rank percentiles of a sample. */
export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

export const ms = (v: number): string => `${v.toFixed(1)} ms`;
export const ratio = (v: number, base: number): string => `${(v / base).toFixed(2)}x`;
