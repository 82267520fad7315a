import type { SpdySession, SpdyStream } from '../spdy/index.js';
import { SUCCESS_STATUS, failureStatus, type ExecStatus } from './status.js';

/** Remote command subprotocols over SPDY, most preferred first (what kubectl offers). */
export const SPDY_REMOTECOMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
/** Port-forward subprotocol over SPDY. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

export interface RemoteCommandOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  tty?: boolean;
}

export interface RemoteCommandStreams {
  protocol: string;
  error: SpdyStream;
  /** Write the command's input; `end()` closes it (the process sees EOF). */
  stdin: SpdyStream | null;
  stdout: SpdyStream | null;
  /** Never opened with a TTY (the terminal merges it into stdout). */
  stderr: SpdyStream | null;
  /** Only with a TTY on v3+: write `{"Width":W,"Height":H}` JSON objects. */
  resize: SpdyStream | null;
  /**
   * The command's final Status: what the server wrote on the error stream (v4: JSON Status; older
   * protocols: plain text turned into a Failure). Never rejects.
   */
  status: Promise<ExecStatus>;
}

function protocolVersion(protocol: string): number {
  const m = /^v(\d+)\.channel\.k8s\.io$/.exec(protocol);
  return m ? Number(m[1]) : 1;
}

/**
 * Opens the streams of an exec/attach on a SPDY session the way Kubernetes clients do: the error
 * stream first, then stdin, stdout, stderr and (TTY, v3+) resize, each named by a `streamType`
 * header. The server waits for exactly the streams the request announced, so the flags here must
 * match the ones of the exec/attach request (stderr is dropped with a TTY, as kubelet does).
 *
 * Every stream gets an 'error' listener; stream failures end up in `status`.
 */
export function spdyRemoteCommand(session: SpdySession, protocol: string, opts: RemoteCommandOptions): RemoteCommandStreams {
  const version = protocolVersion(protocol);
  const tty = opts.tty === true;
  const open = (streamType: string): SpdyStream => {
    const s = session.openStream({ streamtype: streamType });
    s.on('error', () => undefined);
    return s;
  };
  const error = open('error');
  const stdin = opts.stdin ? open('stdin') : null;
  const stdout = opts.stdout ? open('stdout') : null;
  const stderr = opts.stderr && !tty ? open('stderr') : null;
  const resize = tty && version >= 3 ? open('resize') : null;

  let sessionLost = false;
  session.once('close', () => {
    sessionLost = true;
  });

  const status = new Promise<ExecStatus>((resolve) => {
    const chunks: Buffer[] = [];
    error.on('data', (c: Buffer) => chunks.push(c));
    const finish = (streamErr?: Error): void => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text !== '') {
        resolve(parseErrorStream(text, version));
      } else if (streamErr || (sessionLost && error.resetStatus === undefined)) {
        // The connection went away before the server could report how the command ended.
        const why = streamErr ? `: ${streamErr.message}` : '';
        resolve(failureStatus(500, 'InternalError', `error reading from error stream: connection lost${why}`));
      } else {
        resolve(SUCCESS_STATUS);
      }
    };
    error.once('end', () => finish());
    error.once('error', (err: Error) => finish(err));
    error.once('close', () => finish());
  });
  return { protocol, error, stdin, stdout, stderr, resize, status };
}

/** v4 sends a JSON Status; v1-v3 a bare error message. */
function parseErrorStream(text: string, version: number): ExecStatus {
  if (version >= 4) {
    try {
      const parsed = JSON.parse(text) as Partial<ExecStatus>;
      if (parsed.status === 'Success' || parsed.status === 'Failure') return { ...parsed, metadata: {}, status: parsed.status };
    } catch {
      // fall through: report the text itself
    }
  }
  return failureStatus(500, 'InternalError', text);
}
