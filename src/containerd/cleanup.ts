import { readdir, readFile, realpath, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../lib/command.js';
import { sleep } from '../lib/daemon.js';
import type { Logger } from '../lib/logger.js';
import { silentLogger } from '../lib/logger.js';
import { containerdLayout } from './layout.js';

export interface CleanupContainerdOptions {
  logger?: Logger;
}

interface Bundle {
  namespace: string;
  id: string;
  /** Network namespace file of the task, if it has its own. */
  netnsPath: string | undefined;
  /** Shim socket (`/run/containerd/s/<hash>`). */
  shimSocket: string | undefined;
}

/**
 * Removes every trace of a containerd started by startContainerd({ dir }), after (or instead of) its
 * stop(): its process if still running, its containers (`runc --root`), its shims (those whose
 * `-address` is its socket), the shim sockets and pod network namespaces named in its task bundles,
 * libcni's cached results of its sandboxes, every mount under `dir` (deepest first, lazily), and
 * finally `dir`. Not removed: sandbox cgroups (the caller owns its cgroup parent), CNI bridges. Touches nothing of another
 * containerd. Best effort and idempotent: problems are logged and the next step still runs; throws
 * only when `dir` cannot be removed at the end.
 */
export async function cleanupContainerd(dir: string, opts: CleanupContainerdOptions = {}): Promise<void> {
  const layout = containerdLayout(dir);
  const logger = (opts.logger ?? silentLogger()).child({ containerdCleanup: dir });
  const warn = (what: string) => (err: unknown) => logger.warn({ err }, what);

  const procs = await listProcesses();
  const ours = procs.filter((p) => {
    const i = p.argv.indexOf('--config');
    return i !== -1 && p.argv[i + 1] === layout.configPath && p.argv.some((a) => a.endsWith('containerd'));
  });
  await killAndWait(ours.map((p) => p.pid));

  const bundles = await listBundles(layout.state);
  await deleteRuncContainers(layout.runcRoot, logger);

  const shims = procs.filter((p) => /containerd-shim/.test(p.argv[0] ?? '') && argAfter(p.argv, '-address') === layout.socket);
  await killAndWait(shims.map((p) => p.pid));
  for (const b of bundles) {
    if (b.shimSocket?.startsWith('/run/containerd/s/')) await unlink(b.shimSocket).catch(() => undefined);
  }

  const sandboxIds = new Set([...bundles.map((b) => b.id), ...(await listCriSandboxIds(layout.root, layout.state))]);
  await removeCniResults(sandboxIds, logger);

  const base = await realpath(dir).catch(() => undefined);
  for (const b of bundles) {
    const ns = b.netnsPath;
    if (ns === undefined || !/^\/(var\/)?run\/netns\/cni-[0-9a-f-]+$/.test(ns)) continue;
    await runCommand('umount', ['-l', ns]).catch(() => undefined);
    await unlink(ns).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') warn(`removing netns ${ns}`)(err);
    });
  }
  if (base !== undefined) {
    await unmountUnder(base, logger);
    await removeDir(base);
  }
}

function argAfter(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i === -1 ? undefined : argv[i + 1];
}

interface Proc {
  pid: number;
  argv: string[];
}

async function listProcesses(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const raw = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (raw !== '') out.push({ pid: Number(name), argv: raw.replace(/\0$/, '').split('\0') });
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL, then wait up to 5 s for the pids to disappear (children of ours are reaped by execa). */
async function killAndWait(pids: readonly number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const until = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < until) await sleep(20);
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  return readdir(path).catch(() => []);
}

/** Task bundles of the runc v2 shim: `<state>/io.containerd.runtime.v2.task/<ns>/<id>/`. */
async function listBundles(state: string): Promise<Bundle[]> {
  const top = join(state, 'io.containerd.runtime.v2.task');
  const bundles: Bundle[] = [];
  for (const namespace of await readdirOrEmpty(top)) {
    for (const id of await readdirOrEmpty(join(top, namespace))) {
      const dir = join(top, namespace, id);
      const address = await readFile(join(dir, 'address'), 'utf8').catch(() => '');
      let netnsPath: string | undefined;
      try {
        const spec = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
          linux?: { namespaces?: { type?: string; path?: string }[] };
        };
        netnsPath = spec.linux?.namespaces?.find((n) => n.type === 'network')?.path || undefined;
      } catch {
        // no spec: nothing to learn
      }
      const shimSocket = address.trim().replace(/^unix:\/\//, '') || undefined;
      bundles.push({ namespace, id, netnsPath, shimSocket });
    }
  }
  return bundles;
}

/** Sandbox ids the CRI plugin keeps directories for (running or not). */
async function listCriSandboxIds(root: string, state: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const base of [root, state]) {
    for (const id of await readdirOrEmpty(join(base, 'io.containerd.grpc.v1.cri', 'sandboxes'))) ids.add(id);
  }
  return [...ids];
}

/** libcni caches each ADD result in /var/lib/cni/results as `<network>-<sandboxId>-<ifname>`, until DEL. */
export const CNI_RESULTS_DIR = '/var/lib/cni/results';

async function removeCniResults(sandboxIds: ReadonlySet<string>, logger: Logger): Promise<void> {
  const ids = [...sandboxIds].filter((id) => /^[0-9a-f]{64}$/.test(id));
  if (ids.length === 0) return;
  for (const name of await readdirOrEmpty(CNI_RESULTS_DIR)) {
    if (ids.some((id) => name.includes(`-${id}-`))) {
      await unlink(join(CNI_RESULTS_DIR, name)).catch((err: unknown) => logger.warn({ err, name }, 'removing CNI result cache failed'));
    }
  }
}

/** `runc --root <runcRoot>/<ns> delete -f` for every container of every namespace. */
async function deleteRuncContainers(runcRoot: string, logger: Logger): Promise<void> {
  for (const ns of await readdirOrEmpty(runcRoot)) {
    const root = join(runcRoot, ns);
    let ids: string[];
    try {
      ids = (await runCommand('runc', ['--root', root, 'list', '-q'])).stdout.split('\n').filter(Boolean);
    } catch (err) {
      logger.warn({ err }, 'runc list failed');
      continue;
    }
    for (const id of ids) {
      await runCommand('runc', ['--root', root, 'delete', '-f', id]).catch((err: unknown) => logger.warn({ err, id }, 'runc delete failed'));
    }
  }
}

/** Decodes the octal escapes of /proc/self/mountinfo (`\040` for space, ...). */
export function decodeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points at or under `base`, deepest first. Pure. */
export function mountsUnder(mountinfo: string, base: string): string[] {
  const points = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const mp = decodeMountPath(field);
    if (mp === base || mp.startsWith(`${base}/`)) points.add(mp);
  }
  return [...points].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

async function unmountUnder(base: string, logger: Logger): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), base);
    if (points.length === 0) return;
    for (const mp of points) {
      await runCommand('umount', ['-l', mp]).catch((err: unknown) => logger.warn({ err, mountPoint: mp }, 'umount failed'));
    }
  }
}

async function removeDir(dir: string): Promise<void> {
  // rm can race with a dying shim still writing; retry briefly.
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
