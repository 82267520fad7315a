import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTestImages, pushImage, startRegistry } from '../../../src/images/index.js';
import { createLogger } from '../../../src/lib/logger.js';

export interface TestRegistry {
  /** `host:port`, serving tskube/busybox:{1.35,latest} and tskube/pause:{3.10,latest}. */
  address: string;
  /** Stops the registry and removes its data. */
  stop(): Promise<void>;
}

/**
 * Builds the test images (cached in TSKUBE_IMAGE_CACHE or /var/cache/tskube/images), starts a
 * registry in a temp dir and pushes both images: once per test run or benchmark run.
 */
export async function startTestRegistry(): Promise<TestRegistry> {
  const logger = createLogger('test-registry', { level: process.env.TSKUBE_LOG_LEVEL ?? 'warn' });
  const images = await buildTestImages({ logger });
  const dataDir = await mkdtemp(join('/var/tmp', 'tskube-registry-'));
  let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
  const stop = async (): Promise<void> => {
    await registry?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    registry = await startRegistry({ dataDir, logger });
    await Promise.all([pushImage(images.busybox, registry.address), pushImage(images.pause, registry.address)]);
    return { address: registry.address, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
