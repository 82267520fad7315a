/**
 * CPU usage rates from cumulative counters: usageNanoCores needs two samples, so the previous
 * sample of each container (and of the node) is kept, as upstream's CRI stats provider does with
 * its cache. Pure apart from the map it owns.
 */

export interface CpuSample {
  /** Nanoseconds since the epoch the counter was read at. */
  timestampNs: bigint;
  /** Cumulative CPU time in core-nanoseconds. */
  usageCoreNanoSeconds: number;
}

/**
 * The average usage in billionths of a core between two samples; undefined when there is no earlier
 * sample, the interval is not positive, or the counter went backwards (a restarted container).
 */
export function usageNanoCores(prev: CpuSample | undefined, cur: CpuSample): number | undefined {
  if (!prev) return undefined;
  const intervalNs = Number(cur.timestampNs - prev.timestampNs);
  const used = cur.usageCoreNanoSeconds - prev.usageCoreNanoSeconds;
  if (intervalNs <= 0 || used < 0) return undefined;
  return Math.round((used / intervalNs) * 1e9);
}

interface Entry {
  sample: CpuSample;
  /** The rate computed when `sample` replaced its predecessor. */
  rate: number | undefined;
}

export interface CpuRateCacheOptions {
  /**
   * Samples closer than this to the kept one do not replace it (their rate is the kept one's), so
   * back-to-back requests do not compute rates over a few microseconds. Default 1 s.
   */
  minIntervalNs?: bigint;
}

/** Per-key previous samples and their rates. Keys are container ids (and one for the node). */
export class CpuRateCache {
  private readonly entries = new Map<string, Entry>();
  private readonly minIntervalNs: bigint;

  constructor(opts: CpuRateCacheOptions = {}) {
    this.minIntervalNs = opts.minIntervalNs ?? 1_000_000_000n;
    if (this.minIntervalNs < 0n) throw new RangeError(`minIntervalNs must not be negative, got ${this.minIntervalNs}`);
  }

  /** Records `cur` for `key` and returns the usage rate up to it (undefined on a first sample). */
  update(key: string, cur: CpuSample): number | undefined {
    const old = this.entries.get(key);
    if (old && cur.timestampNs >= old.sample.timestampNs && cur.timestampNs - old.sample.timestampNs < this.minIntervalNs && cur.usageCoreNanoSeconds >= old.sample.usageCoreNanoSeconds) {
      return old.rate;
    }
    const rate = usageNanoCores(old?.sample, cur);
    this.entries.set(key, { sample: cur, rate });
    return rate;
  }

  /** Forgets every key not in `live` (containers that are gone). */
  retain(live: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) if (!live.has(key)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
