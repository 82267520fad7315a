import { describe, expect, it } from 'vitest';
import { CommandError, runCommand } from './command.js';

describe('runCommand', () => {
  it('returns stdout and stderr of a successful command', async () => {
    expect(await runCommand('sh', ['-c', 'echo out; echo err >&2'])).toEqual({ stdout: 'out', stderr: 'err' });
  });

  it('passes input, cwd and env', async () => {
    const { stdout } = await runCommand('sh', ['-c', 'cat; pwd; echo "$X"'], { input: 'in\n', cwd: '/', env: { X: 'x' } });
    expect(stdout).toBe('in\n/\nx');
  });

  it('throws a CommandError quoting stderr on a non-zero exit', async () => {
    const err = await runCommand('sh', ['-c', 'echo broken thing >&2; exit 3']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err).toMatchObject({ code: 'Failed', exitCode: 3, stderr: 'broken thing' });
    expect((err as Error).message).toBe('sh -c echo broken thing >&2; exit 3: exited with code 3: broken thing');
  });

  it('says when the program is missing', async () => {
    await expect(runCommand('no-such-program-tskube', [])).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('times out and aborts', async () => {
    await expect(runCommand('sleep', ['5'], { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TimedOut' });
    await expect(runCommand('sleep', ['5'], { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ code: 'Aborted' });
  });
});
