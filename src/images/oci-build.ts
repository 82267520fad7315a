import { lutimes, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../lib/command.js';

/**
 * The one timestamp of every test image: config `created`, the history entry and every file mtime.
 * Fixed, so the same inputs always give the same manifest digest.
 */
export const IMAGE_EPOCH = new Date(0);
const EPOCH_RFC3339 = '1970-01-01T00:00:00Z';

export interface ImageRecipe {
  /** Tags of the one manifest; the first is the one built, the others are added to it. */
  tags: readonly string[];
  /** Fills the (empty) root filesystem. `workDir` is scratch space outside the image. */
  populate(rootfs: string, workDir: string, signal: AbortSignal | undefined): Promise<void>;
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  env: readonly string[];
  /** `created_by` of the single history entry. */
  createdBy: string;
}

/**
 * Builds a single-layer image into a new OCI layout at `ociDir` with umoci, reproducibly: files get
 * IMAGE_EPOCH as mtime, config and history get it as timestamps, and unreferenced blobs are removed.
 * Runs unprivileged (`--rootless`); as root the result is the same (all files owned by 0:0).
 */
export async function buildOciImage(ociDir: string, workDir: string, recipe: ImageRecipe, signal?: AbortSignal): Promise<void> {
  const [tag, ...moreTags] = recipe.tags;
  if (tag === undefined) throw new RangeError('an image needs at least one tag');
  const image = `${ociDir}:${tag}`;
  const bundle = join(workDir, 'bundle');
  const umoci = (...args: string[]): Promise<unknown> => runCommand('umoci', args, { ...(signal ? { signal } : {}) });

  await umoci('init', '--layout', ociDir);
  await umoci('new', '--image', image);
  await umoci('unpack', '--rootless', '--image', image, bundle);
  const rootfs = join(bundle, 'rootfs');
  await recipe.populate(rootfs, workDir, signal);
  await setTreeMtime(rootfs, IMAGE_EPOCH);
  await umoci('repack', '--history.created', EPOCH_RFC3339, '--history.created_by', recipe.createdBy, '--image', image, bundle);

  const config = ['--no-history', '--created', EPOCH_RFC3339];
  for (const e of recipe.env) config.push('--config.env', e);
  for (const a of recipe.entrypoint ?? []) config.push('--config.entrypoint', a);
  for (const a of recipe.cmd ?? []) config.push('--config.cmd', a);
  await umoci('config', ...config, '--image', image);
  for (const t of moreTags) await umoci('tag', '--image', image, t);
  await umoci('gc', '--layout', ociDir);
}

/** Sets atime and mtime of a tree (symlinks themselves, not their targets), root included. */
export async function setTreeMtime(root: string, time: Date): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  for (const e of entries) await lutimes(join(e.parentPath, e.name), time, time);
  await lutimes(root, time, time);
}
