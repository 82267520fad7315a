/**
 * Throwaway etcd clusters for integration tests and benchmarks (no vitest imports, so bench/ can
 * use it too).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describeExit, sleep, spawnDaemon, tailFile, type Daemon } from '../../../src/lib/daemon.js';

/** Where the members' data goes: /var/tmp, not /tmp (may be a small tmpfs); as env.ts. */
const TEST_TMP_BASE = '/var/tmp';

export interface StartEtcdOptions {
  /** 1 (default) or 3 members, all on 127.0.0.1 with their own client and peer ports. */
  members?: 1 | 3;
  /** How long to wait for the cluster to be healthy (default 30 s). */
  readyTimeoutMs?: number;
}

export interface EtcdCluster {
  /** Client URLs, one per member (`http://127.0.0.1:PORT`), in member order. */
  endpoints: string[];
  /** Temp dir holding the members' data dirs and logs (`/var/tmp/tskube-etcd-XXXXXX`). */
  dir: string;
  /** SIGKILLs member i (a crash, not a clean leave) and waits until it is gone. */
  killMember(i: number): Promise<void>;
  /** Starts member i again on its data dir and waits until it reports healthy. */
  restartMember(i: number): Promise<void>;
  /** Index of the current leader, as the live members report it. */
  leaderIndex(): Promise<number>;
  /** Stops every member and removes `dir`. Idempotent; call it in afterAll. */
  stop(): Promise<void>;
}

interface Member {
  name: string;
  client: number;
  peer: number;
  dataDir: string;
  logFile: string;
  args: string[];
  daemon: Daemon | undefined;
}

/** Distinct free loopback ports: all listeners are held open together so none is handed out twice. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const url = (port: number): string => `http://127.0.0.1:${port}`;

async function isHealthy(m: Member): Promise<boolean> {
  try {
    const res = await fetch(`${url(m.client)}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

async function waitHealthy(m: Member, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (m.daemon?.hasExited()) {
      const exit = await m.daemon.exited;
      throw new Error(`etcd ${m.name} ${describeExit(exit)}:\n${await tailFile(m.logFile)}`);
    }
    if (await isHealthy(m)) return;
    if (Date.now() > deadline) throw new Error(`etcd ${m.name} not healthy after ${timeoutMs} ms:\n${await tailFile(m.logFile)}`);
    await sleep(100);
  }
}

/** The member's `etcdctl endpoint status`, through etcd's JSON gateway; undefined if it does not answer. */
async function memberStatus(m: Member): Promise<{ leader?: string; header?: { member_id?: string } } | undefined> {
  try {
    const res = await fetch(`${url(m.client)}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as { leader?: string; header?: { member_id?: string } }) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a throwaway etcd (3.4, from apt) in a temp dir under /var/tmp on free loopback ports and
 * waits until every member is healthy. On failure everything started so far is cleaned up.
 */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdCluster> {
  const n = opts.members ?? 1;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const dir = await mkdtemp(join(TEST_TMP_BASE, 'tskube-etcd-'));
  const ports = await freePorts(2 * n);
  const token = `tskube-test-${randomBytes(4).toString('hex')}`;
  const members: Member[] = Array.from({ length: n }, (_, i) => ({
    name: `m${i}`,
    client: ports[2 * i] as number,
    peer: ports[2 * i + 1] as number,
    dataDir: join(dir, `m${i}`),
    logFile: join(dir, `m${i}.log`),
    args: [],
    daemon: undefined,
  }));
  const initialCluster = members.map((m) => `${m.name}=${url(m.peer)}`).join(',');
  for (const m of members) {
    m.args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${url(m.client)}`,
      `--advertise-client-urls=${url(m.client)}`,
      `--listen-peer-urls=${url(m.peer)}`,
      `--initial-advertise-peer-urls=${url(m.peer)}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${token}`,
      '--logger=zap',
      '--log-level=warn',
    ];
  }

  const start = async (m: Member): Promise<void> => {
    await mkdir(m.dataDir, { recursive: true, mode: 0o700 });
    m.daemon = await spawnDaemon('etcd', m.args, { logFile: m.logFile });
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(members.map((m) => m.daemon?.stop(5000)));
    await rm(dir, { recursive: true, force: true });
  };
  const member = (i: number): Member => {
    const m = members[i];
    if (m === undefined) throw new RangeError(`no etcd member ${i} (cluster of ${n})`);
    return m;
  };

  try {
    await Promise.all(members.map(start));
    await Promise.all(members.map((m) => waitHealthy(m, readyTimeoutMs)));
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    endpoints: members.map((m) => url(m.client)),
    dir,
    async killMember(i) {
      await member(i).daemon?.kill9();
    },
    async restartMember(i) {
      const m = member(i);
      if (m.daemon !== undefined && !m.daemon.hasExited()) throw new Error(`etcd ${m.name} is still running`);
      await start(m);
      await waitHealthy(m, readyTimeoutMs);
    },
    async leaderIndex() {
      const live = members.flatMap((m, i) => (m.daemon !== undefined && !m.daemon.hasExited() ? [{ m, i }] : []));
      const statuses = await Promise.all(live.map(async ({ m, i }) => ({ i, status: await memberStatus(m) })));
      const leader = statuses.find((s) => s.status?.leader !== undefined && s.status.leader !== '0')?.status?.leader;
      const found = statuses.find((s) => leader !== undefined && s.status?.header?.member_id === leader);
      if (found === undefined) throw new Error('no live etcd member knows a leader');
      return found.i;
    },
    stop,
  };
}
