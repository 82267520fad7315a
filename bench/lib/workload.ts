/** What the storage and API server benchmarks write and how they drive it. */

/** Runs `fn(0..n-1)` with `concurrency` calls in flight; the elapsed ms. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return performance.now() - started;
}

/** The spec of the i-th benchmark pod: a ReplicaSet's web server with a port, resources and a probe. */
export function benchPodSpec(i: number): Record<string, unknown> {
  return {
    nodeName: `node-${i % 50}`,
    containers: [
      {
        name: 'web',
        image: 'registry.local/tskube/busybox:latest',
        command: ['httpd', '-f', '-p', '8080'],
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 5 },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
  };
}
