import { randomBytes } from '@noble/hashes/utils.js';
import { createActor } from 'xstate';
import type { NodeId } from '../firefly/address.js';
import { GlowError, errorMessage } from '../firefly/errors.js';
import { encodeCertificate, type DeviceCertificate } from './certificate.js';
import type { Channel } from './channel.js';
import { ciphers, randomDhSecret } from './ciphers.js';
import { CloseReason } from './closeReasons.js';
import { FramedLink } from './framedLink.js';
import { FrameType, type HandshakeFrame } from './frames.js';
import { MIN_ANNOUNCED_LIMIT, NONCE_BYTES, decodeHello } from './handshake.js';
import { handshakeMachine, type AllowPolicy, type HandshakeEvent, type HandshakeOutcome } from './handshakeMachine.js';
import type { HeartbeatOptions } from './heartbeat.js';
import type { NodeIdentity } from './identity.js';
import { framingSettings, safeLog, type FramingOptions } from './linkOptions.js';

/** Options of {@link openLink}. */
export interface OpenLinkOptions extends FramingOptions, HeartbeatOptions {
  /**
   * The id we meant to reach (the one we dialled). A peer that proves a different id is refused
   * (`unexpected peer id`). Listeners usually leave it out.
   * @default undefined (any id that proves its key)
   */
  expect?: NodeId;
  /**
   * The embedding program's allow policy, asked once the peer has proven its id. Throwing or
   * rejecting refuses the peer (`allow policy failed`).
   * @default undefined (admit every node that proved its key)
   */
  allow?: AllowPolicy;
  /**
   * How long the handshake may take, in ms (on `clock`), before the link is abandoned (`timeout`).
   * @default 5000
   */
  handshakeTimeout?: number;
  /**
   * This node's device certificate, presented in the hello so that the peer knows our user and
   * device (a function: read at each handshake, so a renewed certificate is presented at once).
   * Without one we are a node of no user, which a user's nodes refuse.
   * @default undefined
   */
  certificate?: DeviceCertificate | (() => DeviceCertificate);
  /**
   * Wall clock (ms since the epoch) against which the peer's certificate dates are checked.
   * @default Date.now
   */
  wallClock?: () => number;
  /**
   * Encrypts everything the link carries after its handshake (see `linkSeal.ts`), under keys
   * derived from fresh ephemeral keys that both node keys sign. A side that encrypts refuses a
   * peer that does not (`peer does not encrypt the link`), so nobody on the path can downgrade
   * it: turn it off only where both ends are yours and the cost is being measured (benchmarks).
   * WebRTC links are off by default because DTLS already encrypts them, bound to both node keys
   * by the channel binding the handshake signs; memory links because they never leave the process.
   * @default true on WebSocket channels, false on WebRTC and memory channels
   */
  encryption?: boolean;
}

/** A handshake frame as the machine takes it. */
function frameEvent(type: HandshakeFrame, payload: Uint8Array): HandshakeEvent {
  if (type === FrameType.auth) return { type: 'auth', signature: payload };
  if (type === FrameType.ready) return { type: 'ready' };
  const hello = decodeHello(payload);
  return typeof hello === 'string' ? { type: 'badHello', reason: hello } : { type: 'hello', hello };
}

/**
 * Runs the link handshake on `channel` (see `handshake.ts`; its states in `handshakeMachine.ts`)
 * and resolves with an authenticated {@link FramedLink} whose `remote` is the peer's proven id.
 * Rejects with a {@link GlowError}: `denied` when either side refused (forged id, `expect`
 * mismatch, allow policy, binding mismatch, a peer that does not encrypt when we do, garbage), `timeout` when the handshake took too
 * long, `noconnection` when the channel closed first. Every refusal is logged as `link.refused`
 * and the channel is closed with the reason. `badarg` for a channel whose messages are too small
 * to frame; `crashed` when our own side failed (a signer that throws), logged as `link.failed`.
 */
export function openLink(channel: Channel, identity: NodeIdentity, options: OpenLinkOptions = {}): Promise<FramedLink> {
  if (!(channel.maxMessageSize >= MIN_ANNOUNCED_LIMIT)) {
    return Promise.reject(new GlowError('badarg', `a channel must carry messages of at least ${MIN_ANNOUNCED_LIMIT} bytes`));
  }
  const kind = channel.kind;
  const log = safeLog(options.log);
  const settings = framingSettings(options);
  const link = new FramedLink(channel, options);
  const ephemeral = (options.encryption ?? kind === 'websocket') ? randomDhSecret() : undefined;

  return new Promise<FramedLink>((resolve, reject) => {
    function settle(outcome: HandshakeOutcome): void {
      switch (outcome.outcome) {
        case 'open':
          link.open(outcome.peer.id, outcome.peer.maxMessage, outcome.peer.maxPacket, outcome.device, outcome.certificate);
          return resolve(link);
        case 'refused': {
          const { reason, claimed } = outcome;
          log({ event: 'link.refused', kind, reason, by: 'local', ...(claimed ? { claimed } : {}) });
          link.abort(`${CloseReason.denied}: ${reason}`);
          return reject(new GlowError('denied', `link refused: ${reason}`, claimed ? { claimed } : undefined));
        }
        case 'timedOut':
          log({ event: 'link.failed', kind, reason: CloseReason.handshakeTimeout });
          link.abort(CloseReason.handshakeTimeout);
          return reject(new GlowError('timeout', CloseReason.handshakeTimeout));
        case 'closed': {
          const { close, claimed } = outcome;
          if (close.by === 'remote') {
            log({ event: 'link.refused', kind, reason: close.reason, by: 'remote', ...(claimed ? { claimed } : {}) });
            return reject(new GlowError('denied', `peer refused the link: ${close.reason}`));
          }
          if (close.reason.startsWith(CloseReason.protocolError)) {
            log({ event: 'link.refused', kind, reason: close.reason, by: 'local', ...(claimed ? { claimed } : {}) });
            return reject(new GlowError('denied', `link refused: ${close.reason}`));
          }
          log({ event: 'link.failed', kind, reason: close.reason });
          return reject(new GlowError('noconnection', `link failed during the handshake: ${close.reason}`));
        }
      }
    }

    const actor = createActor(handshakeMachine, {
      clock: settings.clock,
      input: {
        own: {
          id: identity.id,
          nonce: randomBytes(NONCE_BYTES),
          maxMessage: channel.maxMessageSize,
          maxPacket: settings.maxPacketBytes,
          ...(options.certificate ? { cert: encodeCertificate(typeof options.certificate === 'function' ? options.certificate() : options.certificate) } : {}),
          ...(ephemeral ? { eph: ciphers().dhPublic(ephemeral) } : {}),
        },
        ephemeral,
        secure: (keys) => link.secure(keys),
        binding: channel.binding,
        sign: (message) => identity.sign(message),
        expect: options.expect,
        allow: options.allow,
        timeout: options.handshakeTimeout ?? 5000,
        wallNow: options.wallClock ?? Date.now,
        send: (type, payload) => link.sendControl(type, payload),
      },
    });
    // Once the handshake is over, the link's own close and frames are no longer its business.
    const running = () => actor.getSnapshot().status === 'active';
    actor.subscribe({
      complete: () => settle(actor.getSnapshot().output!),
      // A failing action (a signer that throws): our own fault, reported rather than swallowed.
      error: (error) => {
        const reason = `handshake failed: ${errorMessage(error)}`;
        log({ event: 'link.failed', kind, reason });
        link.abort(reason);
        reject(new GlowError('crashed', reason));
      },
    });
    link.handshake = (type, payload) => {
      if (running()) actor.send(frameEvent(type, payload));
    };
    link.onClose((close) => {
      if (running()) actor.send({ type: 'closed', close });
    });
    actor.start();
  });
}
