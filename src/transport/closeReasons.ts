/**
 * The stable reasons a framed link closes with, and why a handshake refuses a peer. Tests and
 * embedding programs may match on them; details follow a prefix after `': '`.
 *
 * | reason                        | by          | when                                              |
 * | ----------------------------- | ----------- | ------------------------------------------------- |
 * | `closed` (or the caller's)    | local/remote| `close()` was called on one side                   |
 * | `heartbeat timeout`           | transport   | nothing heard from the peer for `heartbeatTimeout` |
 * | `transport closed` (or the transport's own reason) | transport | the channel closed without a close frame |
 * | `transport error: …`          | transport   | the channel threw on send                          |
 * | `protocol error: …`           | transport   | the peer sent a malformed frame or broke a limit   |
 * | `denied: …` (a {@link Refusal}) | local/remote | the handshake refused the peer                  |
 * | `handshake timeout`           | local       | the handshake did not finish in time               |
 */
export const CloseReason = Object.freeze({
  closed: 'closed',
  heartbeatTimeout: 'heartbeat timeout',
  transportClosed: 'transport closed',
  transportError: 'transport error',
  protocolError: 'protocol error',
  denied: 'denied',
  handshakeTimeout: 'handshake timeout',
} as const);

/** Why the handshake refused a peer (logged as `link.refused`, sent as `denied: <refusal>`). */
export const Refusal = Object.freeze({
  /** The auth signature is not the claimed id's: the peer holds no key for the id it claims. */
  badSignature: 'signature does not verify',
  /** The peer's id is not the one we dialled (`expect`). */
  unexpectedId: 'unexpected peer id',
  /** The allow policy said no. */
  notAllowed: 'not allowed',
  /** The allow policy threw or rejected; refusing is the safe side. */
  policyFailed: 'allow policy failed',
  /** The peer claims our own id (a reflection attempt, or a link to ourselves). */
  selfId: 'peer claims our own id',
  /** The peer's nonce equals ours (a reflection attempt). */
  nonceReuse: 'peer reused our nonce',
  /** Handshake frames arrived out of order or twice. */
  outOfOrder: 'handshake out of order',
  /** The peer's device certificate is malformed, expired, forged, for another node, or of a removed device. */
  badCertificate: 'certificate refused',
} as const);

/** Longest close reason sent or reported, in characters; longer ones are cut. */
export const MAX_REASON_LENGTH = 256;
