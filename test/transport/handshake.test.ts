import { ManualClock } from '../../src/firefly/clock.js';
import { encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import { FrameType, encodeFrame, parseFrames } from '../../src/transport/frames.js';
import { HANDSHAKE_VERSION, decodeHello, transcript } from '../../src/transport/handshake.js';
import { issueCertificate } from '../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';
import type { LinkLogEvent } from '../../src/transport/linkOptions.js';
import { memoryChannelPair, type MemoryChannel, type MemoryChannelOptions } from '../../src/transport/memoryChannel.js';
import { openLink, type OpenLinkOptions } from '../../src/transport/openLink.js';
import { waitFor, within } from '../helpers/waitFor.js';

/** Both ends of a handshake over memory channels, each with its own log. */
function handshake(
  identities: [NodeIdentity, NodeIdentity],
  options: [OpenLinkOptions?, OpenLinkOptions?] = [],
  channelOptions: MemoryChannelOptions = {},
) {
  const [channelA, channelB] = memoryChannelPair(channelOptions);
  const logs: [LinkLogEvent[], LinkLogEvent[]] = [[], []];
  const a = openLink(channelA, identities[0], { ...options[0], log: (e) => logs[0].push(e) });
  const b = openLink(channelB, identities[1], { ...options[1], log: (e) => logs[1].push(e) });
  // Handled here so that a test awaiting only one of them leaves no unhandled rejection.
  const settled = Promise.allSettled([a, b]);
  return { a, b, logs, settled: within(settled, 3000, 'handshake did not settle') };
}

/** The rejection of `promise` (fails the test if it resolves). */
async function refusal(promise: Promise<unknown>): Promise<GlowError> {
  const error = await within(promise.then(() => undefined, (e: unknown) => e), 3000, 'handshake did not settle');
  expect(error).toBeInstanceOf(GlowError);
  return error as GlowError;
}

/**
 * One end run by openLink on a {@link ManualClock} (its timeout fires only when a test moves
 * the clock), the other by the test, frame by frame.
 */
function rawPeer(options: OpenLinkOptions = {}, clock = new ManualClock()) {
  const [channel, raw] = memoryChannelPair();
  const identity = createIdentity();
  const log: LinkLogEvent[] = [];
  const frames: { type: number; payload: Uint8Array }[] = [];
  const waiters: (() => void)[] = [];
  raw.onmessage = (message) => {
    parseFrames(message, (type, payload) => (frames.push({ type, payload: payload.slice() }), true));
    waiters.splice(0).forEach((wake) => wake());
  };
  const link = openLink(channel, identity, { clock, ...options, log: (e) => log.push(e) });
  let outcome: 'pending' | 'open' | 'failed' = 'pending';
  link.then(
    () => (outcome = 'open'),
    () => (outcome = 'failed'),
  );
  /** Resolves with the first frame of `type` that the link sent. */
  const frame = (type: number) =>
    within(
      new Promise<Uint8Array>(function look(resolve) {
        const found = frames.find((f) => f.type === type);
        if (found) resolve(found.payload);
        else waiters.push(() => look(resolve));
      }),
      2000,
      `no frame 0x${type.toString(16)}`,
    );
  const sentTypes = () => frames.map((f) => f.type);
  return { identity, link, log, raw: raw as MemoryChannel, frame, sentTypes, clock, settled: () => outcome };
}

/** The frames a raw peer with a key of its own (`remote`) sends to do its part honestly. */
async function honestFrames(peer: ReturnType<typeof rawPeer>) {
  const remote = createIdentity();
  const nonce = crypto.getRandomValues(new Uint8Array(32));
  const theirs = decodeHello(await peer.frame(FrameType.hello));
  if (typeof theirs === 'string') throw new Error(theirs);
  return {
    remote,
    hello: helloOf(remote, nonce),
    auth: encodeFrame(FrameType.auth, remote.sign(transcript('', { id: remote.id, nonce }, theirs))),
    ready: encodeFrame(FrameType.ready),
  };
}

/** An allow policy that answers only when the test says so. */
function pendingPolicy() {
  const asked: string[] = [];
  let answer: (verdict: boolean) => void = () => {};
  const allow = (id: string) => (asked.push(id), new Promise<boolean>((resolve) => (answer = resolve)));
  return { allow, asked, answer: (verdict: boolean) => answer(verdict) };
}

const helloOf = (identity: NodeIdentity, nonce: Uint8Array = crypto.getRandomValues(new Uint8Array(32))) =>
  encodeFrame(FrameType.hello, encodeValue({ v: HANDSHAKE_VERSION, id: identity.id, nonce, maxMessage: 65536, maxPacket: 4 << 20 }));

describe('link handshake', () => {
  it('admits two nodes that prove their keys, each naming the other', async () => {
    const [alice, bob] = [createIdentity(), createIdentity()];
    const { a, b, logs } = handshake([alice, bob]);
    const [linkA, linkB] = await within(Promise.all([a, b]), 2000);
    expect([linkA.remote, linkB.remote]).toEqual([bob.id, alice.id]);
    expect(logs[0]).toEqual([{ event: 'link.up', kind: 'memory', remote: bob.id }]);
    linkA.close();
  });

  it('refuses a peer that claims another node’s id, and logs the attempt', async () => {
    const [honest, victim, mallory] = [createIdentity(), createIdentity(), createIdentity()];
    // Mallory says she is the victim but can only sign with her own key.
    const forged: NodeIdentity = { id: victim.id, publicKey: victim.publicKey, secretKey: mallory.secretKey, sign: mallory.sign };
    const { a, b, logs } = handshake([honest, forged]);
    expect(await refusal(a)).toMatchObject({ code: 'denied', message: 'link refused: signature does not verify' });
    expect(logs[0]).toEqual([
      { event: 'link.refused', kind: 'memory', reason: 'signature does not verify', by: 'local', claimed: victim.id },
    ]);
    expect(await refusal(b)).toMatchObject({ code: 'denied', message: 'peer refused the link: denied: signature does not verify' });
  });

  it('refuses a peer whose id is not the one dialled, before signing anything for it', async () => {
    const peer = rawPeer({ expect: createIdentity().id });
    const stranger = createIdentity();
    peer.raw.send(helloOf(stranger));
    expect(await refusal(peer.link)).toMatchObject({ code: 'denied', message: 'link refused: unexpected peer id' });
    expect(peer.log).toEqual([expect.objectContaining({ event: 'link.refused', reason: 'unexpected peer id', claimed: stranger.id })]);
    expect(new TextDecoder().decode(await peer.frame(FrameType.close))).toBe('denied: unexpected peer id');
    expect(peer.sentTypes()).toEqual([FrameType.hello, FrameType.close]);
  });

  it.each([
    ['returns false', () => false, 'not allowed'],
    ['resolves false', async () => false, 'not allowed'],
    ['throws', () => { throw new Error('policy store down'); }, 'allow policy failed'],
    ['rejects', () => Promise.reject(new Error('policy store down')), 'allow policy failed'],
  ])('refuses a proven peer when the allow policy %s', async (_, allow, reason) => {
    const { a, b, logs } = handshake([createIdentity(), createIdentity()], [{ allow }]);
    expect(await refusal(a)).toMatchObject({ code: 'denied', message: `link refused: ${reason}` });
    expect(logs[0][0]).toMatchObject({ event: 'link.refused', reason, by: 'local' });
    expect(await refusal(b)).toMatchObject({ code: 'denied', message: `peer refused the link: denied: ${reason}` });
  });

  it('asks the allow policy about the proven id only, and admits when it agrees later', async () => {
    const [alice, bob] = [createIdentity(), createIdentity()];
    const policy = pendingPolicy();
    const { a, b } = handshake([alice, bob], [{ allow: policy.allow }]);
    await waitFor(() => policy.asked.length > 0, 2000, 'policy asked');
    policy.answer(true);
    const [linkA] = await within(Promise.all([a, b]), 2000);
    expect(policy.asked).toEqual([bob.id]);
    linkA.close();
  });

  it('sends ready only once the policy agrees, even when the peer was ready first', async () => {
    const policy = pendingPolicy();
    const peer = rawPeer({ allow: policy.allow });
    const { remote, hello, auth, ready } = await honestFrames(peer);
    for (const frame of [hello, auth, ready]) peer.raw.send(frame);
    await waitFor(() => policy.asked.length > 0, 2000, 'policy asked');
    expect(policy.asked).toEqual([remote.id]);
    await peer.frame(FrameType.auth);
    expect(peer.sentTypes()).toEqual([FrameType.hello, FrameType.auth]);
    expect(peer.settled()).toBe('pending');
    policy.answer(true);
    expect((await within(peer.link, 2000)).remote).toBe(remote.id);
    await peer.frame(FrameType.ready);
    expect(peer.sentTypes().slice(0, 3)).toEqual([FrameType.hello, FrameType.auth, FrameType.ready]);
    (await peer.link).close();
  });

  it('gives up with timeout while the allow policy decides, and ignores its late answer', async () => {
    const policy = pendingPolicy();
    const peer = rawPeer({ allow: policy.allow, handshakeTimeout: 1000 });
    const { hello, auth } = await honestFrames(peer);
    peer.raw.send(hello);
    peer.raw.send(auth);
    await waitFor(() => policy.asked.length > 0, 2000, 'policy asked');
    await peer.clock.advance(1000);
    expect(await refusal(peer.link)).toMatchObject({ code: 'timeout', message: 'handshake timeout' });
    policy.answer(true);
    await peer.frame(FrameType.close);
    expect(peer.sentTypes()).toEqual([FrameType.hello, FrameType.auth, FrameType.close]);
  });

  it('fails with noconnection when the channel closes while the allow policy decides', async () => {
    const policy = pendingPolicy();
    const peer = rawPeer({ allow: policy.allow });
    const { hello, auth } = await honestFrames(peer);
    peer.raw.send(hello);
    peer.raw.send(auth);
    await waitFor(() => policy.asked.length > 0, 2000, 'policy asked');
    peer.raw.close();
    expect(await refusal(peer.link)).toMatchObject({ code: 'noconnection' });
    expect(peer.log).toEqual([{ event: 'link.failed', kind: 'memory', reason: 'closed by peer' }]);
  });

  it('refuses on both sides when the channel bindings differ (a relay in the middle)', async () => {
    const { a, b, logs } = handshake([createIdentity(), createIdentity()], [], { binding: ['fp-a|fp-relay', 'fp-relay|fp-b'] });
    for (const side of [a, b]) {
      const error = await refusal(side);
      expect(error.code).toBe('denied');
      expect(error.message).toContain('signature does not verify');
    }
    expect(logs.map((log) => log[0]?.event)).toEqual(['link.refused', 'link.refused']);
  });

  it('refuses a link to itself', async () => {
    const self = createIdentity();
    const { a, b } = handshake([self, self]);
    expect((await refusal(a)).message).toBe('link refused: peer claims our own id');
    expect((await refusal(b)).code).toBe('denied');
  });

  it('refuses a peer that reflects our own hello and signature', async () => {
    const peer = rawPeer();
    const hello = await peer.frame(FrameType.hello);
    peer.raw.send(encodeFrame(FrameType.hello, hello));
    expect(await refusal(peer.link)).toMatchObject({ code: 'denied', message: 'link refused: peer claims our own id' });
  });

  it('refuses a peer that reuses our nonce under its own id', async () => {
    const peer = rawPeer();
    const mallory = createIdentity();
    const hello = await peer.frame(FrameType.hello);
    const { decodeHello } = await import('../../src/transport/handshake.js');
    const ours = decodeHello(hello);
    if (typeof ours === 'string') throw new Error(ours);
    peer.raw.send(helloOf(mallory, ours.nonce));
    expect(await refusal(peer.link)).toMatchObject({ code: 'denied', message: 'link refused: peer reused our nonce' });
  });

  const peerKey = createIdentity();
  it.each<[string, () => Uint8Array[], string]>([
    ['random bytes', () => [Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01])], 'protocol error: unknown frame type 0xde'],
    ['a truncated frame', () => [Uint8Array.from([FrameType.hello, 0, 0])], 'protocol error: truncated frame header'],
    ['a hello that is not CBOR', () => [encodeFrame(FrameType.hello, Uint8Array.from([0xff, 0xff]))], 'malformed hello'],
    ['a hello with an id that is no key', () => [encodeFrame(FrameType.hello, encodeValue({ v: HANDSHAKE_VERSION, id: 'laptop', nonce: new Uint8Array(32), maxMessage: 65536, maxPacket: 65536 }))], 'hello id is not a node key'],
    ['a hello of another version', () => [encodeFrame(FrameType.hello, encodeValue({ v: HANDSHAKE_VERSION - 1, id: peerKey.id }))], 'unsupported handshake version'],
    ['a hello with a short nonce', () => [encodeFrame(FrameType.hello, encodeValue({ v: HANDSHAKE_VERSION, id: peerKey.id, nonce: new Uint8Array(8), maxMessage: 65536, maxPacket: 65536 }))], 'malformed hello nonce'],
    ['a hello with tiny limits', () => [encodeFrame(FrameType.hello, encodeValue({ v: HANDSHAKE_VERSION, id: peerKey.id, nonce: new Uint8Array(32), maxMessage: 10, maxPacket: 65536 }))], 'malformed hello limits'],
    ['two hellos', () => [helloOf(peerKey), helloOf(peerKey)], 'handshake out of order'],
    ['an auth before the hello', () => [encodeFrame(FrameType.auth, new Uint8Array(64))], 'handshake out of order'],
    ['a ready before the auth', () => [helloOf(peerKey), encodeFrame(FrameType.ready)], 'handshake out of order'],
    ['a garbage signature', () => [helloOf(peerKey), encodeFrame(FrameType.auth, new Uint8Array(7))], 'signature does not verify'],
    ['a packet before the handshake', () => [encodeFrame(FrameType.packet, new Uint8Array(10))], 'protocol error: packet before the handshake completed'],
  ])('refuses a peer that sends %s, without crashing', async (_, messages, reason) => {
    const peer = rawPeer();
    for (const message of messages()) peer.raw.send(message);
    const error = await refusal(peer.link);
    expect(error.code).toBe('denied');
    expect(error.message).toBe(`link refused: ${reason}`);
    expect(peer.log).toContainEqual(expect.objectContaining({ event: 'link.refused', reason, by: 'local' }));
  });

  // Each frame a state does not accept, sent after an honest prefix that reaches that state.
  it.each<[string, (f: Awaited<ReturnType<typeof honestFrames>>) => Uint8Array[]]>([
    ['a ready before any hello', (f) => [f.ready]],
    ['a malformed hello after its hello', (f) => [f.hello, encodeFrame(FrameType.hello, Uint8Array.from([0xff]))]],
    ['a hello after its verified auth', (f) => [f.hello, f.auth, f.hello]],
    ['a second auth', (f) => [f.hello, f.auth, f.auth]],
    ['two readys while the allow policy decides', (f) => [f.hello, f.auth, f.ready, f.ready]],
  ])('refuses as out of order %s', async (_, frames) => {
    const policy = pendingPolicy();
    const peer = rawPeer({ allow: policy.allow });
    for (const frame of frames(await honestFrames(peer))) peer.raw.send(frame);
    expect(await refusal(peer.link)).toMatchObject({ code: 'denied', message: 'link refused: handshake out of order' });
    expect(peer.log).toEqual([expect.objectContaining({ event: 'link.refused', reason: 'handshake out of order', by: 'local' })]);
    expect(new TextDecoder().decode(await peer.frame(FrameType.close))).toBe('denied: handshake out of order');
    expect(peer.clock.pending).toBe(0);
  });

  it('survives 500 random handshake messages, each refused or timed out', async () => {
    let seed = 7;
    const random = () => ((seed = Math.imul(seed ^ (seed >>> 15), 2246822519) + 0x6d2b79f5) >>> 0) / 2 ** 32;
    const types = Object.values(FrameType);
    const outcomes = new Set<string>();
    for (let round = 0; round < 500; round++) {
      const peer = rawPeer({ handshakeTimeout: 50 });
      const length = Math.floor(random() * 80);
      const message = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      // Half the rounds carry a well-formed frame header around random content.
      if (length >= 5 && random() < 0.5) {
        message[0] = types[Math.floor(random() * types.length)]!;
        new DataView(message.buffer).setUint32(1, length - 5);
      }
      if (length > 0) peer.raw.send(message);
      // The message arrives before the clock moves; whatever it did not settle, the timeout does.
      await peer.clock.advance(50);
      outcomes.add((await refusal(peer.link)).code);
    }
    expect([...outcomes].every((code) => code === 'denied' || code === 'timeout')).toBe(true);
  }, 20_000);

  it('gives up with timeout when the peer stays silent, at the timeout and not before', async () => {
    const peer = rawPeer({ handshakeTimeout: 100 });
    await peer.clock.advance(99);
    expect(peer.settled()).toBe('pending');
    await peer.clock.advance(1);
    expect(await refusal(peer.link)).toMatchObject({ code: 'timeout', message: 'handshake timeout' });
    expect(peer.log).toEqual([{ event: 'link.failed', kind: 'memory', reason: 'handshake timeout' }]);
    expect(new TextDecoder().decode(await peer.frame(FrameType.close))).toBe('handshake timeout');
  });

  it('times the handshake from its start on the clock it is given, by default 5 s', async () => {
    const peer = rawPeer();
    await peer.clock.advance(4999);
    expect(peer.settled()).toBe('pending');
    await peer.clock.advance(1);
    expect(await refusal(peer.link)).toMatchObject({ code: 'timeout' });
  });

  it('fails with noconnection when the channel closes during the handshake', async () => {
    const peer = rawPeer();
    await peer.frame(FrameType.hello);
    peer.raw.close();
    expect(await refusal(peer.link)).toMatchObject({ code: 'noconnection' });
  });

  it('fails with crashed, and closes the channel, when our own signer throws', async () => {
    const [alice, bob] = [createIdentity(), createIdentity()];
    const broken: NodeIdentity = { ...alice, sign: () => { throw new Error('key store locked'); } };
    const { a, b, logs } = handshake([broken, bob]);
    expect(await refusal(a)).toMatchObject({ code: 'crashed', message: 'handshake failed: key store locked' });
    expect(logs[0]).toEqual([{ event: 'link.failed', kind: 'memory', reason: 'handshake failed: key store locked' }]);
    expect(await refusal(b)).toMatchObject({ code: 'denied', message: 'peer refused the link: handshake failed: key store locked' });
  });

  it('rejects a channel whose messages are too small to frame', async () => {
    const [channel] = memoryChannelPair({ maxMessageSize: 512 });
    expect(await refusal(openLink(channel, createIdentity()))).toMatchObject({ code: 'badarg' });
  });
});

describe('device certificates in the handshake', () => {
  const NOW = Date.UTC(2026, 11, 5);
  const user = createIdentity();
  const [laptop, phone] = [createIdentity(), createIdentity()];
  const certify = (node: NodeIdentity, expires = NOW + 86_400_000) =>
    issueCertificate({ user: user.id, node: node.id, name: node === laptop ? 'laptop' : 'phone', roles: ['member'], issued: expires - 2 * 86_400_000, expires }, user);
  const at = { wallClock: () => NOW };

  test('each side learns the device the other presents, and the allow policy sees it', async () => {
    const seen: unknown[] = [];
    const { a, b } = handshake(
      [laptop, phone],
      [
        { ...at, certificate: certify(laptop), allow: (_id, device) => (seen.push(device), true) },
        { ...at, certificate: certify(phone) },
      ],
    );
    const [linkA, linkB] = await within(Promise.all([a, b]), 3000);
    expect(linkA.device).toMatchObject({ user: user.id, node: phone.id, name: 'phone', roles: ['member'] });
    expect(linkB.device).toMatchObject({ user: user.id, node: laptop.id, name: 'laptop' });
    expect(seen).toEqual([linkA.device]);
    linkA.close();
  });

  test('a node without a certificate is a node of no user', async () => {
    const { a, b } = handshake([laptop, phone], [{ ...at, certificate: certify(laptop) }, at]);
    const [linkA] = await within(Promise.all([a, b]), 3000);
    expect(linkA.device).toBeUndefined();
    linkA.close();
  });

  test.each([
    ['another node’s certificate', () => certify(laptop), 'the certificate is for another node'],
    ['an expired certificate', () => certify(phone, NOW - 1), 'certificate expired'],
  ])('refuses a peer presenting %s', async (_what, certificate, reason) => {
    const { a, b, logs } = handshake([laptop, phone], [at, { ...at, certificate: certificate() }]);
    const error = await refusal(a);
    expect(error.message).toBe(`link refused: certificate refused: ${reason}`);
    await refusal(b);
    expect(logs[0]).toContainEqual(expect.objectContaining({ event: 'link.refused', reason: `certificate refused: ${reason}`, claimed: phone.id }));
  });
});
