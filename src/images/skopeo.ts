import { rm } from 'node:fs/promises';
import { runCommand } from '../lib/command.js';
import type { BuiltImage } from './build.js';

/** Repository prefix of the test images in a registry: `ADDR/tskube/NAME:TAG`. */
export function imageRef(registryAddr: string, name: string, tag: string): string {
  return `${registryAddr}/tskube/${name}:${tag}`;
}

function requireTag(image: BuiltImage, tag: string): void {
  if (!image.tags.includes(tag)) {
    throw new RangeError(`image ${image.name} has no tag ${JSON.stringify(tag)} (tags: ${image.tags.join(', ')})`);
  }
}

/**
 * Writes one tag of an image as a docker-archive tarball named `refName` (for
 * `ctr -n k8s.io images import FILE`). Replaces `outFile` if it exists.
 */
export async function exportDockerArchive(
  image: BuiltImage,
  tag: string,
  refName: string,
  outFile: string,
  opts: { signal?: AbortSignal } = {},
): Promise<void> {
  requireTag(image, tag);
  await rm(outFile, { force: true });
  // --insecure-policy: no signature policy applies to our own local images (and /etc/containers/policy.json may be absent).
  await runCommand('skopeo', ['--insecure-policy', 'copy', '--quiet', `oci:${image.ociDir}:${tag}`, `docker-archive:${outFile}:${refName}`], opts);
}

/**
 * Pushes every tag of an image to a plain-HTTP registry as `ADDR/tskube/NAME:TAG`; returns the refs.
 * Pushing an existing tag again is cheap (blobs are already there).
 */
export async function pushImage(image: BuiltImage, registryAddr: string, opts: { signal?: AbortSignal } = {}): Promise<string[]> {
  const refs: string[] = [];
  for (const tag of image.tags) {
    const ref = imageRef(registryAddr, image.name, tag);
    await runCommand(
      'skopeo',
      ['--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', `oci:${image.ociDir}:${tag}`, `docker://${ref}`],
      opts,
    );
    refs.push(ref);
  }
  return refs;
}
