import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILDER_VERSION, cacheEntryDir, imageCacheKey, publishEntry, readOciLayout, resolveCacheDir } from './cache.js';

describe('imageCacheKey', () => {
  it('is a stable sha256 hex of name, builder version and inputs', () => {
    const k = imageCacheKey('pause', ['int main(){}', Buffer.from([1, 2, 3])]);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(imageCacheKey('pause', ['int main(){}', Buffer.from([1, 2, 3])])).toBe(k);
    expect(BUILDER_VERSION).toMatch(/\/\d+$/);
  });

  it('changes with every input, and with how inputs are split', () => {
    const k = imageCacheKey('busybox', ['ab', 'c']);
    expect(imageCacheKey('busybox', ['a', 'bc'])).not.toBe(k);
    expect(imageCacheKey('busybox', ['ab', 'd'])).not.toBe(k);
    expect(imageCacheKey('pause', ['ab', 'c'])).not.toBe(k);
    expect(imageCacheKey('busybox', ['ab', 'c', ''])).not.toBe(k);
  });

  it('treats strings and their UTF-8 bytes alike', () => {
    expect(imageCacheKey('x', ['é'])).toBe(imageCacheKey('x', [Buffer.from('é', 'utf8')]));
  });
});

describe('resolveCacheDir', () => {
  it('prefers the option, then TSKUBE_IMAGE_CACHE, then the default', () => {
    expect(resolveCacheDir('/opt/c', { TSKUBE_IMAGE_CACHE: '/env/c' })).toBe('/opt/c');
    expect(resolveCacheDir(undefined, { TSKUBE_IMAGE_CACHE: '/env/c' })).toBe('/env/c');
    expect(resolveCacheDir(undefined, { TSKUBE_IMAGE_CACHE: '' })).toBe('/var/cache/tskube/images');
    expect(resolveCacheDir(undefined, {})).toBe('/var/cache/tskube/images');
  });

  it('rejects relative paths', () => {
    expect(() => resolveCacheDir('cache', {})).toThrow(RangeError);
    expect(() => resolveCacheDir(undefined, { TSKUBE_IMAGE_CACHE: 'rel' })).toThrow(/absolute/);
  });
});

describe('cache entries', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function fakeLayout(path: string, digest: string, tags: string[]): Promise<void> {
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const manifests = tags.map((t) => ({ digest, annotations: { 'org.opencontainers.image.ref.name': t } }));
    await writeFile(join(path, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  }

  it('names entries by image and key prefix', () => {
    expect(cacheEntryDir('/c', 'pause', 'ab'.repeat(32))).toBe(`/c/pause-${'ab'.repeat(12)}`);
  });

  it('reads tags and digest of a layout; missing files mean no entry', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-cache-'));
    await fakeLayout(join(dir, 'a'), 'sha256:1', ['1.35', 'latest']);
    expect(await readOciLayout(join(dir, 'a'))).toEqual({ digest: 'sha256:1', tags: ['1.35', 'latest'] });
    expect(await readOciLayout(join(dir, 'missing'))).toBeUndefined();
    await mkdir(join(dir, 'half'));
    await writeFile(join(dir, 'half', 'index.json'), '{}');
    expect(await readOciLayout(join(dir, 'half'))).toBeUndefined();
  });

  it('publishes atomically; the first of two racing builds wins and the loser is dropped', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-cache-'));
    await fakeLayout(join(dir, 'tmp1'), 'sha256:1', ['latest']);
    await fakeLayout(join(dir, 'tmp2'), 'sha256:1', ['latest']);
    await publishEntry(join(dir, 'tmp1'), join(dir, 'entry'));
    await publishEntry(join(dir, 'tmp2'), join(dir, 'entry'));
    expect((await readdir(dir)).sort()).toEqual(['entry']);
    expect(await readOciLayout(join(dir, 'entry'))).toEqual({ digest: 'sha256:1', tags: ['latest'] });
  });
});
