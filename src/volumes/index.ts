/**
 * The volume manager: prepares a pod's volumes on the host before its containers start and removes
 * them after the pod is gone. Today: emptyDir (disk) and hostPath; the other sources (configMap,
 * secret, downwardAPI, projected, PVCs) come with the volumes issue and are reported by name until
 * then, so a pod using them waits with a clear message instead of running without its data.
 */
import { lstat, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Pod, Volume } from '../api/index.js';

export interface HostMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
}

export class VolumeError extends Error {
  override readonly name = 'VolumeError';
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(message);
  }
}

export interface VolumeManager {
  /**
   * Sets up every volume of the pod (idempotent) and returns host paths by volume name. Throws a
   * VolumeError naming the first volume that cannot be set up (the `FailedMount` event).
   */
  setUpPodVolumes(pod: Pod): Promise<Map<string, string>>;
  /** The CRI mounts of one container from the prepared volumes. Throws VolumeError. */
  containerMounts(pod: Pod, container: Container, volumes: ReadonlyMap<string, string>): HostMount[];
  /** Removes the pod's volume directories (emptyDir data); hostPath data is never touched. */
  tearDownPodVolumes(podUid: string): Promise<void>;
  /** UIDs of pods that have a directory under the pods dir, for orphan cleanup. */
  listPodDirs(): Promise<string[]>;
  /** `<podsDir>/<uid>`: where a pod's kubelet-managed files live. */
  podDir(podUid: string): string;
}

const EMPTY_DIR = 'kubernetes.io~empty-dir';

export function createVolumeManager(opts: { podsDir: string }): VolumeManager {
  const podDir = (uid: string): string => join(opts.podsDir, uid);

  async function setUp(pod: Pod, v: Volume): Promise<string> {
    const uid = pod.metadata.uid ?? '';
    if (v.emptyDir) {
      if (v.emptyDir.medium === 'Memory' || v.emptyDir.medium === 'HugePages') {
        throw new VolumeError(v.name, `emptyDir medium ${v.emptyDir.medium} is not supported yet`);
      }
      const dir = join(podDir(uid), 'volumes', EMPTY_DIR, v.name);
      await mkdir(dir, { recursive: true, mode: 0o777 });
      return dir;
    }
    if (v.hostPath) return setUpHostPath(v.name, v.hostPath.path, v.hostPath.type ?? '');
    const source = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
    throw new VolumeError(v.name, `volume type ${source} is not supported yet`);
  }

  return {
    async setUpPodVolumes(pod) {
      const out = new Map<string, string>();
      for (const v of pod.spec.volumes ?? []) out.set(v.name, await setUp(pod, v));
      return out;
    },
    containerMounts(pod, container, volumes) {
      return (container.volumeMounts ?? []).map((m) => {
        const host = volumes.get(m.name);
        if (!host) throw new VolumeError(m.name, `volume ${JSON.stringify(m.name)} is not prepared for container ${container.name}`);
        if (m.subPath) {
          if (m.subPath.split('/').includes('..') || m.subPath.startsWith('/')) {
            throw new VolumeError(m.name, `subPath ${JSON.stringify(m.subPath)} must be a relative path without '..'`);
          }
          return { containerPath: m.mountPath, hostPath: join(host, m.subPath), readonly: !!m.readOnly };
        }
        return { containerPath: m.mountPath, hostPath: host, readonly: !!m.readOnly };
      });
    },
    async tearDownPodVolumes(podUid) {
      if (!podUid || podUid.includes('/')) throw new RangeError(`bad pod uid ${JSON.stringify(podUid)}`);
      await rm(podDir(podUid), { recursive: true, force: true });
    },
    async listPodDirs() {
      return readdir(opts.podsDir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [];
        throw err;
      });
    },
    podDir,
  };
}

async function setUpHostPath(name: string, path: string, type: string): Promise<string> {
  const info = await lstat(path).catch(() => null);
  const fail = (what: string): never => {
    throw new VolumeError(name, `hostPath type check failed: ${path} is not a ${what}`);
  };
  switch (type) {
    case '':
      return path;
    case 'DirectoryOrCreate':
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!(await stat(path)).isDirectory()) fail('directory');
      return path;
    case 'Directory':
      if (!info || !(await stat(path)).isDirectory()) fail('directory');
      return path;
    case 'FileOrCreate':
      if (!info) await writeFile(path, '', { mode: 0o644 });
      else if (!(await stat(path)).isFile()) fail('file');
      return path;
    case 'File':
      if (!info || !(await stat(path)).isFile()) fail('file');
      return path;
    case 'Socket':
      if (!info || !(await stat(path)).isSocket()) fail('socket');
      return path;
    case 'CharDevice':
      if (!info || !(await stat(path)).isCharacterDevice()) fail('character device');
      return path;
    case 'BlockDevice':
      if (!info || !(await stat(path)).isBlockDevice()) fail('block device');
      return path;
    default:
      throw new VolumeError(name, `hostPath type ${JSON.stringify(type)} is not supported`);
  }
}
