import { randomBytes } from '@noble/hashes/utils.js';
import type { NodeId } from '../firefly/address.js';
import { GlowError } from '../firefly/errors.js';
import type { Channel } from './channel.js';
import { CloseReason, Refusal } from './closeReasons.js';
import { FramedLink } from './framedLink.js';
import { FrameType } from './frames.js';
import { MIN_ANNOUNCED_LIMIT, NONCE_BYTES, decodeHello, encodeHello, sameBytes, transcript, type Hello } from './handshake.js';
import type { HeartbeatOptions } from './heartbeat.js';
import { verifySignature, type NodeIdentity } from './identity.js';
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
  allow?: (id: NodeId) => boolean | Promise<boolean>;
  /**
   * How long the handshake may take, in ms, before the link is abandoned (`timeout`).
   * @default 5000
   */
  handshakeTimeout?: number;
}

/**
 * Runs the link handshake on `channel` (see `handshake.ts`) and resolves with an authenticated
 * {@link FramedLink} whose `remote` is the peer's proven id. Rejects with a {@link GlowError}:
 * `denied` when either side refused (forged id, `expect` mismatch, allow policy, binding
 * mismatch, garbage), `timeout` when the handshake took too long, `noconnection` when the channel
 * closed first. Every refusal is logged as `link.refused` and the channel is closed with the
 * reason. `badarg` for a channel whose messages are too small to frame.
 */
export function openLink(channel: Channel, identity: NodeIdentity, options: OpenLinkOptions = {}): Promise<FramedLink> {
  if (!(channel.maxMessageSize >= MIN_ANNOUNCED_LIMIT)) {
    return Promise.reject(new GlowError('badarg', `a channel must carry messages of at least ${MIN_ANNOUNCED_LIMIT} bytes`));
  }
  const kind = channel.kind;
  const log = safeLog(options.log);
  const link = new FramedLink(channel, options);
  const own = { id: identity.id, nonce: randomBytes(NONCE_BYTES) };
  let peer: Hello | undefined;
  let peerAuthed = false;
  let verified = false;
  let peerReady = false;
  let settled = false;

  return new Promise<FramedLink>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (settle()) return;
      log({ event: 'link.failed', kind, reason: CloseReason.handshakeTimeout });
      link.abort(CloseReason.handshakeTimeout);
      reject(new GlowError('timeout', CloseReason.handshakeTimeout));
    }, options.handshakeTimeout ?? 5000);

    /** Marks the handshake over; true when it already was. */
    function settle(): boolean {
      if (settled) return true;
      settled = true;
      clearTimeout(timer);
      return false;
    }

    function refuse(reason: string, claimed = peer?.id): void {
      if (settle()) return;
      log({ event: 'link.refused', kind, reason, by: 'local', ...(claimed ? { claimed } : {}) });
      link.abort(`${CloseReason.denied}: ${reason}`);
      reject(new GlowError('denied', `link refused: ${reason}`, claimed ? { claimed } : undefined));
    }

    function maybeOpen(): void {
      if (!verified || !peerReady || !peer || settle()) return;
      link.open(peer.id, peer.maxMessage, peer.maxPacket);
      resolve(link);
    }

    function admitted(verdict: boolean): void {
      if (settled) return;
      if (verdict !== true) return refuse(Refusal.notAllowed);
      verified = true;
      link.sendControl(FrameType.ready);
      maybeOpen();
    }

    function onHello(payload: Uint8Array): void {
      if (peer) return refuse(Refusal.outOfOrder);
      const hello = decodeHello(payload);
      if (typeof hello === 'string') return refuse(hello, undefined);
      if (hello.id === own.id) return refuse(Refusal.selfId, hello.id);
      if (sameBytes(hello.nonce, own.nonce)) return refuse(Refusal.nonceReuse, hello.id);
      if (options.expect !== undefined && hello.id !== options.expect) return refuse(Refusal.unexpectedId, hello.id);
      peer = hello;
      link.sendControl(FrameType.auth, identity.sign(transcript(channel.binding, own, hello)));
    }

    function onAuth(signature: Uint8Array): void {
      if (!peer || peerAuthed) return refuse(Refusal.outOfOrder);
      peerAuthed = true;
      if (!verifySignature(peer.id, transcript(channel.binding, peer, own), signature)) return refuse(Refusal.badSignature);
      if (!options.allow) return admitted(true);
      let verdict: boolean | Promise<boolean>;
      try {
        verdict = options.allow(peer.id);
      } catch {
        return refuse(Refusal.policyFailed);
      }
      if (typeof verdict === 'boolean') return admitted(verdict);
      Promise.resolve(verdict).then(admitted, () => refuse(Refusal.policyFailed));
    }

    link.handshake = (type, payload) => {
      if (type === FrameType.hello) onHello(payload);
      else if (type === FrameType.auth) onAuth(payload);
      // The peer sends ready only after verifying the auth it sent in answer to our hello.
      else if (!peerAuthed || peerReady) refuse(Refusal.outOfOrder);
      else {
        peerReady = true;
        maybeOpen();
      }
    };

    link.onClose((close) => {
      if (settle()) return;
      if (close.by === 'remote') {
        log({ event: 'link.refused', kind, reason: close.reason, by: 'remote', ...(peer ? { claimed: peer.id } : {}) });
        reject(new GlowError('denied', `peer refused the link: ${close.reason}`));
      } else if (close.reason.startsWith(CloseReason.protocolError)) {
        log({ event: 'link.refused', kind, reason: close.reason, by: 'local', ...(peer ? { claimed: peer.id } : {}) });
        reject(new GlowError('denied', `link refused: ${close.reason}`));
      } else {
        log({ event: 'link.failed', kind, reason: close.reason });
        reject(new GlowError('noconnection', `link failed during the handshake: ${close.reason}`));
      }
    });

    const settings = framingSettings(options);
    link.sendControl(
      FrameType.hello,
      encodeHello({ id: own.id, nonce: own.nonce, maxMessage: channel.maxMessageSize, maxPacket: settings.maxPacketBytes }),
    );
  });
}
