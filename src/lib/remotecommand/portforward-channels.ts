import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger, type Logger } from '../logger.js';
import type { SpdySession, SpdyStream } from '../spdy/index.js';
import { parsePorts, StreamOptionsError } from './options.js';
import { PORT_FORWARD_PROTOCOL } from './spdy-command.js';
import { failureStatus, statusFromError, writeStatusToSocket } from './status.js';

/** What the channel port-forward accepts; '' (no subprotocol) is what most clients send. */
const CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'portforward.k8s.io'];

export type PortForwardUpstream = (protocols: string[]) => Promise<{ session: SpdySession; protocol: string }>;

/**
 * The older WebSocket port-forward that client libraries (client-node's PortForward, client-go's
 * websocket tunnel before 1.30) speak: `GET .../portforward?ports=80,8080`, one connection per
 * port, port i on channels 2i (data, both ways) and 2i+1 (errors, server to client), the first
 * frame of each channel being the port as 2 bytes little-endian, as upstream's kubelet writes it.
 * Each port becomes a pair of SPDY streams (`streamType` data/error, `port`, `requestID`) on one
 * `portforward.k8s.io` session to `upstream`. Ends both sides when either ends. Never rejects.
 */
export async function servePortForwardChannels(req: IncomingMessage, socket: Duplex, head: Buffer, upstream: PortForwardUpstream, opts: { logger?: Logger } = {}): Promise<void> {
  const log = (opts.logger ?? silentLogger()).child({ url: req.url });
  let ports: number[];
  try {
    ports = parsePorts(req.url ?? '/');
    if (ports.length === 0) throw new StreamOptionsError('query parameter "ports" is required', 'ports');
  } catch (err) {
    writeStatusToSocket(socket, failureStatus(400, 'BadRequest', (err as Error).message));
    return;
  }
  socket.on('error', () => undefined);
  let session: SpdySession;
  try {
    ({ session } = await upstream([PORT_FORWARD_PROTOCOL]));
  } catch (err) {
    writeStatusToSocket(socket, statusFromError(err));
    return;
  }
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false });
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  ws.on('error', (err) => log.debug({ err }, 'port-forward WebSocket error'));
  const send = (channel: number, payload: Buffer): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true });
  };

  const data: SpdyStream[] = [];
  ports.forEach((port, i) => {
    const headers = { port: String(port), requestid: String(i) };
    const error = session.openStream({ ...headers, streamtype: 'error' });
    const stream = session.openStream({ ...headers, streamtype: 'data' });
    error.end(); // the server writes errors; we send none
    for (const s of [error, stream]) s.on('error', (err: Error) => log.debug({ err, port }, 'port-forward stream error'));
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    stream.on('data', (chunk: Buffer) => send(2 * i, chunk));
    error.on('data', (chunk: Buffer) => send(2 * i + 1, chunk));
    data.push(stream);
  });
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    if (!isBinary || msg.length < 1) return;
    const channel = msg[0] ?? 0;
    const stream = channel % 2 === 0 ? data[channel / 2] : undefined;
    if (stream && !stream.writableEnded && msg.length > 1) stream.write(msg.subarray(1));
  });

  const wsClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const streamsDone = Promise.all(data.map((s) => new Promise<void>((resolve) => {
    s.once('end', resolve);
    s.once('close', resolve);
  })));
  await Promise.race([wsClosed, streamsDone]);
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  session.close();
  const timer = setTimeout(() => ws.terminate(), 5_000);
  await wsClosed;
  clearTimeout(timer);
  wss.close();
}
