import { PacedDataChannel, type RawDataChannel } from '../../src/transport/webrtcChannel.js';
import { filterSdpCandidates, loopbackCandidates, negotiatedMessageSize, sdpFingerprints, webrtcBinding } from '../../src/transport/webrtcSdp.js';

/** A data channel stand-in that records what reached it and buffers until told to drain. */
function fakeRaw() {
  const sent: Uint8Array[][] = [[]];
  const raw = {
    buffered: 0,
    threshold: -1,
    closed: false,
    sent,
    channel: undefined as PacedDataChannel | undefined,
    send(message: Uint8Array) {
      sent[sent.length - 1]!.push(message);
      raw.buffered += message.length;
    },
    get bufferedAmount() {
      return raw.buffered;
    },
    setLowThreshold(bytes: number) {
      raw.threshold = bytes;
    },
    close() {
      raw.closed = true;
    },
    /** The transport sent `bytes`; reports low when crossing the threshold, as real ones do. */
    drain(bytes: number) {
      const before = raw.buffered;
      raw.buffered = Math.max(0, raw.buffered - bytes);
      if (before > raw.threshold && raw.buffered <= raw.threshold) raw.channel?.rawLow();
    },
  };
  return raw satisfies RawDataChannel;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function paced(raw: ReturnType<typeof fakeRaw>, options: Partial<ConstructorParameters<typeof PacedDataChannel>[1]> = {}) {
  const channel = new PacedDataChannel(raw, { maxMessageSize: 1000, maxSendsPerTurn: 4, binding: 'b', rawHighWater: 4000, lowWater: 1000, ...options });
  raw.channel = channel;
  return channel;
}

describe('paced data channel', () => {
  it('keeps messages that arrive before the consumer listens and hands them over first, in order', async () => {
    const channel = paced(fakeRaw());
    channel.received(Uint8Array.of(1));
    channel.received(Uint8Array.of(2));
    const received: number[] = [];
    channel.onmessage = (message) => received.push(message[0]!);
    // Not while the consumer is still setting itself up: on a microtask, before anything later.
    expect(received).toEqual([]);
    channel.received(Uint8Array.of(3));
    await Promise.resolve();
    expect(received).toEqual([1, 2, 3]);
    channel.received(Uint8Array.of(4));
    expect(received).toEqual([1, 2, 3, 4]);
    // A consumer that sets its listener twice before the hand-over still gets each message once.
    const again = paced(fakeRaw());
    again.received(Uint8Array.of(7));
    const twice: number[] = [];
    again.onmessage = () => twice.push(-1);
    again.onmessage = (message) => twice.push(message[0]!);
    await Promise.resolve();
    expect(twice).toEqual([7]);
  });

  it('hands at most maxSendsPerTurn messages to the data channel per event-loop turn, in order', async () => {
    const raw = fakeRaw();
    const channel = paced(raw, { rawHighWater: 1e9 });
    for (let i = 0; i < 10; i++) channel.send(Uint8Array.of(i));
    expect(raw.sent[0]!.map((m) => m[0])).toEqual([0, 1, 2, 3]);
    expect(channel.bufferedAmount).toBe(10);
    raw.sent.push([]);
    await turn();
    raw.sent.push([]);
    await turn();
    expect(raw.sent.map((turnSends) => turnSends.map((m) => m[0]))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  it('holds messages while the data channel is over its high-water mark and resumes when it reports low', async () => {
    const raw = fakeRaw();
    const channel = paced(raw, { maxSendsPerTurn: 100 });
    let drains = 0;
    channel.ondrain = () => drains++;
    for (let i = 0; i < 8; i++) channel.send(new Uint8Array(1000));
    expect(raw.sent[0]).toHaveLength(4);
    await turn();
    expect(raw.sent[0]).toHaveLength(4);
    expect(channel.bufferedAmount).toBe(8000);
    raw.drain(3500);
    expect(raw.sent[0]).toHaveLength(8);
    expect(drains).toBe(0);
    raw.drain(4000);
    expect(channel.bufferedAmount).toBe(500);
    expect(drains).toBe(1);
  });

  it('on close, still sends what was queued, then closes the data channel once it is empty', async () => {
    const raw = fakeRaw();
    const channel = paced(raw, { rawHighWater: 1e9 });
    const closes: string[] = [];
    channel.onclose = (reason) => closes.push(reason);
    for (let i = 0; i < 6; i++) channel.send(Uint8Array.of(i));
    channel.close();
    expect(closes).toEqual(['closed']);
    channel.send(Uint8Array.of(99));
    await turn();
    expect(raw.sent.flat().map((m) => m[0])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(raw.closed).toBe(false);
    raw.drain(6);
    expect(raw.closed).toBe(true);
    channel.close();
    expect(closes).toEqual(['closed']);
  });

  it('ends at once, dropping the queue, when the transport breaks, and reports why once', () => {
    const raw = fakeRaw();
    const channel = paced(raw, { maxSendsPerTurn: 1 });
    const closes: string[] = [];
    const received: number[] = [];
    channel.onclose = (reason) => closes.push(reason);
    channel.onmessage = (message) => received.push(message[0]!);
    channel.received(Uint8Array.of(7));
    channel.send(Uint8Array.of(1));
    channel.send(Uint8Array.of(2));
    channel.end('connection failed');
    channel.received(Uint8Array.of(8));
    expect(closes).toEqual(['connection failed']);
    expect(received).toEqual([7]);
    expect(channel.bufferedAmount).toBe(0);
    expect(raw.closed).toBe(true);
  });

  it('refuses a message over the negotiated size (the link must chunk)', () => {
    const channel = paced(fakeRaw());
    expect(() => channel.send(new Uint8Array(1001))).toThrow(RangeError);
  });
});

const FP_A = 'AA:'.repeat(31) + 'AA';
const FP_B = 'BB:'.repeat(31) + 'BB';
const sdp = (fp: string, ...candidates: string[]) =>
  ['v=0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', `a=fingerprint:SHA-256 ${fp.toLowerCase()}`, ...candidates.map((c) => `a=${c}`), 'a=max-message-size:262144', ''].join('\r\n');

describe('WebRTC SDP helpers', () => {
  it('computes the same binding on both ends from both fingerprints, normalised', () => {
    expect(sdpFingerprints(sdp(FP_A))).toEqual([`sha-256 ${FP_A}`]);
    expect(webrtcBinding(sdp(FP_A), sdp(FP_B))).toBe(webrtcBinding(sdp(FP_B), sdp(FP_A)));
    expect(webrtcBinding(sdp(FP_A), sdp(FP_B))).toBe(`sha-256 ${FP_A},sha-256 ${FP_B}`);
    expect(() => webrtcBinding(sdp(FP_A), 'v=0\r\n')).toThrow(/fingerprint/);
  });

  it('keeps only 127.0.0.1 host candidates when filtering for loopback', () => {
    const keep = 'candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host';
    const lines = [
      keep,
      'candidate:2 1 udp 2130706431 192.0.2.2 5001 typ host',
      'candidate:3 1 udp 1694498815 127.0.0.1 5002 typ srflx raddr 192.0.2.2 rport 5001',
      'candidate:4 1 udp 2130706431 9b36eaac-bb2e-49bb-bb78-21c41c499900.local 5003 typ host',
      'candidate:5 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active',
      'candidate:6 1 udp 2130706431 ::1 5004 typ host',
    ];
    expect(lines.filter(loopbackCandidates)).toEqual([keep]);
    const filtered = filterSdpCandidates(sdp(FP_A, ...lines), loopbackCandidates);
    expect(filtered.match(/^a=candidate:.*$/gm)).toEqual([`a=${keep}`]);
    expect(filtered).toContain('a=max-message-size:262144');
  });

  it('uses the smaller message size of ours and the peer’s (RFC 8841 defaults)', () => {
    expect(negotiatedMessageSize(65536, sdp(FP_A))).toBe(65536);
    expect(negotiatedMessageSize(1 << 20, sdp(FP_A))).toBe(262144);
    expect(negotiatedMessageSize(1 << 20, 'v=0\r\n')).toBe(65536);
    expect(negotiatedMessageSize(1 << 20, 'a=max-message-size:0\r\n')).toBe(1 << 20);
  });
});
