import { isAbsolute, join } from 'node:path';

/** Where everything of one tskube-managed containerd lives, all under one base directory. */
export interface ContainerdLayout {
  dir: string;
  configPath: string;
  root: string;
  state: string;
  socket: string;
  logPath: string;
  runcRoot: string;
  /** Default CNI conf dir (`cni/net.d`); IPAM state of test networks goes beside it. */
  cniConfDir: string;
  /** `certs.d` for writeRegistryHost. */
  certsDir: string;
}

/** The fixed layout under `dir` (absolute). Pure. */
export function containerdLayout(dir: string): ContainerdLayout {
  if (!isAbsolute(dir)) throw new RangeError(`containerd dir must be an absolute path, got ${JSON.stringify(dir)}`);
  const state = join(dir, 'state');
  return {
    dir,
    configPath: join(dir, 'config.toml'),
    root: join(dir, 'root'),
    state,
    socket: join(dir, 'containerd.sock'),
    logPath: join(dir, 'containerd.log'),
    runcRoot: join(state, 'runc'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    certsDir: join(dir, 'certs.d'),
  };
}
