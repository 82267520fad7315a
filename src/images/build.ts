import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { silentLogger } from '../lib/logger.js';
import { busyboxVersion, isStaticElf, majorMinor } from './binary.js';
import { cacheEntryDir, imageCacheKey, makeScratchDir, publishEntry, readOciLayout, removeStaleScratch, resolveCacheDir } from './cache.js';
import { buildOciImage, type ImageRecipe } from './oci-build.js';
import { PAUSE_C, PAUSE_VERSION } from './pause-source.js';
import { busyboxRecipe, pauseRecipe } from './recipes.js';

export type TestImageName = 'busybox' | 'pause';

/** A finished image: an OCI layout whose tags all point to one manifest. */
export interface BuiltImage {
  name: TestImageName;
  /** OCI layout directory (`oci:DIR:TAG` for skopeo, `DIR:TAG` for umoci). Shared: do not modify. */
  ociDir: string;
  tags: string[];
  /** `sha256:...` of the manifest; identical for identical inputs. */
  digest: string;
}

export interface TestImages {
  busybox: BuiltImage;
  pause: BuiltImage;
}

export interface BuildTestImagesOptions {
  /** Default: `TSKUBE_IMAGE_CACHE`, else `/var/cache/tskube/images`. Absolute. */
  cacheDir?: string;
  /** The static busybox to pack (Debian `busybox-static`). Default `/bin/busybox`. */
  busyboxPath?: string;
  signal?: AbortSignal;
  logger?: Logger;
}

interface Plan {
  name: TestImageName;
  key: string;
  recipe: ImageRecipe;
}

/**
 * Builds (or finds in the cache) the busybox and pause test images. A cache hit costs reading the
 * busybox binary for its hash and two small files. Safe to call from several processes at once:
 * each builds in its own scratch dir and the first rename wins.
 */
export async function buildTestImages(opts: BuildTestImagesOptions = {}): Promise<TestImages> {
  const cacheDir = resolveCacheDir(opts.cacheDir);
  const logger = opts.logger ?? silentLogger();
  const busyboxPath = opts.busyboxPath ?? '/bin/busybox';
  const [busybox, pause] = await Promise.all([
    planBusybox(busyboxPath).then((p) => ensureImage(cacheDir, p, logger, opts.signal)),
    ensureImage(cacheDir, planPause(), logger, opts.signal),
  ]);
  return { busybox, pause };
}

async function planBusybox(busyboxPath: string): Promise<Plan> {
  let bytes: Buffer;
  try {
    bytes = await readFile(busyboxPath);
  } catch (err) {
    throw new Error(`cannot read ${busyboxPath} (install busybox-static, see hack/install-deps.sh): ${String(err)}`, { cause: err });
  }
  if (!isStaticElf(bytes)) {
    throw new Error(`${busyboxPath} is dynamically linked and would not run in an empty image: install busybox-static`);
  }
  const version = busyboxVersion(bytes);
  if (version === undefined) throw new Error(`${busyboxPath} has no "BusyBox vX.Y" banner: is it busybox?`);
  const tags = [majorMinor(version), 'latest'];
  return { name: 'busybox', key: imageCacheKey('busybox', [bytes, tags.join(',')]), recipe: busyboxRecipe(busyboxPath, tags) };
}

function planPause(): Plan {
  const tags = [PAUSE_VERSION, 'latest'];
  return { name: 'pause', key: imageCacheKey('pause', [PAUSE_C, tags.join(',')]), recipe: pauseRecipe(tags) };
}

async function ensureImage(cacheDir: string, plan: Plan, logger: Logger, signal: AbortSignal | undefined): Promise<BuiltImage> {
  const entry = cacheEntryDir(cacheDir, plan.name, plan.key);
  const cached = await readOciLayout(entry);
  if (cached) return { name: plan.name, ociDir: entry, ...cached };

  const started = Date.now();
  await removeStaleScratch(cacheDir);
  const scratch = await makeScratchDir(cacheDir, plan.name);
  try {
    const ociDir = join(scratch, 'oci');
    await buildOciImage(ociDir, join(scratch, 'work'), plan.recipe, signal);
    await publishEntry(ociDir, entry);
  } catch (err) {
    throw new Error(`building the ${plan.name} image failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const built = await readOciLayout(entry);
  if (!built) throw new Error(`building the ${plan.name} image left no OCI layout at ${entry}`);
  logger.info({ image: plan.name, digest: built.digest, tags: built.tags, ms: Date.now() - started }, 'built test image');
  return { name: plan.name, ociDir: entry, ...built };
}
