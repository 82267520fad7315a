/** Helpers of the shared contract suite (test-only; not exported from the storage entry). */
import { expect } from 'vitest';
import { isStorageError, type StorageErrorCode } from './errors.js';
import type { Backend, WatchEvent } from './types.js';

/** Builds a fresh, empty-namespace backend for one test; the suite closes it afterwards. */
export type MakeBackend = () => Promise<Backend> | Backend;

export interface ContractOptions {
  /** Upper bound for waiting on a TTL expiry (etcd enforces a minimum lease TTL of ~2 s). */
  ttlWaitMs?: number;
}

/** Asserts that `p` rejects with a StorageError of `code`, and returns that error. */
export async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<unknown> {
  const err = await p.then(
    (v: unknown) => {
      throw new Error(`expected a ${code} error, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e,
  );
  if (!isStorageError(err, code)) throw new Error(`expected a ${code} error, got ${String(err)}`, { cause: err });
  return err;
}

/** A compact, comparable form of an event. */
export function brief(ev: WatchEvent): string {
  return ev.type === 'put'
    ? `put ${ev.kv.key}=${ev.kv.value.slice(0, 40)}@${ev.revision}${ev.prevKv ? ` (was ${ev.prevKv.value.slice(0, 40)}@${ev.prevKv.modRevision})` : ''}`
    : `delete ${ev.key}@${ev.revision} (was ${ev.prevKv.value.slice(0, 40)}@${ev.prevKv.modRevision})`;
}

export interface TestWatch {
  /** The next `n` events; fails if they do not all arrive within `timeoutMs` or the watch ends. */
  take(n: number, timeoutMs?: number): Promise<WatchEvent[]>;
  /** Resolves with the error the watch ends with (fails if it yields an event or ends cleanly). */
  error(timeoutMs?: number): Promise<unknown>;
  /** Aborts the watch and waits for the iterator to finish. */
  stop(): Promise<void>;
}

/** Opens a watch driven by explicit `take` calls, so tests read events in lockstep with writes. */
export function openWatch(b: Backend, prefix: string, fromRevision: number): TestWatch {
  const ac = new AbortController();
  const it = b.watch(prefix, { fromRevision, signal: ac.signal })[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<WatchEvent>> | undefined;
  const next = async (timeoutMs: number): Promise<IteratorResult<WatchEvent> | 'timeout'> => {
    pending ??= it.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const r = await Promise.race([pending, timeout]);
      if (r !== 'timeout') pending = undefined;
      return r;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async take(n, timeoutMs = 20_000) {
      const out: WatchEvent[] = [];
      const deadline = Date.now() + timeoutMs;
      while (out.length < n) {
        const r = await next(Math.max(1, deadline - Date.now()));
        if (r === 'timeout') throw new Error(`watch ${prefix}: ${out.length} of ${n} events in ${timeoutMs} ms: ${out.map(brief).join('; ')}`);
        if (r.done) throw new Error(`watch ${prefix} ended after ${out.length} of ${n} events`);
        out.push(r.value);
      }
      return out;
    },
    async error(timeoutMs = 20_000) {
      try {
        const r = await next(timeoutMs);
        if (r === 'timeout') throw new Error(`watch ${prefix}: no error within ${timeoutMs} ms`);
        throw new Error(r.done ? `watch ${prefix} ended without an error` : `watch ${prefix} yielded ${brief(r.value)}`);
      } catch (err) {
        if (isStorageError(err)) return err;
        throw err;
      }
    },
    async stop() {
      ac.abort();
      await pending?.catch(() => undefined);
      await it.return?.().catch(() => undefined);
    },
  };
}

/** The key and value of each put / the key of each delete, for order assertions. */
export function changes(events: WatchEvent[]): string[] {
  return events.map((ev) => (ev.type === 'put' ? `put ${ev.kv.key}=${ev.kv.value}` : `delete ${ev.key}`));
}

/** Expects revisions to be strictly increasing. */
export function expectIncreasing(revisions: number[]): void {
  for (let i = 1; i < revisions.length; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1] as number);
}
