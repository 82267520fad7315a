import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startContainerd, type ContainerdProcess } from '../containerd/index.js';
import { createCriClient } from '../cri/index.js';
import type { Logger } from '../lib/logger.js';
import { ensureSandboxImage } from './sandbox-image.js';
import type { FlagSpec } from './flags.js';

export const upFlags: readonly FlagSpec[] = [
  { name: 'data-dir', env: 'TSKUBE_DATA_DIR', default: '/var/lib/tskube', description: 'directory for all of the cluster\'s state' },
  { name: 'container-runtime-endpoint', env: 'TSKUBE_CONTAINER_RUNTIME_ENDPOINT', description: 'CRI socket of a runtime to use instead of starting containerd' },
  { name: 'sandbox-image', env: 'TSKUBE_SANDBOX_IMAGE', default: 'registry.k8s.io/pause:3.10', description: 'pause image for pod sandboxes; built locally when it cannot be pulled' },
];

export interface UpOptions {
  dataDir: string;
  runtimeEndpoint?: string;
  sandboxImage: string;
  logger: Logger;
  /** Called with one line once everything is up. */
  onReady(line: string): void;
}

/**
 * `tskube up`: what a single-node cluster has today, run until `signal` aborts: a supervised
 * containerd with tskube's config under the data dir (unless an endpoint is given) and its sandbox
 * image. Stopping leaves containers running and their data intact.
 */
export async function up(opts: UpOptions, signal: AbortSignal): Promise<void> {
  const dataDir = resolve(opts.dataDir);
  const log = opts.logger;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let containerd: ContainerdProcess | undefined;
  let socket = opts.runtimeEndpoint;
  if (!socket) {
    containerd = await startContainerd({ dir: join(dataDir, 'containerd'), sandboxImage: opts.sandboxImage, logger: log, signal });
    socket = containerd.socket;
  }
  const cri = createCriClient({ endpoint: socket, logger: log });
  try {
    const version = await cri.runtime.version({ signal });
    const source = await ensureSandboxImage(cri, socket, opts.sandboxImage, { logger: log, signal });
    log.info({ runtime: `${version.runtimeName} ${version.runtimeVersion}`, sandboxImage: opts.sandboxImage, source }, 'container runtime ready');
    opts.onReady(`tskube: container runtime ${version.runtimeName} ${version.runtimeVersion} ready at ${socket} (sandbox image ${opts.sandboxImage}: ${source})`);
    await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  } finally {
    cri.close();
    await containerd?.stop();
  }
}
