import type { NodeId } from '../../firefly/address.js';
import type { Clock, Timer } from '../../firefly/clock.js';
import { DEFAULT_HOP_LIMIT, PacketKind, PROTOCOL_VERSION, SEALED, type Packet } from '../../firefly/packet.js';
import { ciphers, dhPublicOfIdentity, dhSecretOfIdentity } from '../../transport/ciphers.js';
import { publicKeyOf, verifySignature, type NodeIdentity } from '../../transport/identity.js';
import { acceptInitiation, Initiation, nonceOf, type StaticKeys, type TransportKeys } from './noise.js';
import { ReplayWindow } from './replayWindow.js';
import { resolveSessionOptions, type ResolvedSessionOptions, type SessionOptions } from './options.js';
import { emptySessionStats, type SessionStats } from './stats.js';
import {
  associatedData,
  ENVELOPE_HEAD,
  MAX_COUNTER,
  readEnvelope,
  readIndex,
  readInner,
  resetStatement,
  SessionMessage,
  sessionBody,
  writeEnvelopeHead,
  writeInner,
} from './wire.js';

/** The local id session messages are addressed from and to (they never reach a resource). */
export const SESSION_LOCAL = 'session';

const PROLOGUE = new TextEncoder().encode('glow session v1');
const EMPTY = new Uint8Array(0);
const PROBE_BYTES = 8;
const TIMESTAMP_BYTES = 8;
/** Kinds that answer what the other side sent: receiving one proves our way to it works. */
const ANSWERS = new Set<number>([PacketKind.reply, PacketKind.error, PacketKind.item, PacketKind.end, PacketKind.credit]);
/** Least milliseconds between two reports of one peer's route as silent. */
const SILENT_HOLDOFF = 1000;
/** Unknown indexes of one peer whose last reset time is kept. */
const MAX_RESETS_KEPT = 8;

/** Why the session layer refused a packet; the router counts it under the same drop reason. */
export type SessionDrop = 'tampered' | 'replayed' | 'nosession' | 'forged' | 'badpacket' | 'busy';

/** What the session layer asks of its router. */
export interface SessionHooks {
  /**
   * Sends a sealed packet or a session message towards its destination. `made` is true for the
   * session layer's own messages, false for a packet of the node's.
   */
  forward(packet: Packet, made: boolean): void;
  /** `count` packets the node sent before are sent again (after a reset): they re-enter the router. */
  resent(count: number): void;
  /**
   * A packet that will not be sealed: its destination has no route (`noroute`), or no session
   * could be opened (`nosession`). The router answers its sender.
   */
  fail(packet: Packet, reason: 'noroute' | 'nosession'): void;
  /** True while `node` has a route or is in its grace: only then is a handshake worth starting. */
  reachable(node: NodeId): boolean;
  /** `peer` stopped answering through the current route: try another next hop. */
  silent(peer: NodeId): void;
}

interface Session {
  readonly peer: Peer;
  /** The index the peer seals to us with. */
  readonly localIndex: number;
  /** The index we seal to the peer with. */
  readonly remoteIndex: number;
  readonly keys: TransportKeys;
  readonly created: number;
  readonly initiator: boolean;
  /** True once the peer proved it holds the keys (a responder waits for its first packet). */
  confirmed: boolean;
  /** The next counter to seal with. */
  sent: number;
  readonly window: ReplayWindow;
}

interface Handshake {
  /**
   * Every try's first message by its index, oldest first: an answer to an earlier try that
   * arrives late (a slow path, not a lost one) still opens the session.
   */
  readonly tries: Map<number, { readonly initiation: Initiation; readonly sentAt: number }>;
  timer: Timer;
}

interface Peer {
  readonly id: NodeId;
  /** The peer's static X25519 key, named by its id. */
  readonly staticKey: Uint8Array;
  /** Newest first. */
  sessions: Session[];
  handshake: Handshake | undefined;
  /** Packets waiting for a session. */
  queue: Packet[];
  /**
   * Packets sealed in a session the peer has not been heard from in since: sent again if the
   * peer proves it lost that session (a reset).
   */
  unanswered: { readonly packet: Packet; readonly session: Session }[];
  /** When the first packet after the peer was last heard from was sealed; undefined while nothing waits. */
  waitingSince: number | undefined;
  probeTimer: Timer | undefined;
  probesMissed: number;
  /** Round-trip time measured by the last handshake (ms). */
  rtt: number;
  /** Highest first-message timestamp accepted from the peer (replayed first messages are refused). */
  lastTimestamp: number;
  /** When the route to the peer was last reported silent. */
  lastSilent: number;
  /** When a reset was last sent for each index the peer used that we did not know (a few kept). */
  resets: Map<number, number>;
}

/**
 * End-to-end sessions between this node and every node it talks to through relays. The first
 * packet to a node opens a session (Noise IK, one round trip; packets wait meanwhile); every
 * packet after it is sealed with ChaCha20-Poly1305 under the session's keys, its header (minus
 * the hop count) authenticated with it. What arrives is opened, checked against a replay window
 * and handed on with its source proven: a packet claiming another sender does not open.
 *
 * Sessions rekey by time and message count (a new handshake, while the old session still
 * serves), and end with the node: nothing is persisted. A peer that restarted does not know our
 * session and answers a signed reset; packets sealed since it was last heard from are then sent
 * again in a new session, so a restart loses nothing that was in flight.
 *
 * The session also watches the route: when packets were sealed and nothing came back for a few
 * round trips, it probes, and tells the router (`silent`) so that it tries another next hop.
 */
export class Sessions {
  readonly stats: SessionStats = emptySessionStats();
  private readonly options: ResolvedSessionOptions;
  private readonly statics: StaticKeys;
  private readonly peers = new Map<NodeId, Peer>();
  private readonly sessionsByIndex = new Map<number, Session>();
  private readonly handshakesByIndex = new Map<number, Peer>();
  private lastTimestamp = 0;
  private handshakeBudget: { second: number; used: number } = { second: -1, used: 0 };
  private closed = false;

  constructor(
    private readonly identity: NodeIdentity,
    private readonly clock: Clock,
    private readonly hooks: SessionHooks,
    options: SessionOptions = {},
  ) {
    this.options = resolveSessionOptions(options);
    const secret = dhSecretOfIdentity(identity.secretKey);
    this.statics = { secret, public: ciphers().dhPublic(secret) };
  }

  /** Packets waiting for a session, over all peers. */
  get queued(): number {
    let count = 0;
    for (const peer of this.peers.values()) count += peer.queue.length;
    return count;
  }

  /** Seals `packet` for its destination, or queues it until a session is open. */
  send(packet: Packet): void {
    const peer = this.peer(packet.dst.node);
    if (!peer || this.closed) return this.hooks.fail(packet, 'nosession');
    const session = this.sendingSession(peer);
    if (!session) {
      // As a packet for an unreachable node fails at once, so does one that would wait for a
      // handshake that cannot get there.
      if (!this.hooks.reachable(peer.id)) return this.hooks.fail(packet, 'noroute');
      if (peer.queue.length >= this.options.maxQueued) {
        this.stats.queueFull++;
        return this.hooks.fail(packet, 'nosession');
      }
      peer.queue.push(packet);
      return this.startHandshake(peer);
    }
    this.seal(session, packet);
    if (this.clock.now() - session.created >= this.options.rekeyAfter || session.sent >= this.options.rekeyAfterMessages) {
      this.startHandshake(peer);
    }
  }

  /** Opens a sealed packet addressed to this node: the packet as sent, or why it was refused. */
  open(packet: Packet): Packet | SessionDrop {
    const envelope = readEnvelope(packet.body, 0);
    if (!envelope) return 'tampered';
    const session = this.sessionsByIndex.get(envelope.index);
    if (!session) {
      this.reset(packet.src.node, envelope.index);
      return 'nosession';
    }
    if (session.peer.id !== packet.src.node) return 'forged';
    const plaintext = this.openEnvelope(session, packet, envelope.counter, envelope.sealed);
    if (typeof plaintext === 'string') return plaintext;
    const inner = readInner(plaintext);
    if (!inner) return 'badpacket';
    const kind = (packet.kind & ~SEALED) as Packet['kind'];
    if (ANSWERS.has(kind)) this.answered(session.peer);
    return { ...packet, kind, method: inner.method, body: inner.body };
  }

  /** Reads a session message addressed to this node; undefined when it was used. */
  control(packet: Packet): SessionDrop | undefined {
    const body = packet.body;
    switch (body[0]) {
      case SessionMessage.initiation:
        return this.initiated(packet);
      case SessionMessage.response:
        return this.responded(packet);
      case SessionMessage.ping:
      case SessionMessage.pong:
        return this.probed(packet);
      case SessionMessage.reset:
        return this.wasReset(packet);
      default:
        return 'badpacket';
    }
  }

  /** `node` is unreachable: what waited for its session is handed back (the node fails its waiters). */
  unreachable(node: NodeId): Packet[] {
    const peer = this.peers.get(node);
    if (!peer) return [];
    this.stopHandshake(peer);
    this.stopProbe(peer);
    const queue = peer.queue;
    peer.queue = [];
    peer.unanswered = [];
    return queue;
  }

  /** Ends every session (the node stops): what waited is handed back. */
  close(): Packet[] {
    this.closed = true;
    const queued: Packet[] = [];
    for (const peer of this.peers.values()) queued.push(...this.unreachable(peer.id));
    this.peers.clear();
    this.sessionsByIndex.clear();
    this.handshakesByIndex.clear();
    return queued;
  }

  /** The peer `node`, created on first use; undefined when `node` names no usable key. */
  private peer(node: NodeId): Peer | undefined {
    let peer = this.peers.get(node);
    if (peer) return peer;
    const key = publicKeyOf(node);
    const staticKey = key && dhPublicOfIdentity(key);
    if (!staticKey) return undefined;
    if (this.peers.size >= this.options.maxPeers) this.evictPeer();
    peer = {
      id: node,
      staticKey,
      sessions: [],
      handshake: undefined,
      queue: [],
      unanswered: [],
      waitingSince: undefined,
      probeTimer: undefined,
      probesMissed: 0,
      rtt: this.options.initialRtt,
      lastTimestamp: 0,
      resets: new Map(),
      lastSilent: -Infinity,
    };
    this.peers.set(node, peer);
    return peer;
  }

  /** Forgets the oldest idle peer (one with nothing queued or in flight), or the oldest. */
  private evictPeer(): void {
    let victim: Peer | undefined;
    for (const peer of this.peers.values()) {
      victim ??= peer;
      if (peer.queue.length === 0 && !peer.handshake) {
        victim = peer;
        break;
      }
    }
    if (!victim) return;
    for (const packet of this.unreachable(victim.id)) this.hooks.fail(packet, 'nosession');
    for (const session of victim.sessions) this.sessionsByIndex.delete(session.localIndex);
    this.peers.delete(victim.id);
  }

  private sendingSession(peer: Peer): Session | undefined {
    const now = this.clock.now();
    for (const session of peer.sessions) {
      if (session.confirmed && now - session.created < this.options.rejectAfter && session.sent < MAX_COUNTER) return session;
    }
    return undefined;
  }

  private seal(session: Session, packet: Packet): void {
    const header: Packet = { ...packet, kind: (packet.kind | SEALED) as Packet['kind'], method: '', body: EMPTY };
    const counter = session.sent++;
    const sealed = ciphers().seal(session.keys.send, nonceOf(counter), associatedData(header), writeInner(packet.method, packet.body));
    const body = new Uint8Array(ENVELOPE_HEAD + sealed.length);
    writeEnvelopeHead(body, 0, session.remoteIndex, counter);
    body.set(sealed, ENVELOPE_HEAD);
    this.stats.sealed++;
    this.hooks.forward({ ...header, body }, false);
    const peer = session.peer;
    if (peer.unanswered.length >= this.options.maxUnanswered) peer.unanswered.shift();
    peer.unanswered.push({ packet, session });
    if (peer.waitingSince === undefined) {
      peer.waitingSince = this.clock.now();
      this.armProbe(peer);
    }
  }

  /** Opens an envelope's ciphertext; the plaintext, or why not. Marks the peer heard from. */
  private openEnvelope(session: Session, packet: Packet, counter: number, sealed: Uint8Array): Uint8Array | SessionDrop {
    if (this.clock.now() - session.created >= this.options.rejectAfter) return 'nosession';
    const plaintext = ciphers().open(session.keys.receive, nonceOf(counter), associatedData(packet), sealed);
    if (!plaintext) {
      this.stats.tampered++;
      return 'tampered';
    }
    // After the tag: a forger must not be able to move the window.
    if (!session.window.accept(counter)) {
      this.stats.replayed++;
      return 'replayed';
    }
    this.stats.opened++;
    if (!session.confirmed) {
      session.confirmed = true;
      // The peer now seals with this session: older ones are only kept for what is in flight.
      this.promote(session);
    }
    this.heard(session.peer, session);
    return plaintext;
  }

  private promote(session: Session): void {
    const sessions = session.peer.sessions;
    const at = sessions.indexOf(session);
    if (at > 0) {
      sessions.splice(at, 1);
      sessions.unshift(session);
    }
  }

  /**
   * The peer answered in `session`: it holds that session, so what was sealed in it arrived.
   * What was sealed in another session stays until that one is heard from or reset: a peer
   * that restarted answers in its new session before its reset for the old one arrives.
   */
  private heard(peer: Peer, session: Session): void {
    peer.unanswered = peer.unanswered.filter((entry) => entry.session !== session && peer.sessions.includes(entry.session));
  }

  /**
   * What we sent the peer got through: a pong, or an answer to our traffic (a reply, an error,
   * stream items or credit). Anything else the peer sends proves only the way back, and a relay
   * may swallow one direction only.
   */
  private answered(peer: Peer): void {
    peer.waitingSince = undefined;
    peer.probesMissed = 0;
    this.stopProbe(peer);
  }

  // ---- handshakes --------------------------------------------------------------------------

  private startHandshake(peer: Peer): void {
    if (peer.handshake || this.closed) return;
    this.sendInitiation(peer);
  }

  private sendInitiation(peer: Peer): void {
    // A timestamp that only rises, so that the peer can refuse a replayed first message.
    this.lastTimestamp = Math.max(this.lastTimestamp + 1, Math.floor(this.options.wallClock()));
    const payload = new Uint8Array(TIMESTAMP_BYTES);
    new DataView(payload.buffer).setFloat64(0, this.lastTimestamp);
    const initiation = Initiation.start(PROLOGUE, this.statics, peer.staticKey, payload);
    if (!initiation) {
      for (const packet of this.unreachable(peer.id)) this.hooks.fail(packet, 'nosession');
      return;
    }
    const localIndex = this.newIndex();
    this.handshakesByIndex.set(localIndex, peer);
    const handshake = peer.handshake ?? { tries: new Map(), timer: undefined as unknown as Timer };
    handshake.tries.set(localIndex, { initiation, sentAt: this.clock.now() });
    const wait = Math.max(this.options.minHandshakeWait, 3 * peer.rtt) * 2 ** Math.min(handshake.tries.size - 1, 3);
    handshake.timer = this.clock.setTimeout(() => this.handshakeLost(peer), wait);
    peer.handshake = handshake;
    this.stats.initiations++;
    this.hooks.forward(this.sessionPacket(peer.id, sessionBody(SessionMessage.initiation, [localIndex], initiation.message)), true);
  }

  private handshakeLost(peer: Peer): void {
    const handshake = peer.handshake;
    if (!handshake) return;
    this.stats.handshakesLost++;
    if (handshake.tries.size >= this.options.handshakeTries) {
      for (const packet of this.unreachable(peer.id)) this.hooks.fail(packet, 'nosession');
      return;
    }
    // No answer may mean the next hop swallows it: let the router try another.
    this.reportSilent(peer);
    this.sendInitiation(peer);
  }

  private stopHandshake(peer: Peer): void {
    if (!peer.handshake) return;
    this.clock.clearTimeout(peer.handshake.timer);
    for (const index of peer.handshake.tries.keys()) this.handshakesByIndex.delete(index);
    peer.handshake = undefined;
  }

  private initiated(packet: Packet): SessionDrop | undefined {
    if (!this.takeHandshakeBudget()) return 'busy';
    const senderIndex = readIndex(packet.body, 1);
    if (senderIndex === undefined) return 'badpacket';
    const peer = this.peer(packet.src.node);
    if (!peer) return 'forged';
    const accepted = acceptInitiation(PROLOGUE, this.statics, packet.body.subarray(5));
    if (!accepted) {
      this.stats.tampered++;
      return 'tampered';
    }
    // The message proves who sent it; it must be the node the header names.
    if (!sameBytes(accepted.remoteStatic, peer.staticKey)) return 'forged';
    if (accepted.payload.length !== TIMESTAMP_BYTES) return 'badpacket';
    const timestamp = new DataView(accepted.payload.buffer, accepted.payload.byteOffset, TIMESTAMP_BYTES).getFloat64(0);
    if (!(timestamp > peer.lastTimestamp)) {
      this.stats.replayed++;
      return 'replayed';
    }
    const answer = accepted.respond(EMPTY);
    if (!answer) return 'tampered';
    peer.lastTimestamp = timestamp;
    const localIndex = this.newIndex();
    this.addSession(peer, { localIndex, remoteIndex: senderIndex, keys: answer.keys, initiator: false, confirmed: false });
    this.stats.responses++;
    this.hooks.forward(this.sessionPacket(peer.id, sessionBody(SessionMessage.response, [localIndex, senderIndex], answer.message)), true);
    return undefined;
  }

  private responded(packet: Packet): SessionDrop | undefined {
    const senderIndex = readIndex(packet.body, 1);
    const receiverIndex = readIndex(packet.body, 5);
    if (senderIndex === undefined || receiverIndex === undefined) return 'badpacket';
    const peer = this.handshakesByIndex.get(receiverIndex);
    const attempt = peer?.handshake?.tries.get(receiverIndex);
    if (!peer || !attempt || peer.id !== packet.src.node) return 'nosession';
    const done = attempt.initiation.finish(packet.body.subarray(9));
    if (!done) {
      this.stats.tampered++;
      return 'tampered';
    }
    this.stopHandshake(peer);
    peer.rtt = Math.max(1, this.clock.now() - attempt.sentAt);
    this.addSession(peer, { localIndex: receiverIndex, remoteIndex: senderIndex, keys: done.keys, initiator: true, confirmed: true });
    const session = peer.sessions[0]!;
    this.heard(peer, session);
    this.answered(peer);
    const queue = peer.queue;
    peer.queue = [];
    for (const queued of queue) this.seal(session, queued);
    // The responder uses the session only once we used it: confirm it even with nothing to send.
    if (queue.length === 0) this.sendProbe(session, SessionMessage.ping);
    return undefined;
  }

  private addSession(peer: Peer, fields: Pick<Session, 'localIndex' | 'remoteIndex' | 'keys' | 'initiator' | 'confirmed'>): void {
    const session: Session = { ...fields, peer, created: this.clock.now(), sent: 0, window: new ReplayWindow() };
    this.sessionsByIndex.set(session.localIndex, session);
    // An unconfirmed responder session goes behind the confirmed one still in use (not behind
    // older ones too: the last is the first evicted, and must not be the session just made).
    const at = session.confirmed ? 0 : peer.sessions.findIndex((other) => !other.confirmed);
    peer.sessions.splice(at < 0 ? Math.min(1, peer.sessions.length) : at, 0, session);
    while (peer.sessions.length > this.options.sessionsPerPeer) {
      this.sessionsByIndex.delete(peer.sessions.pop()!.localIndex);
    }
  }

  /** A global budget of handshakes answered per second: each costs four X25519 operations. */
  private takeHandshakeBudget(): boolean {
    const second = Math.floor(this.clock.now() / 1000);
    if (second !== this.handshakeBudget.second) this.handshakeBudget = { second, used: 0 };
    if (this.handshakeBudget.used >= this.options.handshakesPerSecond) {
      this.stats.refusedHandshakes++;
      return false;
    }
    this.handshakeBudget.used++;
    return true;
  }

  // ---- probes and resets -------------------------------------------------------------------

  private armProbe(peer: Peer): void {
    if (peer.probeTimer !== undefined) return;
    const wait = Math.max(this.options.minProbeWait, 3 * peer.rtt);
    peer.probeTimer = this.clock.setTimeout(() => this.probeDue(peer), wait);
  }

  private stopProbe(peer: Peer): void {
    this.clock.clearTimeout(peer.probeTimer);
    peer.probeTimer = undefined;
  }

  private probeDue(peer: Peer): void {
    peer.probeTimer = undefined;
    if (peer.waitingSince === undefined) return;
    const session = this.sendingSession(peer);
    if (!session) return;
    if (peer.probesMissed > 0) {
      this.stats.probesLost++;
      this.reportSilent(peer);
    }
    if (peer.probesMissed >= this.options.maxProbes) {
      // Nothing has answered for a long while; the next packet starts watching again.
      peer.waitingSince = undefined;
      peer.probesMissed = 0;
      return;
    }
    peer.probesMissed++;
    this.sendProbe(session, SessionMessage.ping);
    this.armProbe(peer);
  }

  /**
   * Tells the router the route to `peer` swallows what we send. A new route takes a few round
   * trips to be chosen (a seqno request may go first), and what was sent meanwhile went the old
   * way: the next hop is not blamed again before then.
   */
  private reportSilent(peer: Peer): void {
    const now = this.clock.now();
    if (now - peer.lastSilent < Math.max(SILENT_HOLDOFF, 10 * peer.rtt)) return;
    peer.lastSilent = now;
    this.hooks.silent(peer.id);
  }

  private sendProbe(session: Session, type: SessionMessage): void {
    const header = this.sessionPacket(session.peer.id, EMPTY);
    const counter = session.sent++;
    const probe = new Uint8Array(PROBE_BYTES);
    const sealed = ciphers().seal(session.keys.send, nonceOf(counter), associatedData(header), probe);
    const body = new Uint8Array(1 + ENVELOPE_HEAD + sealed.length);
    body[0] = type;
    writeEnvelopeHead(body, 1, session.remoteIndex, counter);
    body.set(sealed, 1 + ENVELOPE_HEAD);
    this.stats.probes++;
    this.hooks.forward({ ...header, body }, true);
  }

  private probed(packet: Packet): SessionDrop | undefined {
    const envelope = readEnvelope(packet.body, 1);
    if (!envelope) return 'badpacket';
    const session = this.sessionsByIndex.get(envelope.index);
    if (!session) {
      this.reset(packet.src.node, envelope.index);
      return 'nosession';
    }
    if (session.peer.id !== packet.src.node) return 'forged';
    const plaintext = this.openEnvelope(session, { ...packet, body: EMPTY }, envelope.counter, envelope.sealed);
    if (typeof plaintext === 'string') return plaintext;
    if (packet.body[0] === SessionMessage.ping) {
      const answer = this.sendingSession(session.peer) ?? session;
      this.sendProbe(answer, SessionMessage.pong);
    } else {
      this.answered(session.peer);
    }
    return undefined;
  }

  /** Tells `node` (signed, at most once a second per node) that we do not know `index`. */
  private reset(node: NodeId, index: number): void {
    const peer = this.peer(node);
    if (!peer) return;
    const now = this.clock.now();
    // One reset per unknown index per interval: a peer that lost several sessions (or was made
    // to, by a replayed reset) hears about each, and a flood of one costs one signature.
    if (now - (peer.resets.get(index) ?? -Infinity) < this.options.resetInterval) return;
    if (peer.resets.size >= MAX_RESETS_KEPT) peer.resets.delete(peer.resets.keys().next().value!);
    peer.resets.set(index, now);
    const signature = this.identity.sign(resetStatement(index, node, this.identity.id));
    this.stats.resetsSent++;
    this.hooks.forward(this.sessionPacket(node, sessionBody(SessionMessage.reset, [index], signature)), true);
  }

  private wasReset(packet: Packet): SessionDrop | undefined {
    const index = readIndex(packet.body, 1);
    if (index === undefined) return 'badpacket';
    const peer = this.peers.get(packet.src.node);
    const session = peer?.sessions.find((candidate) => candidate.remoteIndex === index);
    if (!peer || !session) return 'nosession';
    if (!verifySignature(peer.id, resetStatement(index, this.identity.id, peer.id), packet.body.subarray(5))) return 'forged';
    this.stats.resetsReceived++;
    // The peer lost this session (it restarted), and every older one with it; a newer one may
    // be its own, made since.
    const lost = new Set(peer.sessions.filter((old) => old.created <= session.created));
    for (const old of lost) this.sessionsByIndex.delete(old.localIndex);
    peer.sessions = peer.sessions.filter((kept) => !lost.has(kept));
    this.stopProbe(peer);
    peer.waitingSince = undefined;
    peer.probesMissed = 0;
    // What was sealed in them and not answered never reached a session the peer knows: send it again.
    const again = peer.unanswered.filter((entry) => lost.has(entry.session)).map((entry) => entry.packet);
    peer.unanswered = peer.unanswered.filter((entry) => !lost.has(entry.session));
    this.hooks.resent(again.length);
    const current = this.sendingSession(peer);
    if (current) {
      for (const packet of again) this.seal(current, packet);
      return undefined;
    }
    peer.queue = [...again, ...peer.queue];
    // Beyond the queue's bound the oldest fail now, as a full queue fails new ones.
    for (const packet of peer.queue.splice(0, Math.max(0, peer.queue.length - this.options.maxQueued))) this.hooks.fail(packet, 'nosession');
    if (peer.queue.length > 0) this.startHandshake(peer);
    return undefined;
  }

  // ---- helpers -----------------------------------------------------------------------------

  private sessionPacket(node: NodeId, body: Uint8Array): Packet {
    return {
      version: PROTOCOL_VERSION,
      kind: PacketKind.session,
      src: { node: this.identity.id, local: SESSION_LOCAL },
      dst: { node, local: SESSION_LOCAL },
      hop: DEFAULT_HOP_LIMIT,
      corr: 0,
      method: '',
      body,
    };
  }

  private newIndex(): number {
    const random = new Uint32Array(1);
    do globalThis.crypto.getRandomValues(random);
    while (this.sessionsByIndex.has(random[0]!) || this.handshakesByIndex.has(random[0]!));
    return random[0]!;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
