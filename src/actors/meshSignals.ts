import * as v from 'valibot';
import { nanoid } from 'nanoid';
import type { NodeId } from '../firefly/address.js';
import { cast, defineInterface, method } from '../firefly/idl.js';
import { WebRtcSignalSchema, type SignalPort, type WebRtcSignal } from '../transport/webrtcSignal.js';

/** Most ICE servers a node tells of, or keeps from what others told it. */
export const MAX_ICE_SERVERS = 8;

/**
 * Whether `url` is a STUN server URL a node may take from another: `stun:host:port` only (a TURN
 * URL carries credentials, which no peer hands out through the mesh).
 */
export function isStunUrl(url: string): boolean {
  return /^stun:(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(url);
}

/** `glow.Rtc/1`: WebRTC signals between nodes, carried through the mesh as Firefly casts. */
export const RtcInterface = defineInterface('glow.Rtc/1', {
  signal: cast(v.object({ session: v.pipe(v.string(), v.minLength(8), v.maxLength(64)), signal: WebRtcSignalSchema }), {
    description: 'one offer, answer, candidate or end of a WebRTC negotiation',
  }),
  iceServers: method(v.object({}), v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(MAX_ICE_SERVERS)), {
    access: 'read',
    description: 'the STUN servers this node runs for others (stun:host:port), for the ICE of direct links between nodes behind NATs',
  }),
});

/** The local id of every node's WebRTC signaling resource. */
export const RTC_RESOURCE = 'rtc';

/** Signals kept for a negotiation that does not listen yet. */
const MAX_EARLY_SIGNALS = 32;

/** Most negotiations one node may have open with others at once; more are refused. */
const MAX_SESSIONS = 64;

/**
 * Carries WebRTC negotiations through the mesh: once a node has any link, offers to other
 * nodes need no signaling server. Each negotiation is a session; its signals are casts to the
 * peer's `rtc` resource. Signals are authenticated only as far as the mesh authenticates the
 * sender's node; the link handshake (bound to both DTLS fingerprints) is what proves who is at
 * the other end.
 */
export class MeshSignals {
  private readonly sessions = new Map<string, { peer: NodeId; port: SignalPort; deliver: (signal: WebRtcSignal) => void }>();

  constructor(
    /** Sends one signal of a session to `peer`'s `rtc` resource. */
    private readonly send: (peer: NodeId, session: string, signal: WebRtcSignal) => void,
    /** Called for the first signal (an offer) of a session another node began. */
    private readonly onOffer: (peer: NodeId, port: SignalPort, offerSdp: string) => void,
  ) {}

  /** A port for a negotiation this node begins with `peer`. */
  dial(peer: NodeId): SignalPort {
    return this.open(peer, nanoid());
  }

  private open(peer: NodeId, session: string): SignalPort {
    // Signals that arrive before the negotiation listens (it may wait for its ICE servers first)
    // are kept for it, a few at most: a lost candidate can cost the punch.
    const early: WebRtcSignal[] = [];
    let listener: ((signal: WebRtcSignal) => void) | undefined;
    const port: SignalPort = {
      send: (signal: WebRtcSignal) => this.send(peer, session, signal),
      get onsignal() {
        return listener;
      },
      set onsignal(next) {
        listener = next;
        if (next) for (const signal of early.splice(0)) next(signal);
      },
      close: () => this.sessions.delete(session),
    };
    const deliver = (signal: WebRtcSignal) => {
      if (listener) listener(signal);
      else if (early.length < MAX_EARLY_SIGNALS) early.push(signal);
    };
    this.sessions.set(session, { peer, port, deliver });
    return port;
  }

  /** A `signal` cast from `from`. */
  receive(from: NodeId, session: string, signal: WebRtcSignal): void {
    const known = this.sessions.get(session);
    if (known) {
      // A session belongs to the node that began it with us; anyone else is ignored.
      if (known.peer === from) known.deliver(signal);
      return;
    }
    if (signal.type !== 'offer' || this.sessions.size >= MAX_SESSIONS) return;
    this.onOffer(from, this.open(from, session), signal.sdp);
  }
}
