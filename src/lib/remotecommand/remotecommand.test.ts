import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLAG_FIN, RstStatus, SpdySession } from '../spdy/index.js';
import { connectToPeer, startTestPeer, type TestPeer } from '../spdy/testing/peer.js';
import { parsePorts, parseStreamOptions, StreamOptionsError } from './options.js';
import { spdyRemoteCommand } from './spdy-command.js';
import { exitCodeOf, exitCodeStatus, statusFromError } from './status.js';

describe('stream options', () => {
  it('reads the flags as kubectl and kubelet send them, dropping stderr with a TTY', () => {
    expect(parseStreamOptions('/exec?command=ls&stdin=true&stdout=1&stderr=true')).toEqual({ stdin: true, stdout: true, stderr: true, tty: false });
    expect(parseStreamOptions('/exec?stdout=true&stderr=true&tty=true')).toEqual({ stdin: false, stdout: true, stderr: false, tty: true });
    expect(() => parseStreamOptions('/exec?command=ls&stdout=false')).toThrow(StreamOptionsError);
    expect(() => parseStreamOptions('/exec?command=ls')).toThrow('you must specify at least 1 of stdin, stdout, stderr');
  });

  it('parses port lists and names the field on bad ones', () => {
    expect(parsePorts('/portforward?ports=80,8080&ports=443')).toEqual([80, 8080, 443]);
    expect(parsePorts('/portforward')).toEqual([]);
    expect(() => parsePorts('/portforward?ports=0')).toThrow(/ports must be integers in 1..65535/);
    expect(() => parsePorts('/portforward?ports=http')).toThrow(expect.objectContaining({ field: 'ports' }) as Error);
  });
});

describe('exec Status helpers', () => {
  it('maps Statuses to exit codes as kubectl does', () => {
    expect(exitCodeOf({ metadata: {}, status: 'Success' })).toBe(0);
    expect(exitCodeOf(exitCodeStatus(42))).toBe(42);
    expect(exitCodeOf({ metadata: {}, status: 'Failure', reason: 'InternalError' })).toBe(1);
  });

  it('turns dial failures into Statuses with an HTTP code', () => {
    const kubeletStatus = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: 'container "x" not found', code: 404 });
    expect(statusFromError({ statusCode: 404, body: kubeletStatus })).toMatchObject({ code: 404, reason: 'NotFound', message: 'container "x" not found' });
    expect(statusFromError({ statusCode: 404, body: 'token not found\n' })).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound', message: 'token not found' });
    expect(statusFromError(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toMatchObject({ code: 500, message: 'error dialing backend: connect ECONNREFUSED 127.0.0.1:1' });
    const status = { kind: 'Status' as const, metadata: {}, status: 'Failure' as const, code: 403, reason: 'Forbidden' };
    expect(statusFromError(Object.assign(new Error('no'), { status }))).toBe(status);
    const criError = Object.assign(new Error('RuntimeService/Exec: container "abc" not found'), { code: 'NotFound' });
    expect(statusFromError(criError)).toMatchObject({ code: 404, reason: 'NotFound', message: 'RuntimeService/Exec: container "abc" not found' });
  });
});

describe('spdyRemoteCommand', () => {
  let peer: TestPeer;
  let session: SpdySession;
  beforeEach(async () => {
    peer = await startTestPeer();
    session = new SpdySession(await connectToPeer(peer));
  });
  afterEach(async () => {
    session.destroy();
    await peer.close();
  });

  const streamTypes = (): string[] => peer.frames.filter((f) => f.type === 'SYN_STREAM').map((f) => f.headers?.streamtype ?? '');

  it('opens error first, then the requested streams; v4 Status comes from the error stream', async () => {
    const rc = spdyRemoteCommand(session, 'v4.channel.k8s.io', { stdin: true, stdout: true, stderr: true });
    await peer.waitFor(() => streamTypes().length === 4);
    expect(streamTypes()).toEqual(['error', 'stdin', 'stdout', 'stderr']);
    expect(rc.resize).toBeNull();
    for (const id of [1, 3, 5, 7]) await peer.reply(id);
    peer.send({ type: 'DATA', streamId: 1, flags: 0, data: Buffer.from(JSON.stringify(exitCodeStatus(7))) });
    peer.send({ type: 'RST_STREAM', streamId: 1, status: RstStatus.CANCEL });
    expect(exitCodeOf(await rc.status)).toBe(7);
  });

  it('opens resize instead of stderr with a TTY, and treats an empty v4 error stream as Success', async () => {
    const rc = spdyRemoteCommand(session, 'v4.channel.k8s.io', { stdout: true, stderr: true, tty: true });
    await peer.waitFor(() => streamTypes().length === 3);
    expect(streamTypes()).toEqual(['error', 'stdout', 'resize']);
    await peer.reply(1);
    peer.send({ type: 'DATA', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) });
    expect(await rc.status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('turns a v2 text error into a Failure, and a lost connection into a Failure', async () => {
    const v2 = spdyRemoteCommand(session, 'v2.channel.k8s.io', { stdout: true, tty: true });
    await peer.reply(1);
    peer.send({ type: 'DATA', streamId: 1, flags: FLAG_FIN, data: Buffer.from('exec failed: no such file') });
    expect(await v2.status).toMatchObject({ status: 'Failure', message: 'exec failed: no such file' });
    expect(v2.resize).toBeNull();
    const lost = spdyRemoteCommand(session, 'v4.channel.k8s.io', { stdout: true });
    peer.hangUp();
    expect(await lost.status).toMatchObject({ status: 'Failure', reason: 'InternalError', message: expect.stringContaining('connection lost') as string });
  });
});
