import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, rename, rm, stat, mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/**
 * Part of every cache key: bump it whenever the build steps change what an image contains, so old
 * cache entries are never taken for new ones.
 */
export const BUILDER_VERSION = 'tskube-test-images/1';

export const DEFAULT_IMAGE_CACHE_DIR = '/var/cache/tskube/images';

/**
 * A content key for one image: sha256 over the image name, the builder version and every input
 * (length-prefixed, so ['ab', 'c'] and ['a', 'bc'] differ). Pure.
 */
export function imageCacheKey(name: string, inputs: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of [BUILDER_VERSION, name, ...inputs]) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(bytes.length));
    hash.update(len);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The cache directory: the option, else `TSKUBE_IMAGE_CACHE`, else the default. Must be absolute. */
export function resolveCacheDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = option ?? (env.TSKUBE_IMAGE_CACHE || undefined) ?? DEFAULT_IMAGE_CACHE_DIR;
  if (!isAbsolute(dir)) {
    throw new RangeError(`image cache dir must be an absolute path, got ${JSON.stringify(dir)}`);
  }
  return dir;
}

/** Where the OCI layout of an image with this key lives in the cache. */
export function cacheEntryDir(cacheDir: string, name: string, key: string): string {
  return join(cacheDir, `${name}-${key.slice(0, 24)}`);
}

interface OciIndex {
  manifests?: { digest?: unknown; annotations?: Record<string, unknown> }[];
}

/**
 * Reads a finished OCI layout: its tags and the manifest digest they point to. Returns undefined
 * when the layout is missing or incomplete (a build that never finished is never renamed into place,
 * so this only happens when someone deleted files by hand).
 */
export async function readOciLayout(ociDir: string): Promise<{ digest: string; tags: string[] } | undefined> {
  let index: OciIndex;
  try {
    await stat(join(ociDir, 'oci-layout'));
    index = JSON.parse(await readFile(join(ociDir, 'index.json'), 'utf8')) as OciIndex;
  } catch {
    return undefined;
  }
  const tags: string[] = [];
  let digest: string | undefined;
  for (const m of index.manifests ?? []) {
    const tag = m.annotations?.['org.opencontainers.image.ref.name'];
    if (typeof m.digest !== 'string' || typeof tag !== 'string') continue;
    if (digest !== undefined && m.digest !== digest) {
      throw new Error(`OCI layout ${ociDir}: tags point to different manifests (${digest}, ${m.digest})`);
    }
    digest = m.digest;
    tags.push(tag);
  }
  return digest === undefined ? undefined : { digest, tags };
}

/** A fresh scratch directory inside the cache dir (same filesystem, so rename is atomic). */
export async function makeScratchDir(cacheDir: string, name: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const dir = join(cacheDir, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir);
  return dir;
}

/**
 * Moves a finished layout to its cache entry atomically. When another process got there first the
 * entry is kept (same key, same content) and ours is dropped.
 */
export async function publishEntry(builtDir: string, entryDir: string): Promise<void> {
  try {
    await rename(builtDir, entryDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    await rm(builtDir, { recursive: true, force: true });
  }
}

/** Removes scratch directories of builds that died more than `maxAgeMs` ago. Best effort. */
export async function removeStaleScratch(cacheDir: string, maxAgeMs = 3_600_000): Promise<void> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith('.tmp-')) continue;
    const path = join(cacheDir, name);
    try {
      if (now - (await stat(path)).mtimeMs > maxAgeMs) await rm(path, { recursive: true, force: true });
    } catch {
      // another process removed or renamed it: fine
    }
  }
}
