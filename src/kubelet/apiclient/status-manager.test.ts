import { describe, expect, it } from 'vitest';
import type { Pod, PodStatus } from '../../api/index.js';
import { FakeClock } from '../../lib/clock.js';
import type { KubeClient } from '../../lib/kube/index.js';
import { silentLogger } from '../../lib/logger.js';
import { createStatusManager } from './status-manager.js';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'uid-1' }, spec: { containers: [] } } as unknown as Pod;

describe('status manager while the API server is away', () => {
  it('keeps the newest status and retries its write 200 ms doubling to at most 10 s, until it lands', async () => {
    const clock = new FakeClock();
    const attempts: { at: number; body: unknown }[] = [];
    const client: Pick<KubeClient, 'patch' | 'delete'> = {
      async patch<T>(_path: string, body: unknown) {
        attempts.push({ at: clock.now(), body });
        if (attempts.length <= 8) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
        return {} as T;
      },
      delete: async <T>() => ({}) as T,
    };
    const sm = createStatusManager(client, silentLogger(), { clock });
    const ac = new AbortController();
    // Two statuses before the first write: only the newest is ever sent.
    sm.setStatus(pod, { phase: 'Running' } as PodStatus);
    sm.setStatus(pod, { phase: 'Succeeded' } as PodStatus);
    const running = sm.run(ac.signal);
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    await settle();
    for (let t = 0; t < 120_000 && attempts.length < 9; t += 100) {
      clock.advance(100);
      await settle();
    }
    ac.abort();
    await running;

    const start = attempts[0]?.at ?? 0;
    expect(attempts.map((a) => a.at - start)).toEqual([0, 200, 600, 1_400, 3_000, 6_200, 12_600, 22_600, 32_600]);
    for (const a of attempts) expect(a.body).toEqual({ metadata: { uid: 'uid-1' }, status: { phase: 'Succeeded' } });
  });
});
