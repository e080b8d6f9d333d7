import { assign, createActor, setup, type ActorRefFrom } from 'xstate';
import { systemClock } from '../firefly/clock.js';
import { errorMessage } from '../firefly/errors.js';
import type { Channel } from './channel.js';
import { nextTurn } from './turn.js';
import { PacedDataChannel } from './webrtcChannel.js';
import { trackTeardown, type NativeBackend, type NativeChannel, type NativeEvents, type NativePeer, type WebRtcBackend, type WebRtcPeer, type WebRtcPeerOptions } from './webrtcPeer.js';
import { negotiatedMessageSize, webrtcBinding } from './webrtcSdp.js';

/** Most messages kept from before the channel was reported open: the handshake's first frames. */
const MAX_EARLY = 64;

/** What the native stack tells the lifecycle, and what its owner asks of it. */
type PeerEvent =
  /** The data channel opened. */
  | { type: 'open'; channel: NativeChannel }
  /** The data channel or the connection ended without us: the peer closed it, ICE/DTLS failed. */
  | { type: 'ended'; reason: string }
  /** After our close, the peer has let go (the native stack's sign, see `NativeBackend.closeAcknowledgement`). */
  | { type: 'acknowledged' }
  /** We close: the negotiation gave up, the channel's user closed it, or it ended. */
  | { type: 'close' };

/** What the machine does to the world, supplied by the peer that runs it. */
interface PeerEffects {
  /** The binding of the signalled SDPs; throws when an SDP carries no fingerprint. */
  binding(): string;
  /** Hands out the open data channel as the peer's Channel. */
  handOut(channel: NativeChannel, binding: string): void;
  /** The channel will never open: rejects `channel` with `reason`. */
  refuse(reason: string): void;
  /** Ends the handed-out Channel with `reason` (it then closes the data channel via `close`). */
  endChannel(reason: string): void;
  /** Closes the data channel if it is open; true when it was (the peer is then waited for). */
  closeChannel(): boolean;
  /** Closes the connection and releases its native resources. */
  release(): void;
}

interface PeerContext {
  effects: PeerEffects;
  closeGrace: number;
  /** While closing: our data channel close is on its way and the peer's acknowledgement awaited. */
  awaitingPeer: boolean;
}

/**
 * The lifecycle of one WebRTC peer connection, the same for every native stack (werift,
 * node-datachannel, the browser's RTCPeerConnection).
 *
 * States:
 * - `connecting` (initial): descriptions and candidates are being exchanged; no channel yet.
 * - `open`: the data channel is open and handed out as a paced {@link Channel}, bound to both
 *   signalled SDPs' DTLS fingerprints.
 * - `closing`: the data channel's close is on its way (its stream reset travels behind the data
 *   already sent); the connection stays until the peer acknowledges or `closeGrace` ms pass,
 *   since closing it at once would discard what is still in flight (the link's close frame).
 *   Passed through at once when there was no open data channel to close.
 * - `closed` (final): the connection is closed and its native resources are being released.
 *
 * Events: `open` (the data channel opened; without a fingerprint in either SDP it cannot be
 * bound and is refused), `ended` (the peer closed, the connection failed), `acknowledged` (the
 * peer let go after our close), `close` (ours), and the `closeGrace` timeout (on the clock).
 * An event a state does not list is ignored: a close after the end, an open after a close.
 */
const peerMachine = setup({
  types: {} as { context: PeerContext; events: PeerEvent; input: { effects: PeerEffects; closeGrace: number } },
  delays: { closeGrace: ({ context }) => context.closeGrace },
  guards: {
    bindable: ({ context }) => {
      try {
        context.effects.binding();
        return true;
      } catch {
        return false;
      }
    },
    nothingToAwait: ({ context }) => !context.awaitingPeer,
  },
  actions: {
    handOut: ({ context, event }) => {
      if (event.type === 'open') context.effects.handOut(event.channel, context.effects.binding());
    },
    refuseUnbound: ({ context }) => {
      try {
        context.effects.binding();
      } catch (error) {
        context.effects.refuse(errorMessage(error));
      }
    },
    refuseEnded: ({ context, event }) => context.effects.refuse(event.type === 'ended' ? event.reason : 'ended'),
    refuseClosed: ({ context }) => context.effects.refuse('peer connection closed before the data channel opened'),
    endChannel: ({ context, event }) => context.effects.endChannel(event.type === 'ended' ? event.reason : 'closed'),
    closeChannel: assign({ awaitingPeer: ({ context }) => context.effects.closeChannel() }),
    release: ({ context }) => context.effects.release(),
  },
}).createMachine({
  id: 'webrtcPeer',
  context: ({ input }) => ({ ...input, awaitingPeer: false }),
  initial: 'connecting',
  states: {
    connecting: {
      on: {
        open: [
          { guard: 'bindable', target: 'open', actions: 'handOut' },
          { target: 'closing', actions: 'refuseUnbound' },
        ],
        ended: { target: 'closing', actions: 'refuseEnded' },
        close: { target: 'closing', actions: 'refuseClosed' },
      },
    },
    open: {
      on: {
        ended: { target: 'closing', actions: 'endChannel' },
        close: { target: 'closing', actions: 'endChannel' },
      },
    },
    closing: {
      entry: 'closeChannel',
      always: { guard: 'nothingToAwait', target: 'closed' },
      after: { closeGrace: 'closed' },
      on: { acknowledged: 'closed' },
    },
    closed: { type: 'final', entry: 'release' },
  },
});

/**
 * A {@link WebRtcBackend} over a native stack: the stack's adapter (`NativeBackend`) translates
 * native calls and events, and {@link peerMachine} runs the lifecycle, once for all stacks.
 */
export function nativeBackend(native: NativeBackend): WebRtcBackend {
  return { name: native.name, createPeer: (options = {}) => new LifecyclePeer(native, options) };
}

/** One peer connection: the negotiation's {@link WebRtcPeer}, run by {@link peerMachine}. */
class LifecyclePeer implements WebRtcPeer {
  onlocalcandidate: ((candidate: string, mid: string) => void) | undefined;
  readonly channel: Promise<Channel>;
  private readonly actor: ActorRefFrom<typeof peerMachine>;
  private readonly native: Promise<NativePeer>;
  /** The native peer once made (werift makes it asynchronously). */
  private made: NativePeer | undefined;
  private nativeChannel: NativeChannel | undefined;
  private paced: PacedDataChannel | undefined;
  /**
   * Messages the native stack delivered before it reported the channel open: libdatachannel calls
   * back through one queue per kind of event, and the peer's first message can overtake "open".
   */
  private early: Uint8Array[] = [];
  /** The SDPs as signalled (ours as made, the peer's as received): what both ends bind to. */
  private localSdp = '';
  private remoteSdp = '';
  private resolveChannel!: (channel: Channel) => void;
  private rejectChannel!: (error: Error) => void;

  constructor(
    private readonly backend: NativeBackend,
    private readonly options: WebRtcPeerOptions,
  ) {
    this.channel = new Promise<Channel>((resolve, reject) => {
      this.resolveChannel = resolve;
      this.rejectChannel = reject;
    });
    // The negotiation awaits `channel` only after signaling succeeded; an early failure must
    // not surface as an unhandled rejection meanwhile.
    this.channel.catch(() => undefined);
    this.actor = createActor(peerMachine, {
      clock: options.clock ?? systemClock,
      input: { effects: this.effects(), closeGrace: backend.closeGrace },
    });
    this.actor.start();
    this.native = Promise.resolve().then(() => backend.connect(options, this.events()));
    this.native.then(
      (native) => (this.made = native),
      (error: unknown) => this.send({ type: 'ended', reason: errorMessage(error) }),
    );
  }

  async createOffer(): Promise<string> {
    this.localSdp = await (await this.live()).createOffer();
    return this.localSdp;
  }

  async acceptOffer(sdp: string): Promise<string> {
    this.remoteSdp = sdp;
    this.localSdp = await (await this.live()).acceptOffer(sdp);
    return this.localSdp;
  }

  async acceptAnswer(sdp: string): Promise<void> {
    // Recorded first: the channel may open while the description is still being applied.
    this.remoteSdp = sdp;
    await (await this.live()).acceptAnswer(sdp);
  }

  async addCandidate(candidate: string, mid: string): Promise<void> {
    if (this.ending) return;
    await (await this.live()).addCandidate(candidate, mid);
  }

  close(): void {
    this.send({ type: 'close' });
  }

  private get ending(): boolean {
    const snapshot = this.actor.getSnapshot();
    return snapshot.status !== 'active' || snapshot.value === 'closing';
  }

  /** The native peer, for a negotiation step; throws once the peer is closing. */
  private async live(): Promise<NativePeer> {
    if (this.ending) throw new Error('peer connection closed');
    const native = await this.native;
    if (this.ending) throw new Error('peer connection closed');
    return native;
  }

  private send(event: PeerEvent): void {
    if (this.actor.getSnapshot().status === 'active') this.actor.send(event);
  }

  /**
   * An end reported by the native stack is acted on a turn later: a stack may report it ahead
   * of the last messages (libdatachannel calls back through separate queues, so "closed" can
   * overtake the link's close frame), and acting outside its callback keeps our close out of it.
   */
  private ended(reason: string): void {
    nextTurn(() => this.send({ type: 'ended', reason }));
  }

  private events(): NativeEvents {
    const byChannel = this.backend.closeAcknowledgement === 'channel';
    return {
      localCandidate: (candidate, mid) => {
        if (!this.ending) this.onlocalcandidate?.(candidate, mid);
      },
      open: (channel) => this.send({ type: 'open', channel }),
      message: (message) => {
        if (this.paced) this.paced.received(message);
        else if (this.early.length < MAX_EARLY) this.early.push(message);
      },
      bufferedLow: () => this.paced?.rawLow(),
      peerActive: () => this.paced?.peerActive(),
      channelClosed: () => {
        if (byChannel) this.send({ type: 'acknowledged' });
        this.ended('closed by peer');
      },
      connectionState: (state) => {
        const gone = state === 'failed' || state === 'closed';
        if (!byChannel && (gone || state === 'disconnected')) this.send({ type: 'acknowledged' });
        if (gone) this.ended(`connection ${state}`);
      },
      error: (reason) => this.ended(`data channel error: ${reason}`),
    };
  }

  private effects(): PeerEffects {
    return {
      binding: () => webrtcBinding(this.localSdp, this.remoteSdp),
      handOut: (channel, binding) => {
        this.nativeChannel = channel;
        this.paced = new PacedDataChannel(
          {
            send: (message) => {
              try {
                channel.send(message);
              } catch (error) {
                if (channel.isOpen) throw error;
                // The peer closed and the stack's report of it is on its way; the messages
                // it sent before (its close frame) still arrive first.
                this.ended('closed by peer');
              }
            },
            get bufferedAmount() {
              return channel.bufferedAmount;
            },
            setLowThreshold: (bytes) => channel.setLowThreshold(bytes),
            close: () => this.close(),
          },
          {
            maxMessageSize: negotiatedMessageSize(this.options.maxMessageSize ?? this.backend.maxMessageSize, this.remoteSdp),
            maxSendsPerTurn: this.backend.maxSendsPerTurn,
            ...(this.backend.rawHighWater === undefined ? {} : { rawHighWater: this.backend.rawHighWater }),
            ...(this.backend.lowWater === undefined ? {} : { lowWater: this.backend.lowWater }),
            binding,
            clock: this.options.clock ?? systemClock,
          },
        );
        for (const message of this.early.splice(0)) this.paced.received(message);
        this.resolveChannel(this.paced);
      },
      refuse: (reason) => this.rejectChannel(new Error(`WebRTC ${reason}`)),
      endChannel: (reason) => this.paced?.end(reason),
      closeChannel: () => {
        if (!this.made || !this.nativeChannel?.isOpen) return false;
        this.made.closeChannel();
        return true;
      },
      release: () => trackTeardown(this.native.then((native) => native.close())),
    };
  }
}
