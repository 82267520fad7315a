import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importImageArchive } from '../containerd/index.js';
import type { CriRuntime } from '../cri/index.js';
import { buildTestImages, exportDockerArchive, PAUSE_VERSION } from '../images/index.js';
import type { Logger } from '../lib/logger.js';

export type SandboxImageSource = 'present' | 'pulled' | 'built';

/**
 * Makes sure the sandbox (pause) image is in the runtime, like an air-gap bundle: present, else
 * pulled, else tskube builds its own pause image and imports it under the configured name. Never
 * fails for want of network access; fails only if the local build fails too.
 */
export async function ensureSandboxImage(
  cri: Pick<CriRuntime, 'images'>,
  socket: string,
  image: string,
  opts: { logger: Logger; signal?: AbortSignal; pullTimeoutMs?: number },
): Promise<SandboxImageSource> {
  const { logger, signal } = opts;
  if (await cri.images.imageStatus({ image }, { signal })) return 'present';
  try {
    await cri.images.pullImage({ image }, { signal, timeoutMs: opts.pullTimeoutMs ?? 30_000 });
    return 'pulled';
  } catch (err) {
    if (signal?.aborted) throw err;
    logger.warn({ image, err: (err as Error).message }, 'cannot pull the sandbox image; building and importing tskube\'s own pause image');
  }
  const { pause } = await buildTestImages({ logger, signal });
  const dir = await mkdtemp(join(tmpdir(), 'tskube-pause-'));
  try {
    const archive = join(dir, 'pause.tar');
    await exportDockerArchive(pause, PAUSE_VERSION, image, archive, { signal });
    await importImageArchive(socket, archive, { signal });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!(await cri.images.imageStatus({ image }, { signal }))) {
    throw new Error(`imported tskube's pause image as ${image}, but the runtime does not list it`);
  }
  return 'built';
}
