/**
 * Fake CNI plugins (bash scripts) and a fake command runner for the unit tests of src/cni.
 * Test-only: not exported from the folder's index, excluded from the build.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError, type CommandResult, type RunCommandOptions } from '../lib/command.js';
import type { CommandRunner } from './types.js';

export interface PluginSandbox {
  /** The bin dir holding the fake plugins. */
  bin: string;
  /** Where plugins record their calls. */
  log: string;
  /**
   * Writes a plugin. Every plugin first saves its stdin to `<log>/<name>.<CNI_COMMAND>.stdin`, its
   * CNI_* environment to `<log>/<name>.<CNI_COMMAND>.env` and appends `name command netns` to
   * `<log>/calls`; then `body` runs with `$STDIN` holding the config.
   */
  plugin(name: string, body: string): Promise<void>;
  calls(): Promise<string[]>;
  stdin(name: string, command: string): Promise<Record<string, unknown>>;
  env(name: string, command: string): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

export async function pluginSandbox(): Promise<PluginSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'tskube-cni-unit-'));
  const bin = join(dir, 'bin');
  const log = join(dir, 'log');
  await Promise.all([mkdir(bin, { recursive: true }), mkdir(log, { recursive: true })]);
  return {
    bin,
    log,
    async plugin(name, body) {
      const script = [
        '#!/bin/bash',
        'STDIN=$(cat)',
        `LOG=${log}`,
        `printf '%s' "$STDIN" > "$LOG/${name}.$CNI_COMMAND.stdin"`,
        `env | grep '^CNI_' | sort > "$LOG/${name}.$CNI_COMMAND.env"`,
        `echo "${name} $CNI_COMMAND $CNI_NETNS" >> "$LOG/calls"`,
        body,
        '',
      ].join('\n');
      const path = join(bin, name);
      await writeFile(path, script);
      await chmod(path, 0o755);
    },
    async calls() {
      const text = await readFile(join(log, 'calls'), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((l) => l.trimEnd());
    },
    async stdin(name, command) {
      return JSON.parse(await readFile(join(log, `${name}.${command}.stdin`), 'utf8')) as Record<string, unknown>;
    },
    async env(name, command) {
      const text = await readFile(join(log, `${name}.${command}.env`), 'utf8');
      return Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A 1.0.0 ADD result with one container interface and one IP. */
export function addResult(ip: string, netns = '/var/run/netns/x'): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth0', mac: '0a:58:0a:f4:01:05', sandbox: netns }],
    ips: [{ address: `${ip}/24`, gateway: '10.244.1.1', interface: 0 }],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: {},
  };
}

export interface RecordedCommand {
  file: string;
  args: string[];
  input: string | undefined;
}

/**
 * A command runner that records calls and answers through `handler`; a handler returning a string
 * is stdout, one throwing `fail(stderr)` simulates a failing command.
 */
export function fakeRunner(handler: (file: string, args: string[], input: string | undefined) => string | undefined): {
  exec: CommandRunner;
  calls: RecordedCommand[];
} {
  const calls: RecordedCommand[] = [];
  const exec: CommandRunner = async (file: string, args: readonly string[], opts?: RunCommandOptions): Promise<CommandResult> => {
    calls.push({ file, args: [...args], input: opts?.input });
    return { stdout: handler(file, [...args], opts?.input) ?? '', stderr: '' };
  };
  return { exec, calls };
}

/** The CommandError a failing `file args` would throw, with `stderr`. */
export function fail(file: string, args: string[], stderr: string): CommandError {
  return new CommandError('Failed', [file, ...args].join(' '), { exitCode: 1, stderr, stdout: '', reason: 'exited with code 1' });
}
