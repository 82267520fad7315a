import { describe, expect, it } from 'vitest';
import { formatHelp, parseDuration, parseFlags, parsePort, UsageError, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'data-dir', env: 'TSKUBE_DATA_DIR', default: '/var/lib/tskube', description: 'state' },
  { name: 'debug', env: 'TSKUBE_DEBUG', type: 'boolean', description: 'more logs' },
];

describe('parseFlags', () => {
  it.each([
    { argv: [], env: {}, want: { 'data-dir': '/var/lib/tskube', debug: undefined } },
    { argv: [], env: { TSKUBE_DATA_DIR: '/srv/k' }, want: { 'data-dir': '/srv/k' } },
    { argv: ['--data-dir', '/x'], env: { TSKUBE_DATA_DIR: '/srv/k' }, want: { 'data-dir': '/x' } },
    { argv: ['--data-dir=/y', '--debug'], env: {}, want: { 'data-dir': '/y', debug: true } },
    { argv: [], env: { TSKUBE_DEBUG: 'false' }, want: { debug: false } },
  ])('flag, then environment, then default: $argv $env', ({ argv, env, want }) => {
    expect(parseFlags(argv, specs, env)).toMatchObject(want);
  });

  it.each([
    { argv: ['--nope'], message: /Unknown option '--nope'/ },
    { argv: ['extra'], message: /unexpected argument "extra"/ },
    { argv: ['--data-dir'], message: /argument missing/ },
  ])('rejects $argv with a usage error naming it', ({ argv, message }) => {
    expect(() => parseFlags(argv, specs, {})).toThrow(UsageError);
    expect(() => parseFlags(argv, specs, {})).toThrow(message);
  });

  it('rejects a malformed boolean environment variable by name', () => {
    expect(() => parseFlags([], specs, { TSKUBE_DEBUG: 'maybe' })).toThrow('TSKUBE_DEBUG: invalid value "maybe": must be true or false');
  });

  it('lists every flag with its default and environment twin in --help', () => {
    const help = formatHelp('tskube up [flags]', 'Runs it.', specs);
    expect(help).toContain('--data-dir VALUE');
    expect(help).toContain('(default "/var/lib/tskube"); env TSKUBE_DATA_DIR');
    expect(help).toContain('--debug\n');
  });
});

describe('parseDuration and parsePort', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1.5s', 1500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration('x', text)).toBe(ms);
  });

  it.each(['', '10', 'ten s', '5d', '1s junk'])('rejects %j naming the flag', (text) => {
    expect(() => parseDuration('sync-frequency', text)).toThrow(`invalid value "${text}" for --sync-frequency: must be a duration such as 500ms, 10s or 1m30s`);
  });

  it('accepts ports 0-65535 only', () => {
    expect(parsePort('port', '10255')).toBe(10255);
    expect(() => parsePort('port', '70000')).toThrow('invalid value "70000" for --port: must be a port number 0-65535');
    expect(() => parsePort('port', '-1')).toThrow(UsageError);
  });
});
