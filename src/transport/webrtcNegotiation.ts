import { systemClock } from '../firefly/clock.js';
import { errorMessage, GlowError } from '../firefly/errors.js';
import type { Channel } from './channel.js';
import type { WebRtcBackend, WebRtcPeer, WebRtcPeerOptions } from './webrtcPeer.js';
import { bareCandidate } from './webrtcPeer.js';
import { filterSdpCandidates, loopbackCandidates, type CandidateFilter } from './webrtcSdp.js';
import type { SignalPort, WebRtcSignal } from './webrtcSignal.js';

/** Options of {@link dialWebRtc} and {@link acceptWebRtc}. */
export interface NegotiationOptions extends WebRtcPeerOptions {
  /** The WebRTC implementation to use (see `loadWebRtcBackend`). */
  backend: WebRtcBackend;
  /**
   * How long, in ms (on `clock`), from the first signal to an open data channel before giving
   * up. Loopback opens in ~0.1–0.3 s; a LAN in well under a second.
   * @default 15000
   */
  timeout?: number;
}

/**
 * Opens a WebRTC data channel to the node at the other end of `port`, as the offering side.
 * Resolves with the open {@link Channel} (not yet authenticated: hand it to `openLink`, whose
 * handshake signs `channel.binding`). Rejects with a `GlowError` — `timeout` when the channel
 * did not open in time, `noconnection` when the peer ended the negotiation or ICE/DTLS failed.
 */
export function dialWebRtc(port: SignalPort, options: NegotiationOptions): Promise<Channel> {
  return new Negotiation(port, options).run(undefined);
}

/**
 * Answers an offer that arrived on `port` (the carrier saw the offer first: that is how it knew
 * a negotiation began). Same result as {@link dialWebRtc}.
 */
export function acceptWebRtc(port: SignalPort, offerSdp: string, options: NegotiationOptions): Promise<Channel> {
  return new Negotiation(port, options).run(offerSdp);
}

/**
 * One negotiation: signals in order, candidates buffered until each side can use them.
 *
 * Our candidates wait until our SDP has been sent, so the peer never sees one first; the
 * offerer's wait longer, until the answer is applied. An answerer that has the offerer's
 * candidates starts ICE checks at once, and the moment the offerer learns the answer its ICE
 * connects; libdatachannel then starts DTLS before the answer's fingerprint is committed and
 * refuses the peer's certificate ("unknown CA"): 3 setups failed in 10 runs of its compliance
 * suite, none in 10 since the offerer waits. It costs the answerer's checks one signaling hop.
 */
class Negotiation {
  private readonly peer: WebRtcPeer;
  private readonly keep: CandidateFilter;
  /** Local candidates not yet sent (see the class comment); undefined once they flow. */
  private localQueue: WebRtcSignal[] | undefined = [];
  /** Remote candidates wait until the remote description is applied (werift needs that). */
  private remoteQueue: { candidate: string; mid: string }[] | undefined = [];
  /** Signals are handled one at a time: applying an answer is asynchronous. */
  private chain: Promise<void> = Promise.resolve();
  private failure: ((error: GlowError) => void) | undefined;
  private done = false;

  constructor(
    private readonly port: SignalPort,
    private readonly options: NegotiationOptions,
  ) {
    const { candidateFilter, loopbackOnly } = options;
    this.keep = (line) => (!loopbackOnly || loopbackCandidates(line)) && (candidateFilter?.(line) ?? true);
    this.peer = options.backend.createPeer(options);
  }

  async run(offer: string | undefined): Promise<Channel> {
    const failed = new Promise<never>((_, reject) => (this.failure = reject));
    const clock = this.options.clock ?? systemClock;
    const timer = clock.setTimeout(
      () => this.fail(new GlowError('timeout', `WebRTC channel did not open within ${this.timeout} ms`)),
      this.timeout,
    );
    this.peer.onlocalcandidate = (candidate, mid) => this.localCandidate(candidate, mid);
    this.port.onsignal = (signal) => {
      this.chain = this.chain.then(() => this.handle(signal)).catch((error: unknown) => this.fail(asGlowError(error)));
    };
    try {
      const channel = await Promise.race([this.start(offer).then(() => this.peer.channel), failed]);
      this.finish();
      return channel;
    } catch (error) {
      this.fail(asGlowError(error));
      throw asGlowError(error);
    } finally {
      clock.clearTimeout(timer);
    }
  }

  private get timeout(): number {
    return this.options.timeout ?? 15000;
  }

  private async start(offer: string | undefined): Promise<void> {
    if (offer === undefined) {
      this.sendSdp({ type: 'offer', sdp: await this.peer.createOffer() });
    } else {
      const answer = await this.peer.acceptOffer(filterSdpCandidates(offer, this.keep));
      await this.remoteApplied();
      this.sendSdp({ type: 'answer', sdp: answer });
    }
  }

  private async handle(signal: WebRtcSignal): Promise<void> {
    if (this.done) return;
    switch (signal.type) {
      case 'answer':
        if (this.remoteQueue === undefined) throw new GlowError('noconnection', 'a second answer arrived');
        await this.peer.acceptAnswer(filterSdpCandidates(signal.sdp, this.keep));
        await this.remoteApplied();
        return this.sendLocalCandidates();
      case 'candidate': {
        const candidate = bareCandidate(signal.candidate);
        if (!this.keep(candidate)) return;
        if (this.remoteQueue) this.remoteQueue.push({ candidate, mid: signal.mid });
        else await this.peer.addCandidate(candidate, signal.mid);
        return;
      }
      case 'end':
        throw new GlowError('noconnection', `the peer ended the negotiation: ${signal.reason ?? 'no reason given'}`);
      case 'offer':
        throw new GlowError('noconnection', 'an offer arrived in the middle of a negotiation');
    }
  }

  private async remoteApplied(): Promise<void> {
    const queued = this.remoteQueue ?? [];
    this.remoteQueue = undefined;
    for (const { candidate, mid } of queued) await this.peer.addCandidate(candidate, mid);
  }

  private sendSdp(signal: { type: 'offer' | 'answer'; sdp: string }): void {
    if (this.done) return;
    this.port.send({ type: signal.type, sdp: filterSdpCandidates(signal.sdp, this.keep) });
    if (signal.type === 'answer') this.sendLocalCandidates();
  }

  private sendLocalCandidates(): void {
    const queued = this.localQueue ?? [];
    this.localQueue = undefined;
    if (this.done) return;
    for (const candidate of queued) this.port.send(candidate);
  }

  private localCandidate(candidate: string, mid: string): void {
    const bare = bareCandidate(candidate);
    if (this.done || !this.keep(bare)) return;
    const signal: WebRtcSignal = { type: 'candidate', candidate: bare, mid };
    if (this.localQueue) this.localQueue.push(signal);
    else this.port.send(signal);
  }

  /** Success: the signaling path has done its job. */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.peer.onlocalcandidate = undefined;
    this.port.onsignal = undefined;
    this.port.close();
  }

  /** Failure: tell the peer (best effort), tear the connection down, settle `run`. */
  private fail(error: GlowError): void {
    if (this.done) return;
    this.done = true;
    this.failure?.(error);
    try {
      this.port.send({ type: 'end', reason: error.message.slice(0, 200) });
    } catch {
      // The signaling path is gone too; the peer's own timeout ends its side.
    }
    this.peer.onlocalcandidate = undefined;
    this.port.onsignal = undefined;
    this.port.close();
    this.peer.close();
  }
}

function asGlowError(error: unknown): GlowError {
  if (error instanceof GlowError) return error;
  return new GlowError('noconnection', `WebRTC negotiation failed: ${errorMessage(error)}`);
}
