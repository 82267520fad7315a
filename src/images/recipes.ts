import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../lib/command.js';
import type { ImageRecipe } from './oci-build.js';
import { PAUSE_C, PAUSE_VERSION } from './pause-source.js';

export const IMAGE_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\n';
const HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';

/**
 * busybox: /bin/busybox with a symlink per applet in /bin (sh, httpd, nc, wget, ...), /sbin and
 * /usr/{bin,sbin} linked to /bin, root and nobody users, /tmp (1777). Default command `sh`.
 */
export function busyboxRecipe(busyboxPath: string, tags: readonly string[]): ImageRecipe {
  return {
    tags,
    env: [IMAGE_PATH_ENV],
    cmd: ['sh'],
    createdBy: `tskube busybox from ${busyboxPath}`,
    async populate(rootfs, _workDir, signal) {
      const { stdout } = await runCommand(busyboxPath, ['--list'], { ...(signal ? { signal } : {}) });
      const applets = stdout.split('\n').map((s) => s.trim()).filter((s) => s !== '' && s !== 'busybox');
      if (!applets.includes('sh')) throw new Error(`${busyboxPath} --list has no sh applet: is it busybox?`);

      for (const [dir, mode] of [['bin', 0o755], ['etc', 0o755], ['root', 0o700], ['tmp', 0o1777], ['usr', 0o755], ['var', 0o755]] as const) {
        await mkdir(join(rootfs, dir), { recursive: true });
        await chmod(join(rootfs, dir), mode);
      }
      await copyFile(busyboxPath, join(rootfs, 'bin/busybox'));
      await chmod(join(rootfs, 'bin/busybox'), 0o755);
      for (const applet of applets) await symlink('busybox', join(rootfs, 'bin', applet));
      await symlink('bin', join(rootfs, 'sbin'));
      await symlink('../bin', join(rootfs, 'usr/bin'));
      await symlink('../bin', join(rootfs, 'usr/sbin'));
      for (const [file, text] of [['etc/passwd', PASSWD], ['etc/group', GROUP], ['etc/hosts', HOSTS]] as const) {
        await writeFile(join(rootfs, file), text);
        await chmod(join(rootfs, file), 0o644);
      }
    },
  };
}

/** pause: one static binary, `/pause`, as entrypoint. Needs gcc and a static libc (libc6-dev). */
export function pauseRecipe(tags: readonly string[]): ImageRecipe {
  return {
    tags,
    env: [IMAGE_PATH_ENV],
    entrypoint: ['/pause'],
    createdBy: `tskube pause ${PAUSE_VERSION}: gcc -static -Os -s`,
    async populate(rootfs, workDir, signal) {
      await writeFile(join(workDir, 'pause.c'), PAUSE_C);
      // Relative names and a fixed cwd keep the binary free of scratch paths.
      await runCommand('gcc', ['-static', '-Os', '-s', '-o', 'pause', 'pause.c'], { cwd: workDir, ...(signal ? { signal } : {}) });
      await copyFile(join(workDir, 'pause'), join(rootfs, 'pause'));
      await chmod(join(rootfs, 'pause'), 0o755);
    },
  };
}
