import { describe, expect, it } from 'vitest';
import { DISABLED_PLUGINS, renderContainerdConfig, type ContainerdConfigOptions } from './config.js';

const base: ContainerdConfigOptions = {
  root: '/var/lib/tskube/containerd/root',
  state: '/run/tskube/containerd',
  socket: '/run/tskube/containerd.sock',
  cniConfDir: '/etc/tskube/cni/net.d',
};

/** Table headers and `key = value` lines, grouped by table: enough TOML to check the shape. */
function tables(toml: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>([['', new Map()]]);
  let current = out.get('') as Map<string, string>;
  for (const raw of toml.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      expect(out.has(header[1]), `table [${header[1]}] defined twice`).toBe(false);
      current = new Map();
      out.set(header[1], current);
      continue;
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_]*) = (.+)$/.exec(line);
    expect(kv, `not a key = value line: ${line}`).not.toBeNull();
    const [, key, value] = kv as RegExpExecArray;
    expect(current.has(key as string), `key ${key} set twice`).toBe(false);
    current.set(key as string, value as string);
  }
  return out;
}

const CRI = 'plugins."io.containerd.grpc.v1.cri"';

describe('renderContainerdConfig', () => {
  it('renders version 2 with our own root, state and sockets, no debug or metrics listener', () => {
    const t = tables(renderContainerdConfig(base));
    expect(t.get('')?.get('version')).toBe('2');
    expect(t.get('')?.get('root')).toBe('"/var/lib/tskube/containerd/root"');
    expect(t.get('')?.get('state')).toBe('"/run/tskube/containerd"');
    expect(t.get('grpc')?.get('address')).toBe('"/run/tskube/containerd.sock"');
    expect(t.get('ttrpc')?.get('address')).toBe('"/run/tskube/containerd.sock.ttrpc"');
    expect(t.get('debug')?.get('address')).toBe('""');
    expect(t.get('metrics')?.get('address')).toBe('""');
    const disabled = t.get('')?.get('disabled_plugins') ?? '';
    for (const p of DISABLED_PLUGINS) expect(disabled).toContain(`"${p}"`);
    expect(disabled).not.toContain('io.containerd.runtime.v1.linux');
  });

  it('renders the CRI plugin with safe defaults', () => {
    const t = tables(renderContainerdConfig(base));
    expect(Object.fromEntries(t.get(CRI) ?? [])).toEqual({
      sandbox_image: '"registry.k8s.io/pause:3.10"',
      restrict_oom_score_adj: 'true',
      disable_apparmor: 'true',
      enable_selinux: 'false',
      stream_server_address: '"127.0.0.1"',
      stream_server_port: '"0"',
      netns_mounts_under_state_dir: 'false',
    });
    expect(t.get(`${CRI}.containerd`)?.get('snapshotter')).toBe('"overlayfs"');
    expect(t.get(`${CRI}.containerd`)?.get('default_runtime_name')).toBe('"runc"');
    expect(t.get(`${CRI}.containerd.runtimes.runc`)?.get('runtime_type')).toBe('"io.containerd.runc.v2"');
    expect(t.get(`${CRI}.containerd.runtimes.runc.options`)?.get('SystemdCgroup')).toBe('false');
    expect(t.get(`${CRI}.containerd.runtimes.runc.options`)?.get('Root')).toBe('"/run/tskube/containerd/runc"');
    expect(t.get(`${CRI}.cni`)?.get('bin_dir')).toBe('"/usr/lib/cni"');
    expect(t.get(`${CRI}.cni`)?.get('conf_dir')).toBe('"/etc/tskube/cni/net.d"');
    expect(t.get(`${CRI}.registry`)?.get('config_path')).toBe('""');
  });

  it('applies every option', () => {
    const t = tables(
      renderContainerdConfig({
        ...base,
        sandboxImage: '127.0.0.1:5000/tskube/pause:3.10',
        restrictOomScoreAdj: false,
        systemdCgroup: true,
        runcRoot: '/run/tskube/runc',
        cniBinDir: '/opt/cni/bin',
        registryConfigPath: '/etc/tskube/certs.d',
        netnsMountsUnderStateDir: true,
      }),
    );
    expect(t.get(CRI)?.get('sandbox_image')).toBe('"127.0.0.1:5000/tskube/pause:3.10"');
    expect(t.get(CRI)?.get('restrict_oom_score_adj')).toBe('false');
    expect(t.get(CRI)?.get('netns_mounts_under_state_dir')).toBe('true');
    expect(t.get(`${CRI}.containerd.runtimes.runc.options`)?.get('SystemdCgroup')).toBe('true');
    expect(t.get(`${CRI}.containerd.runtimes.runc.options`)?.get('Root')).toBe('"/run/tskube/runc"');
    expect(t.get(`${CRI}.cni`)?.get('bin_dir')).toBe('"/opt/cni/bin"');
    expect(t.get(`${CRI}.registry`)?.get('config_path')).toBe('"/etc/tskube/certs.d"');
  });

  it('never configures registry mirrors (with config_path set, the CRI plugin would not load)', () => {
    const text = renderContainerdConfig({ ...base, registryConfigPath: '/etc/tskube/certs.d' });
    expect(text).not.toMatch(/mirrors/);
  });

  it('escapes strings as TOML basic strings', () => {
    const text = renderContainerdConfig({ ...base, root: '/var/lib/with "quote" and \\ backslash' });
    expect(text).toContain('root = "/var/lib/with \\"quote\\" and \\\\ backslash"');
  });

  it.each([
    ['relative root', { root: 'var/lib/x' }, /root must be an absolute path/],
    ['empty state', { state: '' }, /state must be an absolute path/],
    ['relative socket', { socket: 'containerd.sock' }, /socket must be an absolute path/],
    ['long socket', { socket: `/${'s'.repeat(100)}` }, /socket path is 101 bytes/],
    ['relative cni conf dir', { cniConfDir: 'net.d' }, /cniConfDir must be an absolute path/],
    ['relative cni bin dir', { cniBinDir: './bin' }, /cniBinDir must be an absolute path/],
    ['relative runc root', { runcRoot: 'runc' }, /runcRoot must be an absolute path/],
    ['relative certs.d', { registryConfigPath: 'certs.d' }, /registryConfigPath must be an absolute path/],
    ['newline in a path', { root: '/var/lib/a\nb' }, /control character/],
    ['empty sandbox image', { sandboxImage: '' }, /sandboxImage/],
    ['sandbox image with a space', { sandboxImage: 'pause 3.10' }, /sandboxImage/],
    ['non-boolean flag', { systemdCgroup: 'yes' as unknown as boolean }, /systemdCgroup must be a boolean/],
  ])('throws RangeError on %s', (_name, patch, message) => {
    expect(() => renderContainerdConfig({ ...base, ...patch })).toThrow(RangeError);
    expect(() => renderContainerdConfig({ ...base, ...patch })).toThrow(message);
  });
});
