import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroups, parseCgroupMounts } from './detect.js';
import { CgroupError } from './errors.js';
import { createFakeTree, type FakeTree } from './testing/fake-tree.js';

/** This machine's mountinfo (separate cpu and cpuacct hierarchies, hybrid cgroup2). */
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

/** A systemd-style v1 host: co-mounted cpu,cpuacct and net_cls,net_prio, optional fields, a bind mount later. */
const COMOUNTED = `25 18 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
28 18 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
29 18 0:26 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:10 - cgroup cgroup rw,net_cls,net_prio
30 18 0:27 / /sys/fs/cgroup/memory rw shared:11 - cgroup cgroup rw,memory
31 18 0:28 / /sys/fs/cgroup/cpuset rw shared:12 - cgroup cgroup rw,cpuset,clone_children
90 88 0:27 /docker/abc /var/lib/x/mem\\040ory rw - cgroup cgroup rw,memory
`;

describe('parseCgroupMounts', () => {
  it('reads separate hierarchies and the hybrid cgroup2 mount', () => {
    expect(parseCgroupMounts(HYBRID)).toEqual({
      v1: {
        cpu: '/sys/fs/cgroup/cpu',
        cpuacct: '/sys/fs/cgroup/cpuacct',
        cpuset: '/sys/fs/cgroup/cpuset',
        memory: '/sys/fs/cgroup/memory',
        pids: '/sys/fs/cgroup/pids',
        'name=systemd': '/sys/fs/cgroup/systemd',
      },
      unified: '/sys/fs/cgroup/unified',
    });
  });

  it('maps co-mounted controllers to one mount, skips mount options, keeps the first mount', () => {
    const { v1, unified } = parseCgroupMounts(COMOUNTED);
    expect(v1).toEqual({
      'name=systemd': '/sys/fs/cgroup/systemd',
      cpu: '/sys/fs/cgroup/cpu,cpuacct',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
      net_cls: '/sys/fs/cgroup/net_cls,net_prio',
      net_prio: '/sys/fs/cgroup/net_cls,net_prio',
      memory: '/sys/fs/cgroup/memory',
      cpuset: '/sys/fs/cgroup/cpuset',
    });
    expect(unified).toBeUndefined();
  });

  it('undoes octal escapes in mount points', () => {
    const { v1 } = parseCgroupMounts('90 88 0:27 / /x/mem\\040ory rw - cgroup cgroup rw,memory\n');
    expect(v1.memory).toBe('/x/mem ory');
  });
});

describe('detectCgroups', () => {
  let tree: FakeTree | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await tree?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
    tree = undefined;
    dir = undefined;
  });

  it('detects pure v2 from cgroup.controllers and maps every controller to the root', async () => {
    tree = await createFakeTree('v2', { v2Available: ['cpuset', 'cpu', 'memory', 'pids'] });
    const d = await detectCgroups(tree.root, '/nonexistent/mountinfo');
    expect(d).toEqual({
      version: 'v2',
      mountpoints: { cpuset: tree.root, cpu: tree.root, memory: tree.root, pids: tree.root },
      unified: tree.root,
    });
  });

  it('detects v1 from mountinfo when the root has no cgroup.controllers', async () => {
    tree = await createFakeTree('v1');
    expect(await detectCgroups(tree.root, tree.mountinfo)).toEqual(tree.detected);
  });

  it('fails with DetectFailed when there are no cgroups at all', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-cm-'));
    await writeFile(join(dir, 'mountinfo'), '22 1 0:21 / /proc rw - proc proc rw\n');
    const err = await detectCgroups(dir, join(dir, 'mountinfo')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupError);
    expect(err).toMatchObject({ code: 'DetectFailed' });
  });
});
