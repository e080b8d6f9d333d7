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
 * | `sealed message refused: …` (a {@link SealRefusal}) | transport | an encrypted link's message was forged, replayed, reordered, dropped or cut |
 * | `denied: …` (a {@link Refusal}) | local/remote | the handshake refused the peer                  |
 * | `handshake timeout`           | local       | the handshake did not finish in time               |
 */
export const CloseReason = Object.freeze({
  closed: 'closed',
  heartbeatTimeout: 'heartbeat timeout',
  transportClosed: 'transport closed',
  transportError: 'transport error',
  protocolError: 'protocol error',
  sealRefused: 'sealed message refused',
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
  /** We encrypt the link and the peer's hello offers no ephemeral key: nobody can downgrade us to plaintext. */
  noEncryption: 'peer does not encrypt the link',
  /** The peer's ephemeral key is a low-order point: the shared secret would be known to all. */
  badEphemeral: 'bad ephemeral key',
} as const);

/** Why an encrypted link refused a sealed message (after `sealed message refused: `); the link closes. */
export const SealRefusal = Object.freeze({
  /** Shorter than a counter and a tag. */
  truncated: 'truncated',
  /** Its counter was already used: a replay. */
  replayed: 'replayed',
  /** Its counter skips ahead: a message before it was dropped or held back (reordered). */
  missing: 'a message is missing before it',
  /** The tag does not verify: changed on the path, or not sealed with the link's key. */
  forged: 'does not authenticate',
} as const);

/** One of {@link SealRefusal}'s reasons. */
export type SealRefusal = (typeof SealRefusal)[keyof typeof SealRefusal];

/** Longest close reason sent or reported, in characters; longer ones are cut. */
export const MAX_REASON_LENGTH = 256;
