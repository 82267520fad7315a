/**
 * TTLs on etcd are leases. Granting one per write would double the round trips of event writes,
 * so, as the Kubernetes API server does, a lease is shared by writes with the same TTL: it is
 * granted for ttl + min(5% of ttl, 60 s) and reused while it still outlives a new write's TTL.
 * Keys therefore expire between ttl and ttl + that slack after their write.
 */
export class LeaseCache {
  private readonly leases = new Map<number, { id: string; expiresAt: number }>();
  private readonly granting = new Map<number, Promise<string>>();

  constructor(private readonly grant: (ttlSeconds: number) => Promise<string>) {}

  /** A lease id under which a key written now lives at least `ttlSeconds`. */
  get(ttlSeconds: number): Promise<string> {
    const now = Date.now();
    const cached = this.leases.get(ttlSeconds);
    if (cached !== undefined && now + ttlSeconds * 1000 < cached.expiresAt) return Promise.resolve(cached.id);
    let pending = this.granting.get(ttlSeconds);
    if (pending === undefined) {
      const slack = Math.min(Math.floor(ttlSeconds * 0.05), 60);
      pending = this.grant(ttlSeconds + slack)
        .then((id) => {
          this.leases.set(ttlSeconds, { id, expiresAt: now + (ttlSeconds + slack) * 1000 });
          return id;
        })
        .finally(() => this.granting.delete(ttlSeconds));
      this.granting.set(ttlSeconds, pending);
    }
    return pending;
  }

  /** Forgets the lease of this TTL after etcd said it no longer knows it (expired or revoked). */
  invalidate(ttlSeconds: number): void {
    this.leases.delete(ttlSeconds);
  }
}
