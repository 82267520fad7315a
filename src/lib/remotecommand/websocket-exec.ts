import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger, type Logger } from '../logger.js';
import type { SpdySession } from '../spdy/index.js';
import { parseStreamOptions, StreamOptionsError } from './options.js';
import { SPDY_REMOTECOMMAND_PROTOCOLS, spdyRemoteCommand, type RemoteCommandOptions } from './spdy-command.js';
import { failureStatus, statusFromError, writeStatusToSocket, type ExecStatus } from './status.js';

/** WebSocket subprotocols of exec/attach we serve, most preferred first. */
export const WEBSOCKET_REMOTECOMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

/** Channel numbers: the first byte of every binary message. */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Dials the SPDY side (kubelet or containerd) offering `protocols`; see `spdyUpgrade`. */
export type SpdyUpstream = (protocols: string[]) => Promise<{ session: SpdySession; protocol: string }>;

export interface ServeExecOptions {
  logger?: Logger;
  /** Stream flags; default: parsed from the request's query (`parseStreamOptions`). */
  streams?: RemoteCommandOptions;
  /** Stop reading from SPDY while this many bytes wait in the WebSocket. Default 1 MiB. */
  highWaterMark?: number;
}

/** Splits a `Sec-WebSocket-Protocol` header. */
/** The WebSocket subprotocols a client offers (`Sec-WebSocket-Protocol`, one header or several). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  return (Array.isArray(h) ? h.join(',') : (h ?? '')).split(',').map((p) => p.trim()).filter(Boolean);
}

/**
 * Serves an exec/attach WebSocket (`v5.channel.k8s.io`, or `v4.channel.k8s.io` for older clients)
 * by bridging it to a SPDY remote command session obtained from `upstream`.
 *
 * Order of events, and why:
 * 1. Flags and subprotocol are checked and the upstream is dialed *before* the WebSocket is
 *    accepted, so that a missing pod/container or an unreachable kubelet becomes a plain HTTP error
 *    with a Kubernetes Status body (kubectl prints its message).
 * 2. After acceptance every failure is reported as a Status on channel 3, then the socket closes:
 *    kubectl turns that Status into its exit code.
 * 3. Channel 3 is written only after stdout and stderr ended, so no output is lost behind it.
 *
 * Resolves when both sides are closed; never rejects.
 */
export async function serveExecWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  upstream: SpdyUpstream,
  opts: ServeExecOptions = {},
): Promise<void> {
  const log = (opts.logger ?? silentLogger()).child({ url: req.url });
  let streams: RemoteCommandOptions;
  try {
    streams = opts.streams ?? parseStreamOptions(req.url ?? '/');
  } catch (err) {
    const message = err instanceof StreamOptionsError ? err.message : String(err);
    writeStatusToSocket(socket, failureStatus(400, 'BadRequest', message));
    return;
  }
  const offered = offeredProtocols(req);
  const wsProtocol = WEBSOCKET_REMOTECOMMAND_PROTOCOLS.find((p) => offered.includes(p));
  if (!wsProtocol) {
    const message = `unable to upgrade: Sec-WebSocket-Protocol must include one of ${WEBSOCKET_REMOTECOMMAND_PROTOCOLS.join(', ')}, got ${JSON.stringify(offered.join(', '))}`;
    writeStatusToSocket(socket, failureStatus(400, 'BadRequest', message));
    return;
  }

  let clientGone = false;
  const onEarlyClose = (): void => {
    clientGone = true;
  };
  socket.once('close', onEarlyClose);
  socket.on('error', () => undefined);
  let upstreamSession: { session: SpdySession; protocol: string };
  try {
    upstreamSession = await upstream([...SPDY_REMOTECOMMAND_PROTOCOLS]);
  } catch (err) {
    log.debug({ err }, 'exec upstream failed before the WebSocket upgrade');
    writeStatusToSocket(socket, statusFromError(err));
    return;
  } finally {
    socket.off('close', onEarlyClose);
  }
  const { session, protocol } = upstreamSession;
  if (clientGone || socket.destroyed) {
    session.close();
    return;
  }

  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => wsProtocol });
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  await bridge(ws, wsProtocol, session, protocol, streams, opts.highWaterMark ?? 1024 * 1024, log);
  wss.close();
}

async function bridge(
  ws: WebSocket,
  wsProtocol: string,
  session: SpdySession,
  protocol: string,
  flags: RemoteCommandOptions,
  highWaterMark: number,
  log: Logger,
): Promise<void> {
  const rc = spdyRemoteCommand(session, protocol, flags);
  const wsClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('error', (err) => log.debug({ err }, 'exec WebSocket error'));

  // Large uploads (kubectl cp) must not pile up in memory: while stdin is full we stop reading
  // the client. 'drain' never comes once stdin is ending, so finish/close resume too.
  let wsPaused = false;
  const resumeClient = (): void => {
    if (!wsPaused) return;
    wsPaused = false;
    ws.resume();
  };
  for (const event of ['drain', 'finish', 'close']) rc.stdin?.on(event, resumeClient);

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    // Text frames belong to the base64 protocols, which we do not offer.
    if (!isBinary || data.length === 0) return;
    const channel = data[0];
    const payload = data.subarray(1);
    switch (channel) {
      case Channel.stdin: {
        const stdin = rc.stdin;
        if (payload.length === 0 || !stdin || stdin.writableEnded) return;
        if (!stdin.write(payload) && !wsPaused) {
          wsPaused = true;
          ws.pause();
        }
        return;
      }
      case Channel.resize:
        if (payload.length > 0 && rc.resize && !rc.resize.writableEnded) rc.resize.write(payload);
        return;
      case Channel.close:
        // v5: [255, n] means "the client will send nothing more on channel n" (only stdin matters).
        if (wsProtocol === 'v5.channel.k8s.io' && payload[0] === Channel.stdin) rc.stdin?.end();
        return;
      default:
        log.debug({ channel }, 'ignoring message on unknown exec channel');
    }
  });

  // The client went away (or kubectl was interrupted): drop the upstream session.
  void wsClosed.then(() => session.close());

  const forward = (stream: Readable | null, channel: number): Promise<void> => {
    if (!stream) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const prefix = Buffer.from([channel]);
      stream.on('data', (chunk: Buffer) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(Buffer.concat([prefix, chunk]), { binary: true }, () => {
          if (stream.isPaused() && ws.bufferedAmount < highWaterMark) stream.resume();
        });
        if (ws.bufferedAmount >= highWaterMark) stream.pause();
      });
      stream.once('end', resolve);
      stream.once('close', resolve);
      void wsClosed.then(resolve);
    });
  };
  const outputs = Promise.all([forward(rc.stdout, Channel.stdout), forward(rc.stderr, Channel.stderr)]);

  const status: ExecStatus = await rc.status;
  await outputs;
  // The client's answer to our close frame must be readable.
  resumeClient();
  if (ws.readyState === WebSocket.OPEN) {
    ws.send(Buffer.concat([Buffer.from([Channel.error]), Buffer.from(JSON.stringify(status))]), { binary: true });
    ws.close(1000);
  }
  session.close();
  // Give the client a moment to answer the close handshake, then cut the TCP connection.
  const timer = setTimeout(() => ws.terminate(), 5_000);
  await wsClosed;
  clearTimeout(timer);
}
