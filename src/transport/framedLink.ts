import type { NodeId } from '../firefly/address.js';
import type { Device, DeviceCertificate } from './certificate.js';
import type { Channel } from './channel.js';
import { CloseReason, MAX_REASON_LENGTH, type SealRefusal } from './closeReasons.js';
import { FrameReceiver } from './frameReceiver.js';
import { FrameSender } from './frameSender.js';
import { FrameType, type HandshakeFrame } from './frames.js';
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
import type { Link, LinkClose } from './link.js';
import type { LinkKeys } from './linkKeys.js';
import { Opener, Sealer } from './linkSeal.js';
import { framingSettings, safeLog, type FramingOptions, type FramingSettings, type LinkLogEvent, type LinkStats } from './linkOptions.js';

type Phase = 'handshake' | 'open' | 'closed';

const utf8 = new TextEncoder();
const text = new TextDecoder();
const cut = (reason: string) => reason.slice(0, MAX_REASON_LENGTH);

/**
 * A {@link Link} over a framed {@link Channel}. Made by `openLink`, which runs the handshake
 * through {@link FramedLink.handshake} and then calls {@link FramedLink.open}; until then no
 * packet goes either way.
 *
 * On an encrypted link (both hellos carried an ephemeral key), each direction is sealed from its
 * `ready` on: we seal every message after the one carrying our `ready`, and open every message
 * after the one carrying the peer's. A message that does not open closes the link.
 *
 * Packets that arrive before the first `onPacket` listener are held and handed to it, so nothing
 * is lost between the handshake's end and the caller's first `await`. A listener registered
 * after the close is told the close on a microtask.
 */
export class FramedLink implements Link {
  readonly kind: Channel['kind'];
  private readonly counters: LinkStats = { packetsIn: 0, packetsOut: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, tampered: 0, dropped: 0 };
  /** @internal Receives hello/auth/ready frames while the handshake runs (set by openLink). */
  handshake: ((type: HandshakeFrame, payload: Uint8Array) => void) | undefined;
  private phase: Phase = 'handshake';
  private peerId: NodeId = '';
  /** The peer's device, when its certificate verified in the handshake. */
  device: Device | undefined;
  /** The certificate the peer presented (verified). */
  certificate: DeviceCertificate | undefined;
  private peerMaxPacket = 0;
  private closeInfo: LinkClose | undefined;
  private held: Uint8Array[] | undefined = [];
  /** The link keys, once the handshake proved the peer (encrypted links only). */
  private keys: LinkKeys | undefined;
  /** Opens the peer's messages, from the one after its `ready` on. */
  private opener: Opener | undefined;
  /** Where the message being read ends in its buffer: on an encrypted link the peer's `ready` must end there. */
  private messageEnd = 0;
  private readonly settings: FramingSettings;
  private readonly log: (event: LinkLogEvent) => void;
  private readonly sender: FrameSender;
  private readonly receiver: FrameReceiver;
  private readonly heartbeat: Heartbeat;
  private readonly packetListeners: ((packet: Uint8Array) => void)[] = [];
  private readonly drainListeners: (() => void)[] = [];
  private readonly closeListeners: ((close: LinkClose) => void)[] = [];

  constructor(
    private readonly channel: Channel,
    options: FramingOptions & HeartbeatOptions = {},
  ) {
    this.kind = channel.kind;
    this.settings = framingSettings(options);
    this.log = safeLog(options.log);
    this.sender = new FrameSender(channel, this.settings, {
      drain: () => this.emit(this.drainListeners, undefined),
      broken: (error) => this.end({ reason: `${CloseReason.transportError}: ${String(error)}`, by: 'transport' }, undefined),
    });
    this.receiver = new FrameReceiver(
      { maxMessageSize: channel.maxMessageSize, maxPacketBytes: this.settings.maxPacketBytes },
      { packet: (packet) => this.receivePacket(packet), control: (type, payload) => this.receiveControl(type, payload) },
    );
    this.heartbeat = new Heartbeat(
      options,
      {
        ping: (stamp) => this.sender.controlFrame(FrameType.ping, stamp),
        timedOut: () => this.end({ reason: CloseReason.heartbeatTimeout, by: 'transport' }, CloseReason.heartbeatTimeout),
      },
      this.settings.clock,
    );
    channel.onmessage = (message) => this.receiveMessage(message);
    channel.onclose = (reason) => this.end({ reason: reason || CloseReason.transportClosed, by: 'transport' }, undefined);
    channel.ondrain = () => this.sender.channelDrained();
    channel.onpeeractive = () => this.heartbeat.heard();
  }

  get remote(): NodeId {
    return this.peerId;
  }
  probe(within: number): void {
    this.heartbeat.probe(within);
  }
  get rtt(): number | undefined {
    return this.heartbeat.rtt;
  }
  get bufferedAmount(): number {
    return this.phase === 'closed' ? 0 : this.sender.bufferedAmount;
  }
  get closed(): boolean {
    // Read through this getter, not compared in place: callbacks change the phase behind the
    // compiler's narrowing.
    return this.phase === 'closed';
  }
  /** True when everything after the handshake travels sealed (see `linkSeal.ts`). */
  get encrypted(): boolean {
    return this.keys !== undefined;
  }
  /** A snapshot of this link's counters. */
  get traffic(): { bytesIn: number; bytesOut: number } {
    return { bytesIn: this.counters.bytesIn, bytesOut: this.sender.bytesOut };
  }

  get stats(): Readonly<LinkStats> {
    return { ...this.counters, messagesOut: this.sender.messagesOut, bytesOut: this.sender.bytesOut };
  }

  send(packet: Uint8Array): void {
    if (this.phase !== 'open') return;
    if (!(packet instanceof Uint8Array) || packet.length > this.peerMaxPacket) {
      this.counters.dropped++;
      const size = packet instanceof Uint8Array ? packet.length : 0;
      this.log({ event: 'link.dropped', kind: this.kind, reason: 'packet too large for the peer', remote: this.peerId, size });
      return;
    }
    this.counters.packetsOut++;
    this.sender.packet(packet);
  }

  /** Closes the link: what was already sent still goes, then the peer is told `reason`. */
  close(reason: string = CloseReason.closed): void {
    this.end({ reason: cut(String(reason)), by: 'local' }, String(reason), true);
  }

  onPacket(listener: (packet: Uint8Array) => void): void {
    this.packetListeners.push(listener);
    if (this.held && this.packetListeners.length === 1) {
      queueMicrotask(() => {
        const held = this.held ?? [];
        this.held = undefined;
        for (const packet of held) this.emit(this.packetListeners, packet);
      });
    }
  }
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }
  onClose(listener: (close: LinkClose) => void): void {
    if (this.closeInfo) {
      const close = this.closeInfo;
      queueMicrotask(() => this.emit([listener], close));
    } else this.closeListeners.push(listener);
  }

  /** @internal Sends a handshake frame; on an encrypted link, what follows our `ready` is sealed. */
  sendControl(type: HandshakeFrame, payload?: Uint8Array): void {
    const sealAfter = type === FrameType.ready && this.keys ? new Sealer(this.keys.send) : undefined;
    this.sender.controlFrame(type, payload, sealAfter);
  }

  /** @internal The handshake derived the link keys and the peer proved its key: seal from the `ready`s on. */
  secure(keys: LinkKeys): void {
    if (this.phase === 'handshake') this.keys = keys;
  }

  /** @internal The handshake succeeded: `remote` is proven; packets may flow. */
  open(remote: NodeId, peerMaxMessage: number, peerMaxPacket: number, device?: Device, certificate?: DeviceCertificate): void {
    if (this.phase !== 'handshake') return;
    this.peerId = remote;
    this.device = device;
    this.certificate = certificate;
    this.peerMaxPacket = peerMaxPacket;
    this.sender.messageLimit = Math.min(this.channel.maxMessageSize, peerMaxMessage);
    this.phase = 'open';
    this.heartbeat.start();
    this.log({ event: 'link.up', kind: this.kind, remote });
  }

  /** @internal Ends the link without flushing queued data (refusals, failures). */
  abort(reason: string): void {
    this.end({ reason: cut(reason), by: 'local' }, reason);
  }

  private receiveMessage(message: Uint8Array): void {
    if (this.phase === 'closed') return;
    this.counters.messagesIn++;
    this.counters.bytesIn += message.length;
    this.heartbeat.heard();
    let plain = message;
    if (this.opener) {
      if (message.length > this.channel.maxMessageSize) return void this.protocolError(`message of ${message.length} bytes exceeds ${this.channel.maxMessageSize}`);
      const opened = this.opener.open(message);
      if (!(opened instanceof Uint8Array)) return this.sealRefused(opened);
      plain = opened;
    }
    this.messageEnd = plain.byteOffset + plain.length;
    const violation = this.receiver.receive(plain);
    if (violation !== undefined && !this.closed) this.protocolError(violation);
  }

  private receivePacket(packet: Uint8Array): boolean {
    if (this.phase !== 'open') return this.protocolError('packet before the handshake completed');
    this.counters.packetsIn++;
    if (this.held) this.held.push(packet);
    else this.emit(this.packetListeners, packet);
    return !this.closed;
  }

  private receiveControl(type: FrameType, payload: Uint8Array): boolean {
    switch (type) {
      case FrameType.ping:
        if (payload.length !== 8) return this.protocolError('malformed ping');
        this.sender.controlFrame(FrameType.pong, payload.slice());
        return true;
      case FrameType.pong:
        if (payload.length !== 8) return this.protocolError('malformed pong');
        this.heartbeat.pong(payload);
        return true;
      case FrameType.close:
        this.end({ reason: cut(text.decode(payload)), by: 'remote' }, undefined);
        return false;
      case FrameType.hello:
      case FrameType.auth:
      case FrameType.ready:
        return this.receiveHandshake(type, payload);
      default:
        return this.protocolError(`unexpected frame type 0x${type.toString(16)}`);
    }
  }

  private receiveHandshake(type: HandshakeFrame, payload: Uint8Array): boolean {
    if (this.phase !== 'handshake' || !this.handshake) return this.protocolError('handshake frame on an open link');
    // Whatever follows the peer's ready is sealed: a clear frame after it in its message would dodge the seal.
    const sealedNext = type === FrameType.ready && this.keys !== undefined;
    if (sealedNext && payload.byteOffset + payload.length !== this.messageEnd) return this.protocolError('frames after ready in a clear message');
    this.handshake(type, payload);
    if (this.closed) return false;
    if (sealedNext) this.opener = new Opener(this.keys!.receive);
    return true;
  }

  /** A sealed message did not open: tampered with, replayed, reordered, dropped or cut on the path. */
  private sealRefused(why: SealRefusal): void {
    this.counters.tampered++;
    const reason = `${CloseReason.sealRefused}: ${why}`;
    this.log({ event: 'link.malformed', kind: this.kind, reason, ...(this.peerId ? { remote: this.peerId } : {}) });
    this.end({ reason, by: 'transport' }, reason);
  }

  private protocolError(detail: string): false {
    this.counters.malformed++;
    const reason = `${CloseReason.protocolError}: ${detail}`;
    this.log({ event: 'link.malformed', kind: this.kind, reason, ...(this.peerId ? { remote: this.peerId } : {}) });
    this.end({ reason, by: 'transport' }, reason);
    return false;
  }

  /** Ends the link once: tells the peer `tellPeer` (when given), closes the channel, notifies. */
  private end(close: LinkClose, tellPeer: string | undefined, flushData = false): void {
    if (this.phase === 'closed') return;
    const wasOpen = this.phase === 'open';
    this.phase = 'closed';
    this.closeInfo = close;
    this.held = undefined;
    this.heartbeat.stop();
    this.sender.stop(tellPeer === undefined ? undefined : utf8.encode(cut(tellPeer)), flushData);
    try {
      this.channel.close();
    } catch {
      // Closing a broken transport may throw; it is closed either way.
    }
    if (wasOpen) this.log({ event: 'link.closed', kind: this.kind, remote: this.peerId, reason: close.reason, by: close.by });
    this.emit(this.closeListeners.splice(0), close);
  }

  private emit<T>(listeners: ((value: T) => void)[], value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        // A listener's bug must not break the link; report it out of band, never swallow it.
        if (this.settings.log) this.log({ event: 'link.listenerError', kind: this.kind, remote: this.peerId, error });
        else
          queueMicrotask(() => {
            throw error;
          });
      }
    }
  }
}
