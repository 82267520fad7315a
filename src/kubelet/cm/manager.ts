/**
 * The kubelet's pod cgroups (upstream qos_container_manager_linux.go and
 * pod_container_manager_linux.go, cgroupfs driver): QoS parents under `<root>/kubepods`, one cgroup
 * per pod with pod-level limits, created before the sandbox and removed after the pod is gone.
 *
 * Contracts: every method is reentrant and level-triggered (calling it again converges to the same
 * state). Calls for one pod must not overlap (the pod worker serializes them); calls for different
 * pods may. Detection runs on first use, never in the factory.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PodQOSClass } from '../../api/index.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { createCgroupDriver, type CgroupDriver } from './cgroup-manager.js';
import type { CgroupLimits, ResourceConfig } from './control.js';
import { detectCgroups, type DetectedCgroups } from './detect.js';
import { CgroupError, errorText } from './errors.js';
import { killProcess, nodeCgroupFs, type CgroupFs, type KillProcess } from './fs.js';
import {
  cgroupNames,
  DEFAULT_CPU_PERIOD_US,
  DEFAULT_SHARES,
  MAX_CPU_PERIOD_US,
  MAX_SHARES,
  MIN_CPU_PERIOD_US,
  MIN_CPU_QUOTA_US,
  MIN_SHARES,
  POD_CGROUP_PREFIX,
} from './names.js';

/** The desired pod-level limits. Omitted values mean "no limit" / the kernel default, not "leave as is". */
export interface PodCgroupSpec {
  uid: string;
  qosClass: PodQOSClass;
  /** v1 `cpu.shares`, v2 `cpu.weight` after conversion; [2, 262144], default 1024. */
  cpuShares?: number;
  /** CFS quota in µs, at least 1000; omitted, 0 or -1: no quota. */
  cpuQuota?: number;
  /** CFS period in µs, [1000, 1000000]; default 100000. */
  cpuPeriod?: number;
  /** Omitted or -1: no limit. */
  memoryLimitBytes?: number;
  /** Omitted or -1: no limit. */
  pidsLimit?: number;
}

/** A pod cgroup found on disk. */
export interface PodCgroup {
  uid: string;
  qosClass: PodQOSClass;
  /** The cgroupfs name, equal to `podCgroupParent(uid, qosClass)`. */
  name: string;
  /** The hierarchy directories where it exists. */
  paths: string[];
}

export interface CgroupManager {
  /** Creates `<root>/kubepods` and its `burstable` and `besteffort` children (BestEffort: minimal CPU shares). */
  ensureQosCgroups(): Promise<void>;
  /** The CRI `cgroup_parent` of a pod's sandbox for the cgroupfs driver, e.g. `/kubepods/burstable/pod<uid>`. Pure. */
  podCgroupParent(uid: string, qosClass: PodQOSClass): string;
  /** Creates the pod cgroup (and missing parents) and writes its limits; updates them when called again. */
  ensurePodCgroup(spec: PodCgroupSpec): Promise<void>;
  /**
   * SIGKILLs every process left in the pod cgroup or below (upstream, for orphaned pods), then
   * removes the tree deepest first in every hierarchy. Missing directories are fine. Call it after
   * the pod's sandbox is stopped. EBUSY is retried ~0.6 s per directory, in three kill-and-rmdir
   * rounds; `signal` cuts that short.
   */
  removePodCgroup(uid: string, qosClass: PodQOSClass, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Pod cgroups present under kubepods, so that orphans can be removed after a restart. */
  listPodCgroups(): Promise<PodCgroup[]>;
  /** The pod cgroup's limits as the kernel reports them; null when the cgroup does not exist. */
  readLimits(uid: string, qosClass: PodQOSClass): Promise<CgroupLimits | null>;
  /** Every hierarchy directory the pod cgroup has or may have. */
  podCgroupPaths(uid: string, qosClass: PodQOSClass): Promise<string[]>;
}

export interface CgroupManagerOptions {
  /** Cgroup (cgroupfs name) under which `kubepods` lives; default `/` (kubelet `--cgroup-root`). */
  cgroupRoot?: string;
  /** Default `kubepods`. */
  kubepodsName?: string;
  /** The host's layout; default: `detectCgroups()` on first use. */
  detected?: DetectedCgroups;
  logger?: Logger;
  /** Seams for tests. */
  fs?: CgroupFs;
  kill?: KillProcess;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const QOS_CLASSES: readonly PodQOSClass[] = ['Guaranteed', 'Burstable', 'BestEffort'];
/** Upstream tryKillingCgroupProcesses: five passes over the pids. */
const KILL_PASSES = 5;
/** Kill-then-rmdir rounds, for processes that forked while being killed. */
const REMOVE_ROUNDS = 3;

function checkInt(what: string, v: number | undefined, min: number, max: number, allowed: readonly number[] = []): void {
  if (v === undefined || allowed.includes(v)) return;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new RangeError(`${what} ${v} is not an integer in [${min}, ${max}]`);
}

/** The full ResourceConfig a spec stands for (omitted -> no limit / default). */
export function podResourceConfig(spec: PodCgroupSpec): ResourceConfig {
  checkInt('cpuShares', spec.cpuShares, MIN_SHARES, MAX_SHARES);
  checkInt('cpuQuota', spec.cpuQuota, MIN_CPU_QUOTA_US, Number.MAX_SAFE_INTEGER, [0, -1]);
  checkInt('cpuPeriod', spec.cpuPeriod, MIN_CPU_PERIOD_US, MAX_CPU_PERIOD_US);
  checkInt('memoryLimitBytes', spec.memoryLimitBytes, 1, Number.MAX_SAFE_INTEGER, [-1]);
  checkInt('pidsLimit', spec.pidsLimit, 1, Number.MAX_SAFE_INTEGER, [-1]);
  return {
    cpuShares: spec.cpuShares ?? DEFAULT_SHARES,
    cpuQuota: spec.cpuQuota !== undefined && spec.cpuQuota > 0 ? spec.cpuQuota : -1,
    cpuPeriod: spec.cpuPeriod ?? DEFAULT_CPU_PERIOD_US,
    memoryLimitBytes: spec.memoryLimitBytes ?? -1,
    pidsLimit: spec.pidsLimit ?? -1,
  };
}

export function createCgroupManager(opts: CgroupManagerOptions = {}): CgroupManager {
  const names = cgroupNames(opts.cgroupRoot ?? '/', opts.kubepodsName ?? 'kubepods');
  const logger = (opts.logger ?? silentLogger()).child({ component: 'cgroups' });
  const fs = opts.fs ?? nodeCgroupFs;
  const kill = opts.kill ?? killProcess;
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));

  let driverPromise: Promise<CgroupDriver> | undefined;
  const driver = (): Promise<CgroupDriver> => {
    driverPromise ??= (async () => {
      const detected = opts.detected ?? (await detectCgroups());
      logger.info({ version: detected.version, mountpoints: detected.mountpoints, unified: detected.unified }, 'cgroups detected');
      return createCgroupDriver({ detected, fs, logger, sleep });
    })().catch((err: unknown) => {
      driverPromise = undefined; // detection is retried on the next call
      throw err;
    });
    return driverPromise;
  };

  /** Upstream tryKillingCgroupProcesses; never signals pid 1 or ourselves. */
  async function killAll(d: CgroupDriver, name: string): Promise<number> {
    const pids = (await d.pids(name)).filter((p) => p > 1 && p !== process.pid);
    const done = new Set<number>();
    let errors: unknown[] = [];
    for (let pass = 0; pass < KILL_PASSES && done.size < pids.length; pass++) {
      errors = [];
      for (const pid of pids) {
        if (done.has(pid)) continue;
        try {
          kill(pid);
          done.add(pid);
        } catch (err) {
          errors.push(err);
        }
      }
    }
    if (errors.length > 0) {
      throw new CgroupError('KillFailed', name, `cannot kill ${errors.length} process(es): ${errorText(errors[0])}`, {
        cause: new AggregateError(errors),
      });
    }
    if (pids.length > 0) logger.info({ cgroup: name, pids }, 'killed processes left in pod cgroup');
    return pids.length;
  }

  return {
    async ensureQosCgroups() {
      const d = await driver();
      await d.create(names.kubepods, {});
      await d.create(names.qos('Burstable'), {});
      await d.create(names.qos('BestEffort'), { cpuShares: MIN_SHARES });
      logger.debug({ kubepods: names.kubepods }, 'QoS cgroups ensured');
    },
    podCgroupParent: (uid, qosClass) => names.pod(uid, qosClass),
    async ensurePodCgroup(spec) {
      const name = names.pod(spec.uid, spec.qosClass);
      const res = podResourceConfig(spec);
      await (await driver()).create(name, res);
      logger.debug({ cgroup: name, ...res }, 'pod cgroup ensured');
    },
    async removePodCgroup(uid, qosClass, { signal } = {}) {
      const name = names.pod(uid, qosClass);
      const d = await driver();
      for (let round = 1; ; round++) {
        signal?.throwIfAborted();
        await killAll(d, name);
        try {
          await d.destroy(name, signal);
          logger.debug({ cgroup: name }, 'pod cgroup removed');
          return;
        } catch (err) {
          if (round >= REMOVE_ROUNDS || signal?.aborted) throw err;
          logger.warn({ cgroup: name, round, err: errorText(err) }, 'pod cgroup still busy; killing again');
        }
      }
    },
    async listPodCgroups() {
      const d = await driver();
      const found: PodCgroup[] = [];
      for (const qosClass of QOS_CLASSES) {
        for (const [child, paths] of await d.children(names.qos(qosClass))) {
          if (!child.startsWith(POD_CGROUP_PREFIX)) continue;
          const uid = child.slice(POD_CGROUP_PREFIX.length);
          try {
            found.push({ uid, qosClass, name: names.pod(uid, qosClass), paths });
          } catch (err) {
            if (!(err instanceof RangeError)) throw err;
            logger.info({ path: paths[0] }, 'ignoring cgroup that is not a pod');
          }
        }
      }
      return found;
    },
    async readLimits(uid, qosClass) {
      const name = names.pod(uid, qosClass);
      const d = await driver();
      if ((await d.existing(name)).length === 0) return null;
      return d.read(name);
    },
    async podCgroupPaths(uid, qosClass) {
      return (await driver()).paths(names.pod(uid, qosClass));
    },
  };
}

