import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger, type Logger } from '../logger.js';
import { failureStatus, statusFromError, writeStatusToSocket } from './status.js';
import { offeredProtocols } from './websocket-exec.js';

/** The subprotocol kubectl >= 1.31 uses to tunnel SPDY port-forwarding through a WebSocket. */
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

export interface ServePortForwardOptions {
  logger?: Logger;
  /** Stop reading from upstream while this many bytes wait in the WebSocket. Default 1 MiB. */
  highWaterMark?: number;
}

/**
 * Serves kubectl's tunnelled port-forward: each binary WebSocket message carries raw SPDY bytes,
 * which go unchanged to (and come from) `upstream()`, an already-upgraded SPDY/3.1 connection
 * speaking `portforward.k8s.io` (kubelet, or containerd's streaming server). We never parse the
 * SPDY inside: message boundaries mean nothing.
 *
 * `upstream()` runs before the WebSocket is accepted, so its failure becomes an HTTP error with a
 * Status body. Closing either side closes the other. Resolves when both are closed.
 */
export async function servePortForwardWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  upstream: () => Promise<Duplex>,
  opts: ServePortForwardOptions = {},
): Promise<void> {
  const log = (opts.logger ?? silentLogger()).child({ url: req.url });
  const highWaterMark = opts.highWaterMark ?? 1024 * 1024;
  const offered = offeredProtocols(req);
  if (!offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
    const message = `unable to upgrade: Sec-WebSocket-Protocol must include ${PORT_FORWARD_TUNNEL_PROTOCOL}`;
    writeStatusToSocket(socket, failureStatus(400, 'BadRequest', message));
    return;
  }
  socket.on('error', () => undefined);
  let up: Duplex;
  try {
    up = await upstream();
  } catch (err) {
    log.debug({ err }, 'port-forward upstream failed before the WebSocket upgrade');
    writeStatusToSocket(socket, statusFromError(err));
    return;
  }
  if (socket.destroyed) {
    up.destroy();
    return;
  }
  up.on('error', (err) => log.debug({ err }, 'port-forward upstream error'));

  // `SPDY/3.1+portforward.k8s.io` is not an RFC 7230 token ('/'), so `ws` would refuse the
  // handshake with 400 while Go clients send it happily. Show `ws` a valid placeholder and answer
  // with the real name, which is what kubectl checks.
  req.headers['sec-websocket-protocol'] = 'portforward';
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => PORT_FORWARD_TUNNEL_PROTOCOL });
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  ws.on('error', (err) => log.debug({ err }, 'port-forward WebSocket error'));

  let wsPaused = false;
  const resumeClient = (): void => {
    if (!wsPaused) return;
    wsPaused = false;
    ws.resume();
  };
  for (const event of ['drain', 'finish', 'close']) up.on(event, resumeClient);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0 || up.destroyed) return;
    if (!up.write(data) && !wsPaused) {
      wsPaused = true;
      ws.pause();
    }
  });
  up.on('data', (chunk: Buffer) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(chunk, { binary: true }, () => {
      if (up.isPaused() && ws.bufferedAmount < highWaterMark) up.resume();
    });
    if (ws.bufferedAmount >= highWaterMark) up.pause();
  });

  const wsClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const upClosed = new Promise<void>((resolve) => {
    up.once('end', () => resolve());
    up.once('close', () => resolve());
  });
  await Promise.race([wsClosed, upClosed]);
  resumeClient();
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  up.end();
  const timer = setTimeout(() => {
    ws.terminate();
    up.destroy();
  }, 5_000);
  await Promise.all([wsClosed, upClosed]);
  clearTimeout(timer);
  up.destroy();
  wss.close();
}
