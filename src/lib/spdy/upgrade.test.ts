import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyUpgrade } from '../remotecommand/index.js';
import { httpUpgrade, spdyUpgrade, UpgradeError } from './upgrade.js';

/** A server that upgrades like Kubernetes' httpstream handshake, then echoes bytes. */
function handleUpgrade(req: http.IncomingMessage, socket: Duplex): void {
  const offered = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]?.toLowerCase() === 'x-stream-protocol-version').length;
  const wanted = req.headers['x-stream-protocol-version'];
  if (req.headers['x-fail'] === 'yes') {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nforbidden');
    return;
  }
  const choice = req.headers['x-choose'];
  const chosen = typeof choice === 'string' ? choice : (String(wanted).split(', ')[1] ?? '');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${chosen}\r\nX-Offered: ${offered}\r\n\r\nhello`);
  socket.on('data', (c: Buffer) => socket.write(c));
  socket.on('end', () => socket.end());
}

function readSome(s: Duplex, n: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString();
      if (text.length >= n) {
        s.off('data', onData);
        // Keep later bytes buffered for the next reader instead of dropping them.
        s.pause();
        resolve(text);
      }
    };
    s.on('data', onData);
    s.resume();
  });
}

describe('httpUpgrade, spdyUpgrade and proxyUpgrade over http and https', () => {
  let dir = '';
  let ca = '';
  let tlsServer: https.Server;
  let tlsUrl = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-upgrade-'));
    await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']);
    ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    tlsServer = https.createServer({ cert: ca, key: await readFile(join(dir, 'key.pem'), 'utf8') }, (_req, res) => res.writeHead(404).end());
    tlsServer.on('upgrade', handleUpgrade);
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/exec/token`;
  });
  afterAll(async () => {
    tlsServer?.closeAllConnections();
    await new Promise((r) => tlsServer?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('upgrades over TLS with one header line per protocol and keeps bytes sent with the 101', async () => {
    const { socket, protocol, headers } = await httpUpgrade({ url: tlsUrl, protocols: ['v4.channel.k8s.io', 'v3.channel.k8s.io'], tls: { ca } });
    expect(protocol).toBe('v3.channel.k8s.io');
    expect(headers['x-offered']).toBe('2');
    expect(await readSome(socket, 5)).toBe('hello');
    socket.write('ping');
    expect(await readSome(socket, 4)).toBe('ping');
    socket.destroy();
  });

  it('refuses an untrusted certificate, and reports non-101 answers with status and body', async () => {
    await expect(httpUpgrade({ url: tlsUrl, protocols: ['x'] })).rejects.toThrow(/self.signed|certificate/i);
    const err = await httpUpgrade({ url: tlsUrl, protocols: ['x'], tls: { ca }, headers: { 'X-Fail': 'yes' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpgradeError);
    expect(err).toMatchObject({ statusCode: 403, body: 'forbidden', code: 'UpgradeFailed' });
    await expect(httpUpgrade({ url: 'ftp://x/', protocols: ['x'] })).rejects.toThrow(/url: unsupported scheme/);
  });

  it('spdyUpgrade starts a session on the negotiated protocol and refuses one it did not offer', async () => {
    const ok = await spdyUpgrade({ url: tlsUrl, protocols: ['v4.channel.k8s.io', 'v3.channel.k8s.io'], tls: { ca } });
    expect(ok.protocol).toBe('v3.channel.k8s.io');
    ok.session.destroy();
    const err = await spdyUpgrade({ url: tlsUrl, protocols: ['v4.channel.k8s.io'], tls: { ca }, headers: { 'X-Choose': 'v9.channel.k8s.io' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpgradeError);
    expect(String(err)).toMatch(/unsupported X-Stream-Protocol-Version "v9.channel.k8s.io"/);
  });

  it('proxyUpgrade relays the 101 and both byte directions, and relays refusals', async () => {
    const front = http.createServer((_req, res) => res.writeHead(404).end());
    front.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void proxyUpgrade(req, socket, head, tlsUrl, { tls: { ca } }));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}/api/v1/namespaces/default/pods/p/exec`;
    try {
      const { socket, protocol, headers } = await httpUpgrade({ url: frontUrl, protocols: ['v4.channel.k8s.io', 'v3.channel.k8s.io'], headers: { Authorization: 'Bearer secret' } });
      expect(protocol).toBe('v3.channel.k8s.io');
      expect(headers['x-offered']).toBe('2');
      expect(await readSome(socket, 5)).toBe('hello');
      socket.write('through the proxy');
      expect(await readSome(socket, 17)).toBe('through the proxy');
      socket.destroy();
      const err = await httpUpgrade({ url: frontUrl, protocols: ['x'], headers: { 'X-Fail': 'yes' } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ statusCode: 403, body: 'forbidden' });
    } finally {
      front.closeAllConnections();
      await new Promise((r) => front.close(r));
    }
  });

  it('proxyUpgrade answers 502 with a Status when the target is unreachable', async () => {
    const front = http.createServer();
    front.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void proxyUpgrade(req, socket, head, 'http://127.0.0.1:1/exec/x'));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    try {
      const err = await httpUpgrade({ url: `http://127.0.0.1:${(front.address() as AddressInfo).port}/x`, protocols: ['x'] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ statusCode: 502 });
      expect(JSON.parse((err as UpgradeError).body)).toMatchObject({ kind: 'Status', code: 502, message: expect.stringMatching(/^error dialing backend: connect ECONNREFUSED/) as string });
    } finally {
      await new Promise((r) => front.close(r));
    }
  });
});
