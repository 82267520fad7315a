import { isAbsolute } from 'node:path';

/** Options of a containerd 1.6 configuration owned by tskube. Paths must be absolute. */
export interface ContainerdConfigOptions {
  /** Persistent data (content store, snapshots, metadata). */
  root: string;
  /** Runtime state (task bundles, sockets of the CRI plugin). */
  state: string;
  /** gRPC unix socket. The ttrpc socket is this path + `.ttrpc`. At most 100 bytes. */
  socket: string;
  /** Pod sandbox (pause) image. Default `registry.k8s.io/pause:3.10`. */
  sandboxImage?: string;
  /**
   * Clamp containers' oom_score_adj to containerd's own instead of failing. Default true: without
   * CAP_SYS_RESOURCE (as on these VMs) every RunPodSandbox otherwise fails with `runc create failed:
   * ... can't get final child's PID from pipe: EOF`, and on a normal host it only means negative
   * values are raised to containerd's (0).
   */
  restrictOomScoreAdj?: boolean;
  /** runc's systemd cgroup driver. Default false (cgroupfs). */
  systemdCgroup?: boolean;
  /** runc state root (`--root`). Default `<state>/runc`, so two containerds never share one. */
  runcRoot?: string;
  /** CNI plugin binaries. Default `/usr/lib/cni` (Debian's containernetworking-plugins). */
  cniBinDir?: string;
  /** CNI network configs; containerd reloads on change. */
  cniConfDir: string;
  /** `certs.d` directory of per-registry `hosts.toml` files (see writeRegistryHost). Omit for none. */
  registryConfigPath?: string;
  /**
   * Put pod network namespaces under `<state>` instead of `/var/run/netns`. Default false (what
   * Kubernetes nodes do); true keeps everything of this containerd under its own directories.
   */
  netnsMountsUnderStateDir?: boolean;
}

export const DEFAULT_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10';
export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';
/** sun_path holds 108 bytes with the NUL; leave room for the `.ttrpc` suffix. */
const MAX_SOCKET_PATH = 100;

/**
 * Plugins that would touch state outside our root/state or do useless global work:
 * `opt` creates /opt/containerd and prepends it to PATH; `aufs` runs `modprobe aufs`; btrfs, zfs and
 * devmapper cannot work here and only log errors. `io.containerd.runtime.v1.linux` must NOT be
 * disabled: in 1.6 the tasks service, and with it the CRI plugin, fail to load without it.
 */
export const DISABLED_PLUGINS = [
  'io.containerd.internal.v1.opt',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
] as const;

function checkPath(field: string, value: string): void {
  if (typeof value !== 'string' || !isAbsolute(value)) {
    throw new RangeError(`containerd config: ${field} must be an absolute path, got ${JSON.stringify(value)}`);
  }
  checkText(field, value);
}

function checkText(field: string, value: string): void {
  // TOML basic strings allow no control characters; none belongs in a path or image name anyway.
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw new RangeError(`containerd config: ${field} contains a control character: ${JSON.stringify(value)}`);
  }
}

function checkBool(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new RangeError(`containerd config: ${field} must be a boolean, got ${JSON.stringify(value)}`);
  }
}

/** A TOML basic string. Safe after checkText: JSON escapes are valid TOML escapes. */
function str(value: string): string {
  return JSON.stringify(value);
}

/**
 * Renders a containerd 1.6 config (format version 2) for a containerd that owns nothing global:
 * its own root, state, sockets, runc root and CNI config; no debug or metrics listeners; the CRI
 * streaming server on a random loopback port, so several containerds never collide. Pure.
 * Throws RangeError on a relative path, a control character, a too-long socket path or a bad value.
 */
export function renderContainerdConfig(opts: ContainerdConfigOptions): string {
  checkPath('root', opts.root);
  checkPath('state', opts.state);
  checkPath('socket', opts.socket);
  if (Buffer.byteLength(opts.socket) > MAX_SOCKET_PATH) {
    throw new RangeError(`containerd config: socket path is ${Buffer.byteLength(opts.socket)} bytes, at most ${MAX_SOCKET_PATH} fit a unix socket address: ${opts.socket}`);
  }
  checkPath('cniConfDir', opts.cniConfDir);
  const cniBinDir = opts.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
  checkPath('cniBinDir', cniBinDir);
  const runcRoot = opts.runcRoot ?? `${opts.state.replace(/\/+$/, '')}/runc`;
  checkPath('runcRoot', runcRoot);
  if (opts.registryConfigPath !== undefined) checkPath('registryConfigPath', opts.registryConfigPath);
  const sandboxImage = opts.sandboxImage ?? DEFAULT_SANDBOX_IMAGE;
  checkText('sandboxImage', sandboxImage);
  if (sandboxImage === '' || /\s/.test(sandboxImage)) {
    throw new RangeError(`containerd config: sandboxImage must be a non-empty image reference, got ${JSON.stringify(sandboxImage)}`);
  }
  checkBool('restrictOomScoreAdj', opts.restrictOomScoreAdj);
  checkBool('systemdCgroup', opts.systemdCgroup);
  checkBool('netnsMountsUnderStateDir', opts.netnsMountsUnderStateDir);

  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const lines = [
    '# Generated by tskube (src/containerd). containerd 1.6, config format version 2.',
    'version = 2',
    `root = ${str(opts.root)}`,
    `state = ${str(opts.state)}`,
    `disabled_plugins = [${DISABLED_PLUGINS.map(str).join(', ')}]`,
    '',
    '[grpc]',
    `  address = ${str(opts.socket)}`,
    '',
    '[ttrpc]',
    `  address = ${str(`${opts.socket}.ttrpc`)}`,
    '',
    '[debug]',
    '  address = ""',
    '',
    '[metrics]',
    '  address = ""',
    '',
    `[${cri}]`,
    `  sandbox_image = ${str(sandboxImage)}`,
    `  restrict_oom_score_adj = ${opts.restrictOomScoreAdj ?? true}`,
    '  disable_apparmor = true',
    '  enable_selinux = false',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    `  netns_mounts_under_state_dir = ${opts.netnsMountsUnderStateDir ?? false}`,
    '',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    '',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    `[${cri}.containerd.runtimes.runc.options]`,
    `  SystemdCgroup = ${opts.systemdCgroup ?? false}`,
    `  Root = ${str(runcRoot)}`,
    '',
    `[${cri}.cni]`,
    `  bin_dir = ${str(cniBinDir)}`,
    `  conf_dir = ${str(opts.cniConfDir)}`,
    '',
    // Only config_path, never registry.mirrors as well: with both the CRI plugin fails to load.
    `[${cri}.registry]`,
    `  config_path = ${str(opts.registryConfigPath ?? '')}`,
    '',
  ];
  return lines.join('\n');
}
