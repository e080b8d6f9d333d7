import { ManualClock } from '../../src/firefly/clock.js';
import { isGlowError } from '../../src/firefly/errors.js';
import { nativeBackend } from '../../src/transport/webrtcLifecycle.js';
import { dialWebRtc } from '../../src/transport/webrtcNegotiation.js';
import { webrtcTeardowns, type NativeBackend, type NativeEvents, type NativePeer, type WebRtcPeer } from '../../src/transport/webrtcPeer.js';
import { signalPair } from '../fixtures/signalPair.js';
import { waitFor } from '../helpers/waitFor.js';

const FP_A = 'AA:'.repeat(31) + 'AA';
const FP_B = 'BB:'.repeat(31) + 'BB';
const sdp = (fp: string) => ['v=0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', `a=fingerprint:sha-256 ${fp}`, 'a=max-message-size:16384', ''].join('\r\n');
const CANDIDATE = 'candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host';
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A native stack that does nothing by itself: the test plays its part (the channel opens, the
 * peer closes) and reads what the lifecycle asked of it.
 */
function fakeStack(options: { acknowledgement?: NativeBackend['closeAcknowledgement']; connect?: () => Promise<void> } = {}) {
  const calls: string[] = [];
  let events: NativeEvents | undefined;
  let answerApplied: () => void = () => undefined;
  let holdAnswer = false;
  const channel = {
    isOpen: false,
    bufferedAmount: 0,
    sent: [] as Uint8Array[],
    send(message: Uint8Array) {
      channel.sent.push(message);
    },
    setLowThreshold: () => undefined,
  };
  const native: NativePeer = {
    createOffer: async () => {
      calls.push('createOffer');
      // Like werift: candidates are gathered while the local description is set.
      events!.localCandidate(CANDIDATE, '0');
      return sdp(FP_A);
    },
    acceptOffer: async () => {
      calls.push('acceptOffer');
      return sdp(FP_B);
    },
    acceptAnswer: async () => {
      calls.push('acceptAnswer');
      if (holdAnswer) await new Promise<void>((resolve) => (answerApplied = resolve));
    },
    addCandidate: async (candidate) => void calls.push(`addCandidate ${candidate}`),
    closeChannel: () => {
      calls.push('closeChannel');
      channel.isOpen = false;
    },
    close: async () => void calls.push('close'),
  };
  const backend = nativeBackend({
    name: 'browser',
    maxMessageSize: 65536,
    maxSendsPerTurn: 16,
    closeGrace: 200,
    closeAcknowledgement: options.acknowledgement ?? 'channel',
    connect: async (_, reported) => {
      events = reported;
      await options.connect?.();
      return native;
    },
  });
  return {
    backend,
    calls,
    channel,
    get events(): NativeEvents {
      return events!;
    },
    /** The data channel opens. */
    open() {
      channel.isOpen = true;
      events!.open(channel);
    },
    /** The peer closes the data channel. */
    peerCloses() {
      channel.isOpen = false;
      events!.channelClosed();
    },
    holdAnswer() {
      holdAnswer = true;
      return () => answerApplied();
    },
  };
}

/** An offering peer that has exchanged descriptions with `answer`. */
async function offered(peer: WebRtcPeer, answer = sdp(FP_B)) {
  await peer.createOffer();
  await peer.acceptAnswer(answer);
}

afterAll(() => webrtcTeardowns());

describe('WebRTC peer lifecycle', () => {
  it('hands out the channel bound to both signalled SDPs’ fingerprints, with the smaller message size', async () => {
    const stack = fakeStack();
    const peer = stack.backend.createPeer();
    await offered(peer);
    stack.open();
    const channel = await peer.channel;
    expect(channel.binding).toBe(`sha-256 ${FP_A},sha-256 ${FP_B}`);
    expect(channel.maxMessageSize).toBe(16384);
    channel.send(Uint8Array.of(7));
    expect(stack.channel.sent).toEqual([Uint8Array.of(7)]);
  });

  it('refuses a channel that cannot be bound (an SDP without fingerprint) and releases the connection', async () => {
    const stack = fakeStack();
    const peer = stack.backend.createPeer();
    await offered(peer, 'v=0\r\n');
    stack.open();
    await expect(peer.channel).rejects.toThrow(/no DTLS fingerprint/);
    await webrtcTeardowns();
    expect(stack.calls).toContain('close');
  });

  it('rejects the channel when the connection fails before it opened, a turn after the report', async () => {
    const stack = fakeStack();
    const peer = stack.backend.createPeer();
    await offered(peer);
    stack.events.connectionState('failed');
    await expect(peer.channel).rejects.toThrow('WebRTC connection failed');
    await webrtcTeardowns();
    expect(stack.calls.at(-1)).toBe('close');
    await expect(peer.acceptAnswer(sdp(FP_B))).rejects.toThrow(/closed/);
  });

  it('on close, closes the data channel and keeps the connection until the peer acknowledges', async () => {
    const stack = fakeStack();
    const peer = stack.backend.createPeer();
    await offered(peer);
    stack.open();
    const channel = await peer.channel;
    const closes: string[] = [];
    channel.onclose = (reason) => closes.push(reason);
    channel.close();
    expect(closes).toEqual(['closed']);
    expect(stack.calls.slice(-1)).toEqual(['closeChannel']);
    await turn();
    expect(stack.calls).not.toContain('close');
    stack.events.channelClosed();
    await webrtcTeardowns();
    expect(stack.calls.slice(-2)).toEqual(['closeChannel', 'close']);
  });

  it('cuts the connection after the close grace, on its clock, when the peer never acknowledges', async () => {
    const clock = new ManualClock();
    const stack = fakeStack();
    const peer = stack.backend.createPeer({ clock });
    await offered(peer);
    stack.open();
    (await peer.channel).close();
    await clock.advance(199);
    expect(stack.calls).not.toContain('close');
    await clock.advance(1);
    await webrtcTeardowns();
    expect(stack.calls.at(-1)).toBe('close');
  });

  it('waits for the connection to leave, not for the channel, where the stack acknowledges so (libdatachannel)', async () => {
    const stack = fakeStack({ acknowledgement: 'connection' });
    const peer = stack.backend.createPeer();
    await offered(peer);
    stack.open();
    (await peer.channel).close();
    stack.events.channelClosed();
    await turn();
    expect(stack.calls).not.toContain('close');
    stack.events.connectionState('disconnected');
    await webrtcTeardowns();
    expect(stack.calls.at(-1)).toBe('close');
  });

  it('delivers what the peer sent before it closed, then the close', async () => {
    const stack = fakeStack();
    const peer = stack.backend.createPeer();
    await offered(peer);
    stack.open();
    const channel = await peer.channel;
    const events: string[] = [];
    channel.onmessage = (message) => events.push(`message ${message[0]}`);
    const closed = new Promise<void>((resolve) => {
      channel.onclose = (reason) => {
        events.push(reason);
        resolve();
      };
    });
    // A stack may report the close ahead of the last message (libdatachannel's queues).
    stack.peerCloses();
    stack.events.message(Uint8Array.of(1));
    await closed;
    expect(events).toEqual(['message 1', 'closed by peer']);
    await webrtcTeardowns();
    expect(stack.calls).not.toContain('closeChannel');
    expect(stack.calls.at(-1)).toBe('close');
  });

  it('keeps what the peer sent before the stack reported the channel open, and delivers it first, in order', async () => {
    // libdatachannel calls back through one queue per kind of event: the answerer's hello, sent
    // the moment its side opened, can reach JavaScript before "open" does. Dropped, the next
    // handshake frame arrived first and the link was refused as out of order.
    const stack = fakeStack();
    const peer = stack.backend.createPeer();
    await offered(peer);
    stack.events.message(Uint8Array.of(1));
    stack.events.message(Uint8Array.of(2));
    stack.open();
    const channel = await peer.channel;
    stack.events.message(Uint8Array.of(3));
    const received: number[] = [];
    channel.onmessage = (message) => received.push(message[0]!);
    stack.events.message(Uint8Array.of(4));
    await waitFor(() => received.length === 4, 1000, 'all four messages');
    expect(received).toEqual([1, 2, 3, 4]);
    channel.close();
    await webrtcTeardowns();
  });

  it('rejects when the stack cannot make a connection', async () => {
    const stack = fakeStack({ connect: () => Promise.reject(new Error('no certificate')) });
    const peer = stack.backend.createPeer();
    await expect(peer.createOffer()).rejects.toThrow('no certificate');
    await expect(peer.channel).rejects.toThrow('WebRTC no certificate');
  });

  it('releases a connection that was still being made when the peer closed', async () => {
    let made: () => void = () => undefined;
    const stack = fakeStack({ connect: () => new Promise<void>((resolve) => (made = resolve)) });
    const peer = stack.backend.createPeer();
    const offer = peer.createOffer();
    peer.close();
    await expect(peer.channel).rejects.toThrow('closed before the data channel opened');
    made();
    await expect(offer).rejects.toThrow(/closed/);
    await webrtcTeardowns();
    expect(stack.calls).toEqual(['close']);
  });
});

describe('WebRTC negotiation over the lifecycle', () => {
  it('sends the offerer’s candidates only once the answer is applied', async () => {
    const stack = fakeStack();
    const applied = stack.holdAnswer();
    const sent: string[] = [];
    const [portA, portB] = signalPair((from, signal) => {
      sent.push(`${from} ${signal.type}`);
      return signal;
    });
    portB.onsignal = (signal) => {
      if (signal.type === 'offer') portB.send({ type: 'answer', sdp: sdp(FP_B) });
    };
    const dialled = dialWebRtc(portA, { backend: stack.backend, loopbackOnly: true });
    await waitFor(() => stack.calls.includes('acceptAnswer'), 2000, 'the answer was not applied');
    await turn();
    expect(sent).toEqual(['a offer', 'b answer']);
    applied();
    await waitFor(() => sent.length === 3, 2000, 'no candidate followed the answer');
    expect(sent).toEqual(['a offer', 'b answer', 'a candidate']);
    stack.open();
    const channel = await dialled;
    channel.close();
    stack.events.channelClosed();
    await webrtcTeardowns();
    expect(stack.calls.at(-1)).toBe('close');
  });

  it('fails with `noconnection` when the channel cannot be bound', async () => {
    const stack = fakeStack();
    const [portA, portB] = signalPair();
    portB.onsignal = (signal) => {
      if (signal.type === 'offer') portB.send({ type: 'answer', sdp: 'v=0\r\n' });
      if (signal.type === 'candidate') stack.open();
    };
    const error = await dialWebRtc(portA, { backend: stack.backend, loopbackOnly: true }).catch((e: unknown) => e);
    expect(isGlowError(error, 'noconnection')).toBe(true);
    expect(String(error)).toMatch(/fingerprint/);
  });
});
