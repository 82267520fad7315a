/**
 * Kubernetes streaming endpoints (exec, attach, port-forward) on top of the SPDY client: the
 * client side of the SPDY remote command protocol, the WebSocket protocols kubectl speaks to the
 * API server (v5/v4 channels, tunnelled SPDY port-forward), and a raw HTTP upgrade proxy for the
 * hops API server -> kubelet -> container runtime.
 */
export {
  exitCodeOf,
  exitCodeStatus,
  failureStatus,
  statusFromError,
  SUCCESS_STATUS,
  writeStatusResponse,
  writeStatusToSocket,
  type ExecStatus,
} from './status.js';
export {
  PORT_FORWARD_PROTOCOL,
  SPDY_REMOTECOMMAND_PROTOCOLS,
  spdyRemoteCommand,
  type RemoteCommandOptions,
  type RemoteCommandStreams,
} from './spdy-command.js';
export { parsePorts, parseStreamOptions, StreamOptionsError } from './options.js';
export {
  Channel,
  offeredProtocols,
  serveExecWebSocket,
  WEBSOCKET_REMOTECOMMAND_PROTOCOLS,
  type ServeExecOptions,
  type SpdyUpstream,
} from './websocket-exec.js';
export { PORT_FORWARD_TUNNEL_PROTOCOL, servePortForwardWebSocket, type ServePortForwardOptions } from './portforward.js';
export { servePortForwardChannels, type PortForwardUpstream } from './portforward-channels.js';
export { proxyUpgrade, type ProxyUpgradeOptions } from './proxy.js';
