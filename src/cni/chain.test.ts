import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invokeChain, pluginConfig } from './chain.js';
import { addResult, pluginSandbox, type PluginSandbox } from './fixtures.js';
import type { NetworkConfigList } from './types.js';

const LIST: NetworkConfigList = {
  cniVersion: '1.0.0',
  name: 'podnet',
  plugins: [
    { type: 'main', bridge: 'cni0' },
    { type: 'ports', capabilities: { portMappings: true } },
    { type: 'shaper', capabilities: { bandwidth: true, other: false } },
  ],
};

describe('pluginConfig', () => {
  it('adds name, cniVersion, prevResult and only the declared capabilities', () => {
    const prev = addResult('10.0.0.2');
    expect(pluginConfig(LIST, LIST.plugins[2]!, { prevResult: prev, capabilityArgs: { bandwidth: { ingressRate: 1 }, other: 1, portMappings: [] } })).toEqual({
      type: 'shaper',
      capabilities: { bandwidth: true, other: false },
      name: 'podnet',
      cniVersion: '1.0.0',
      runtimeConfig: { bandwidth: { ingressRate: 1 } },
      prevResult: prev,
    });
    expect(pluginConfig(LIST, LIST.plugins[0]!, { capabilityArgs: { portMappings: [] } })).toEqual({ type: 'main', bridge: 'cni0', name: 'podnet', cniVersion: '1.0.0' });
  });
});

describe('invokeChain', () => {
  let sb: PluginSandbox;
  const opts = (): { binDirs: string[]; containerId: string; netns: string } => ({ binDirs: [sb.bin], containerId: 'sb1', netns: '/proc/self/ns/net' });

  beforeEach(async () => {
    sb = await pluginSandbox();
  });
  afterEach(async () => {
    await sb.cleanup();
  });

  it('ADD runs the plugins in order, threading prevResult, and returns the last result', async () => {
    await sb.plugin('main', `echo '${JSON.stringify(addResult('10.0.0.2'))}'`);
    await sb.plugin('ports', `echo '${JSON.stringify(addResult('10.0.0.2'))}'`);
    await sb.plugin('shaper', `echo '${JSON.stringify({ ...addResult('10.0.0.2'), dns: { nameservers: ['10.96.0.10'] } })}'`);
    const res = await invokeChain(LIST, {
      ...opts(),
      command: 'ADD',
      capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] },
    });
    expect(res.dns).toEqual({ nameservers: ['10.96.0.10'] });
    expect(await sb.calls()).toEqual(['main ADD /proc/self/ns/net', 'ports ADD /proc/self/ns/net', 'shaper ADD /proc/self/ns/net']);
    expect(await sb.stdin('main', 'ADD')).not.toHaveProperty('prevResult');
    expect(await sb.stdin('ports', 'ADD')).toMatchObject({
      name: 'podnet',
      prevResult: addResult('10.0.0.2'),
      runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }] },
    });
    expect(await sb.stdin('shaper', 'ADD')).not.toHaveProperty('runtimeConfig');
  });

  it('ADD stops at the first failure', async () => {
    await sb.plugin('main', `echo '${JSON.stringify(addResult('10.0.0.2'))}'`);
    await sb.plugin('ports', `echo '{"code":11,"msg":"iptables lock busy"}'; exit 1`);
    await expect(invokeChain(LIST, { ...opts(), command: 'ADD' })).rejects.toMatchObject({ code: 'TryAgainLater', plugin: 'ports' });
    expect(await sb.calls()).toEqual(['main ADD /proc/self/ns/net', 'ports ADD /proc/self/ns/net']);
  });

  it('DEL runs in reverse order, passes a vanished netns as empty, counts UnknownContainer as success', async () => {
    await sb.plugin('main', 'exit 0');
    await sb.plugin('ports', `echo '{"code":3,"msg":"no such container"}'; exit 1`);
    await sb.plugin('shaper', 'exit 0');
    await invokeChain(LIST, { ...opts(), netns: '/var/run/netns/gone-long-ago', command: 'DEL', prevResult: addResult('10.0.0.2') });
    expect(await sb.calls()).toEqual(['shaper DEL', 'ports DEL', 'main DEL']);
    expect(await sb.stdin('main', 'DEL')).toMatchObject({ prevResult: addResult('10.0.0.2') });
  });

  it('DEL tries every plugin and rejects with the first failure', async () => {
    await sb.plugin('main', 'exit 0');
    await sb.plugin('ports', `echo '{"code":5,"msg":"iptables: broken"}'; exit 1`);
    await sb.plugin('shaper', 'echo boom >&2; exit 1');
    const err = await invokeChain(LIST, { ...opts(), command: 'DEL' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PluginFailed', plugin: 'shaper' });
    expect(await sb.calls()).toEqual(['shaper DEL /proc/self/ns/net', 'ports DEL /proc/self/ns/net', 'main DEL /proc/self/ns/net']);
  });

  it('CHECK gives every plugin the ADD result, in order; disableCheck skips it', async () => {
    for (const p of ['main', 'ports', 'shaper']) await sb.plugin(p, 'exit 0');
    const prevResult = addResult('10.0.0.2');
    await expect(invokeChain(LIST, { ...opts(), command: 'CHECK' })).rejects.toThrow(/prevResult is required/);
    await invokeChain(LIST, { ...opts(), command: 'CHECK', prevResult });
    expect(await sb.calls()).toEqual(['main CHECK /proc/self/ns/net', 'ports CHECK /proc/self/ns/net', 'shaper CHECK /proc/self/ns/net']);
    for (const p of ['main', 'ports', 'shaper']) expect(await sb.stdin(p, 'CHECK')).toMatchObject({ prevResult });

    await sb.plugin('ports', `echo '{"code":999,"msg":"chain CNI-DN-x missing"}'; exit 1`);
    await expect(invokeChain(LIST, { ...opts(), command: 'CHECK', prevResult })).rejects.toMatchObject({ code: 'PluginError', cniCode: 999 });
    await expect(invokeChain({ ...LIST, disableCheck: true }, { ...opts(), command: 'CHECK', prevResult })).resolves.toBeUndefined();
    await expect(invokeChain(LIST, { ...opts(), command: 'CHECK', prevResult, skipCheck: new Set(['ports']) })).resolves.toBeUndefined();
  });
});
