import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { errnoCode } from './errors.js';

/**
 * The file operations the cgroup manager performs: the seam unit tests use to run against a fake
 * tree in a temp dir, to record operations and to inject errors (EBUSY). Errors keep Node's errno
 * `code`.
 */
export interface CgroupFs {
  /** Creates one directory (not its parents); resolves false when it already existed. */
  mkdir(path: string): Promise<boolean>;
  /** Removes one empty directory. */
  rmdir(path: string): Promise<void>;
  /** The file's text, or null when it does not exist. */
  readFile(path: string): Promise<string | null>;
  /** Writes `data` with one write into an existing control file; never creates a file. */
  writeFile(path: string, data: string): Promise<void>;
  /** Names of the subdirectories of `path`; [] when `path` does not exist. */
  listDirs(path: string): Promise<string[]>;
  /** Whether `path` is an existing directory. */
  isDir(path: string): Promise<boolean>;
}

/** Sends SIGKILL; false when the process no longer exists. The seam for tests. */
export type KillProcess = (pid: number) => boolean;

export const nodeCgroupFs: CgroupFs = {
  async mkdir(path) {
    try {
      await mkdir(path, { mode: 0o755 });
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    }
  },
  async rmdir(path) {
    await rmdir(path);
  },
  async readFile(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    }
  },
  async writeFile(path, data) {
    // O_TRUNC without O_CREAT: cgroupfs accepts it, and a fake tree of plain files stays exact.
    const fh = await open(path, constants.O_WRONLY | constants.O_TRUNC);
    try {
      await fh.write(data);
    } finally {
      await fh.close();
    }
  },
  async listDirs(path) {
    try {
      const entries = await readdir(path, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  },
  async isDir(path) {
    try {
      return (await stat(path)).isDirectory();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
  },
};

export const killProcess: KillProcess = (pid) => {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ESRCH') return false;
    throw err;
  }
};
