import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { cleanupContainerd, containerdLayout, startContainerd, type ContainerdProcess } from '../../../src/containerd/index.js';
import { imageRef, PAUSE_VERSION } from '../../../src/images/index.js';
import { createLogger } from '../../../src/lib/logger.js';
import { removeCgroupTree } from './cgroups.js';
import { cniNetnsNames, nftTables, removeLeakedNetnsSince, removePortmapTables } from './netns.js';

export { cgroupDirsOf, removeCgroupTree } from './cgroups.js';

/** Where per-test directories go: /var/tmp, not /tmp (may be a small tmpfs; overlay upper dirs live here). */
export const TEST_TMP_BASE = '/var/tmp';

/**
 * The run's registry (`host:port`) with busybox and pause pushed: started once per run by
 * global-setup.ts (tests) or bench/run.ts (benchmarks), which set `TSKUBE_TEST_REGISTRY`.
 */
export function testRegistry(): string {
  const addr = process.env.TSKUBE_TEST_REGISTRY;
  if (!addr) throw new Error('no test registry: run through vitest (global-setup.ts) or bench/run.ts, or set TSKUBE_TEST_REGISTRY');
  return addr;
}

/** Image references of the test images in the run's registry. */
export function testImages(registry = testRegistry()): { busybox: string; pause: string } {
  return { busybox: imageRef(registry, 'busybox', 'latest'), pause: imageRef(registry, 'pause', PAUSE_VERSION) };
}

export interface StartTestContainerdOptions {
  /** 'bridge' (default): a working bridge + host-local + portmap conflist; 'none': no CNI config. */
  cniConfig?: 'bridge' | 'none';
}

export interface TestContainerd {
  /** CRI socket. */
  socket: string;
  /** Temp dir holding everything (`/var/tmp/tskube-test-XXXXXX`). */
  dir: string;
  /** Registry `host:port`. */
  registry: string;
  images: { busybox: string; pause: string };
  containerd: ContainerdProcess;
  /** Unique cgroup parent for pod sandboxes (`/tskube-test-XXXXXX`); removed by cleanup(). */
  cgroupParent: string;
  /** CNI conf dir (containerd reloads on change). */
  cniConfDir: string;
  /** Bridge name (`tsk` + 6 hex) and pod subnet, when cniConfig is 'bridge'. */
  bridge: string | undefined;
  podSubnet: string | undefined;
  /** e.g. `10.222.37.`: pod IPs start with it. '' without a bridge network. */
  podSubnetPrefix: string;
  /** Stops containerd and removes everything above. Idempotent; call it in afterAll. */
  cleanup(): Promise<void>;
}

/** A /24 in 10.222.0.0/16 not assigned on any host interface. */
async function pickPodSubnet(): Promise<{ subnet: string; prefix: string }> {
  const { stdout } = await execa('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 64; i++) {
    const third = randomBytes(1)[0] ?? 0;
    const prefix = `10.222.${third}.`;
    if (!stdout.includes(`inet ${prefix}`)) return { subnet: `${prefix}0/24`, prefix };
  }
  throw new Error('no free /24 in 10.222.0.0/16');
}

/** The conflist of a test node: bridge (gateway, no masquerade) + host-local + portmap. */
export function bridgeConflist(opts: { name: string; bridge: string; subnet: string; ipamDataDir: string }): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: opts.name,
      plugins: [
        {
          type: 'bridge',
          bridge: opts.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: opts.subnet }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: opts.ipamDataDir,
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

async function deleteLink(name: string): Promise<void> {
  const res = await execa('ip', ['link', 'del', name], { reject: false });
  if (res.failed && !/Cannot find device|does not exist/.test(String(res.stderr))) {
    throw new Error(`ip link del ${name} failed: ${String(res.stderr)}`);
  }
}

/**
 * Starts a containerd of its own for one test file: temp dir, socket, runc root, CNI config with a
 * unique bridge and subnet, the run's registry for images, a unique cgroup parent.
 */
export async function startTestContainerd(opts: StartTestContainerdOptions = {}): Promise<TestContainerd> {
  const registry = testRegistry();
  const images = testImages(registry);
  const dir = await mkdtemp(join(TEST_TMP_BASE, 'tskube-test-'));
  const cgroupParent = `/${basename(dir)}`;
  const layout = containerdLayout(dir);
  const logger = createLogger('test-env', { level: process.env.TSKUBE_LOG_LEVEL ?? 'warn' });

  const netnsBefore = await cniNetnsNames();
  const tablesBefore = await nftTables();
  let bridge: string | undefined;
  let podSubnet: string | undefined;
  let podSubnetPrefix = '';
  let containerd: ContainerdProcess | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => {
    cleaned ??= (async () => {
      const errors: unknown[] = [];
      const attempt = async (fn: () => Promise<void>): Promise<void> => {
        await fn().catch((err: unknown) => void errors.push(err));
      };
      const proc = containerd;
      if (proc) await attempt(() => proc.stop());
      await attempt(() => cleanupContainerd(dir, { logger }));
      const link = bridge;
      if (link) await attempt(() => deleteLink(link));
      await attempt(() => removeCgroupTree(cgroupParent));
      await attempt(async () => void (await removeLeakedNetnsSince(netnsBefore)));
      await attempt(() => removePortmapTables(tablesBefore));
      if (errors.length > 0) throw new AggregateError(errors, `test environment cleanup of ${dir} failed`);
    })();
    return cleaned;
  };

  try {
    await mkdir(layout.cniConfDir, { recursive: true });
    if ((opts.cniConfig ?? 'bridge') === 'bridge') {
      const hex = randomBytes(3).toString('hex');
      bridge = `tsk${hex}`;
      ({ subnet: podSubnet, prefix: podSubnetPrefix } = await pickPodSubnet());
      const conflist = bridgeConflist({ name: `tskube-test-${hex}`, bridge, subnet: podSubnet, ipamDataDir: join(dir, 'cni', 'ipam') });
      await writeFile(join(layout.cniConfDir, '10-tskube-test.conflist'), conflist);
    }
    containerd = await startContainerd({ dir, sandboxImage: images.pause, logger });
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
  return {
    socket: containerd.socket,
    dir,
    registry,
    images,
    containerd,
    cgroupParent,
    cniConfDir: layout.cniConfDir,
    bridge,
    podSubnet,
    podSubnetPrefix,
    cleanup,
  };
}
