import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CniError } from './errors.js';
import { invokePlugin, renderCniArgs } from './exec.js';
import { addResult, pluginSandbox, type PluginSandbox } from './fixtures.js';

const CONFIG = { cniVersion: '1.0.0', name: 'net', type: 'fake' };
const ADD = { command: 'ADD', containerId: 'abc123', netns: '/var/run/netns/x', ifName: 'eth0', config: CONFIG } as const;

/** Alive and not a zombie waiting to be reaped by whoever inherited it. */
async function pidAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
}

describe('invokePlugin', () => {
  let sb: PluginSandbox;
  beforeEach(async () => {
    sb = await pluginSandbox();
  });
  afterEach(async () => {
    await sb.cleanup();
  });

  it('passes the CNI environment and the config, and parses the ADD result', async () => {
    await sb.plugin('fake', `echo '${JSON.stringify(addResult('10.244.1.5'))}'`);
    process.env.CNI_LEAKED = 'from-parent';
    try {
      const res = await invokePlugin({ ...ADD, binDirs: ['/nonexistent', sb.bin], plugin: 'fake', args: { IgnoreUnknown: '1', K8S_POD_NAME: 'web' } });
      expect(res.ips).toEqual([{ address: '10.244.1.5/24', gateway: '10.244.1.1', interface: 0 }]);
      expect(res.interfaces[0]).toMatchObject({ name: 'eth0', sandbox: '/var/run/netns/x' });
      expect(res.routes).toEqual([{ dst: '0.0.0.0/0' }]);
      expect(res.raw).toEqual(addResult('10.244.1.5'));
    } finally {
      delete process.env.CNI_LEAKED;
    }
    expect(await sb.env('fake', 'ADD')).toEqual({
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web',
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'abc123',
      CNI_IFNAME: 'eth0',
      CNI_NETNS: '/var/run/netns/x',
      CNI_PATH: `/nonexistent:${sb.bin}`,
    });
    expect(await sb.stdin('fake', 'ADD')).toEqual(CONFIG);
  });

  it('parses structured errors into CniError with the code number and name', async () => {
    await sb.plugin('fake', `echo '{"cniVersion":"1.0.0","code":7,"msg":"bad subnet","details":"10.0.0.0/33"}'; echo oops >&2; exit 1`);
    const err = await invokePlugin({ ...ADD, binDirs: [sb.bin], plugin: 'fake' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({ code: 'InvalidNetworkConfig', cniCode: 7, msg: 'bad subnet', details: '10.0.0.0/33', plugin: 'fake', command: 'ADD' });
    expect((err as Error).message).toBe('CNI fake ADD (container abc123): [7 InvalidNetworkConfig] bad subnet: 10.0.0.0/33 (stderr: oops)');
  });

  it.each([
    [1, 'IncompatibleVersion'],
    [3, 'UnknownContainer'],
    [4, 'InvalidEnvVars'],
    [5, 'IOFailure'],
    [6, 'DecodeFailure'],
    [11, 'TryAgainLater'],
    [50, 'PluginNotAvailable'],
    [142, 'PluginError'],
  ])('maps error code %d to %s', async (code, name) => {
    await sb.plugin('fake', `echo '{"code":${code},"msg":"m"}'; exit 1`);
    await expect(invokePlugin({ ...ADD, command: 'DEL', binDirs: [sb.bin], plugin: 'fake' })).rejects.toMatchObject({ code: name, cniCode: code });
  });

  it('reports a failure without a structured error, and an unparsable result', async () => {
    await sb.plugin('fake', 'echo "panic: nil map" >&2; exit 2');
    const err = await invokePlugin({ ...ADD, binDirs: [sb.bin], plugin: 'fake' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PluginFailed', cniCode: undefined });
    expect((err as Error).message).toMatch(/exited with code 2 without a structured error \(stderr: panic: nil map\)$/);

    await sb.plugin('fake', 'echo not-json');
    await expect(invokePlugin({ ...ADD, binDirs: [sb.bin], plugin: 'fake' })).rejects.toMatchObject({ code: 'InvalidResult' });
    await sb.plugin('fake', `echo '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24","interface":3}]}'`);
    const bad = await invokePlugin({ ...ADD, binDirs: [sb.bin], plugin: 'fake' }).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/ips\[0\]\.interface 3 does not index interfaces/);
  });

  it('says which plugin it could not find, and skips non-executable files', async () => {
    await writeFile(join(sb.bin, 'noexec'), '#!/bin/sh\n');
    const err = await invokePlugin({ ...ADD, binDirs: [sb.bin, '/opt/none'], plugin: 'noexec' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PluginNotFound' });
    expect((err as Error).message).toContain(`failed to find plugin "noexec" in path [${sb.bin} /opt/none]`);
  });

  it('takes the first match in binDirs order', async () => {
    const other = join(sb.log, 'bin2');
    await mkdir(other);
    await writeFile(join(other, 'fake'), `#!/bin/bash\ncat >/dev/null; echo '${JSON.stringify(addResult('10.9.9.9'))}'\n`);
    await chmod(join(other, 'fake'), 0o755);
    await sb.plugin('fake', `echo '${JSON.stringify(addResult('10.1.1.1'))}'`);
    const res = await invokePlugin({ ...ADD, binDirs: [other, sb.bin], plugin: 'fake' });
    expect(res.ips[0]?.address).toBe('10.9.9.9/24');
  });

  it('kills the whole process group on timeout and on abort', async () => {
    await sb.plugin('fake', `sleep 30 & echo $! > "$LOG/child.pid"; wait`);
    const started = Date.now();
    const err = await invokePlugin({ ...ADD, binDirs: [sb.bin], plugin: 'fake', timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TimedOut' });
    expect((err as Error).message).toContain('killed after 300 ms');
    expect(Date.now() - started).toBeLessThan(3000);
    const child = Number(await readFile(join(sb.log, 'child.pid'), 'utf8'));
    expect(await pidAlive(child)).toBe(false);

    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('shutting down')), 200);
    await expect(invokePlugin({ ...ADD, binDirs: [sb.bin], plugin: 'fake', signal: ac.signal })).rejects.toMatchObject({ code: 'Aborted' });
    await expect(invokePlugin({ ...ADD, binDirs: [sb.bin], plugin: 'fake', signal: ac.signal })).rejects.toMatchObject({ code: 'Aborted' });
  });

  it('runs VERSION without container variables and parses it', async () => {
    await sb.plugin('fake', `echo '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}'`);
    const v = await invokePlugin({ command: 'VERSION', binDirs: [sb.bin], plugin: 'fake', config: { cniVersion: '1.0.0' } });
    expect(v).toEqual({ cniVersion: '1.0.0', supportedVersions: ['0.4.0', '1.0.0'] });
    expect(await sb.env('fake', 'VERSION')).toEqual({ CNI_COMMAND: 'VERSION', CNI_PATH: sb.bin });
  });

  it('runs DEL with an empty netns and ignores its stdout', async () => {
    await sb.plugin('fake', 'echo "{}"');
    await expect(invokePlugin({ ...ADD, command: 'DEL', netns: '', binDirs: [sb.bin], plugin: 'fake' })).resolves.toBeUndefined();
    expect((await sb.env('fake', 'DEL')).CNI_NETNS).toBe('');
  });

  it('rejects invalid inputs with a RangeError naming the field', async () => {
    const base = { ...ADD, binDirs: [sb.bin], plugin: 'fake' };
    await expect(invokePlugin({ ...base, containerId: '' })).rejects.toThrow(/containerId/);
    await expect(invokePlugin({ ...base, containerId: '-x' })).rejects.toThrow(RangeError);
    await expect(invokePlugin({ ...base, ifName: 'a-very-long-ifname' })).rejects.toThrow(/ifName/);
    await expect(invokePlugin({ ...base, netns: '' })).rejects.toThrow(/netns is required for ADD/);
    await expect(invokePlugin({ ...base, plugin: '../bridge' })).rejects.toThrow(/plugin/);
    await expect(invokePlugin({ ...base, binDirs: [] })).rejects.toThrow(/binDirs/);
    await expect(invokePlugin({ ...base, timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
    expect(() => renderCniArgs({ K: 'a;b' })).toThrow(/value of K/);
    expect(() => renderCniArgs({ 'K=': 'a' })).toThrow(/key/);
  });
});
