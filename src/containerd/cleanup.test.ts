import { describe, expect, it } from 'vitest';
import { decodeMountPath, mountsUnder } from './cleanup.js';

const MOUNTINFO = [
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '90 27 0:50 / /var/tmp/t-1/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - overlay overlay rw',
  '91 27 0:51 / /var/tmp/t-1/state/io.containerd.grpc.v1.cri/sandboxes/abc/shm rw - tmpfs shm rw',
  '92 27 0:52 / /var/tmp/t-1 rw - tmpfs tmpfs rw',
  '93 27 0:53 / /var/tmp/t-10/state/x rw - tmpfs tmpfs rw',
  '94 27 0:54 / /var/tmp/t-1/with\\040space rw - tmpfs tmpfs rw',
  '',
].join('\n');

describe('mountsUnder', () => {
  it('lists mounts at or below the dir, deepest first, and nothing of a sibling dir', () => {
    expect(mountsUnder(MOUNTINFO, '/var/tmp/t-1')).toEqual([
      '/var/tmp/t-1/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs',
      '/var/tmp/t-1/state/io.containerd.grpc.v1.cri/sandboxes/abc/shm',
      '/var/tmp/t-1/with space',
      '/var/tmp/t-1',
    ]);
  });

  it('decodes octal escapes', () => {
    expect(decodeMountPath('/a\\040b\\011c\\134d')).toBe('/a b\tc\\d');
  });
});
