import { runCommand } from '../lib/command.js';

/**
 * Imports a docker-archive or OCI tarball into a containerd's `k8s.io` namespace (the one the CRI
 * plugin uses), under the reference names recorded in the archive. For air-gapped images; regular
 * images come through CRI PullImage.
 */
export async function importImageArchive(socket: string, archive: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
  await runCommand('ctr', ['--address', socket, '--namespace', 'k8s.io', 'images', 'import', '--no-unpack', archive], opts);
}
