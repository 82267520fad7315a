/**
 * SPDY/3.1 client for the Kubernetes streaming protocols (exec, attach, port-forward): a frame
 * codec, a client session over any Duplex, and the HTTP/1.1 upgrade that starts one.
 */
export { SPDY3_DICTIONARY } from './dictionary.js';
export {
  decodeFrames,
  decodeHeaderBlock,
  encodeFrame,
  encodeHeaderBlock,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameType,
  GoAwayStatus,
  RstStatus,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SpdyProtocolError,
  type Frame,
  type SpdyHeaders,
} from './frames.js';
export { HeaderCodec } from './compression.js';
export {
  DEFAULT_WINDOW_SIZE,
  SpdySession,
  SpdySessionClosedError,
  SpdyStream,
  SpdyStreamResetError,
  type SpdySessionOptions,
} from './session.js';
export {
  httpUpgrade,
  spdyUpgrade,
  UpgradeError,
  type HttpUpgradeOptions,
  type HttpUpgradeResult,
  type SpdyUpgradeOptions,
  type UpgradeTlsOptions,
} from './upgrade.js';
