import { describe, expect, it } from 'vitest';
import { runBackendContract } from './contract.js';
import { isCompacted } from './errors.js';
import { createMemoryBackend } from './memory.js';

runBackendContract('memory', () => createMemoryBackend({ ttlSweepIntervalMs: 100 }));

describe('memory backend', () => {
  it('periodic compaction keeps the configured history', async () => {
    const b = createMemoryBackend({ compaction: { intervalMs: 5, retainRevisions: 10 } });
    try {
      const first = (await b.create('/registry/leases/ns/l', '0')).revision;
      let rev = first;
      for (let i = 1; i <= 100; i++) rev = (await b.update('/registry/leases/ns/l', `${i}`, { expectedModRevision: rev })).revision;
      // The compactor runs on a timer: wait (bounded) until it has.
      const deadline = Date.now() + 10_000;
      while (!isCompacted(await b.get('/registry/leases/ns/l', { revision: first }).catch((e: unknown) => e))) {
        if (Date.now() > deadline) throw new Error('no periodic compaction within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await b.get('/registry/leases/ns/l', { revision: rev - 10 })).kv?.value).toBe('90');
    } finally {
      await b.close();
    }
  });
});
