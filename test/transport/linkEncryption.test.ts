/**
 * Encrypted links (src/transport/linkSeal.ts, linkKeys.ts): what a party on the path between two
 * ends can do. It reads nothing; every change it makes to a sealed message (a flipped bit, a
 * replay, a reordering, a drop, a cut) closes the link with a typed reason and is counted; it
 * cannot put its own key in the middle, strip encryption, or splice two channels.
 */
import { encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import { ciphers, randomDhSecret } from '../../src/transport/ciphers.js';
import type { Channel } from '../../src/transport/channel.js';
import type { FramedLink } from '../../src/transport/framedLink.js';
import { FrameType, encodeFrame, parseFrames } from '../../src/transport/frames.js';
import { HANDSHAKE_VERSION, decodeHello } from '../../src/transport/handshake.js';
import { createIdentity } from '../../src/transport/identity.js';
import { memoryChannelPair } from '../../src/transport/memoryChannel.js';
import { openLink, type OpenLinkOptions } from '../../src/transport/openLink.js';
import { waitFor, within } from '../helpers/waitFor.js';
import { onPath } from './fixtures/onPath.js';
import { nextClose, patterned, receive } from './helpers.js';

const ENCRYPTED: OpenLinkOptions = { encryption: true };
const utf8 = new TextEncoder();
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Opens a link on each channel; both settle within 3 s. */
function linkUp(a: Channel, b: Channel, options: [OpenLinkOptions, OpenLinkOptions] = [ENCRYPTED, ENCRYPTED]) {
  const opened = [openLink(a, createIdentity(), options[0]), openLink(b, createIdentity(), options[1])] as const;
  const settled = within(Promise.allSettled(opened), 3000, 'handshake did not settle');
  return { opened, settled };
}

/** Both ends' refusals (fails the test if either link opened). */
async function refusals(a: Channel, b: Channel, options?: [OpenLinkOptions, OpenLinkOptions]): Promise<string[]> {
  const results = await linkUp(a, b, options).settled;
  return results.map((result) => {
    if (result.status === 'fulfilled') throw new Error('a link opened');
    expect(result.reason).toBeInstanceOf(GlowError);
    return (result.reason as GlowError).message;
  });
}

/** Two open encrypted links joined by a party on the path whose hook acts once `armed` (after the handshake). */
async function linkedThrough(act: (message: Uint8Array, index: number) => Uint8Array[]) {
  let armed = false;
  let index = 0;
  const seen: Uint8Array[] = [];
  const { a, b } = onPath((from, message) => {
    seen.push(message.slice());
    return armed && from === 'a' ? act(message, index++) : [message];
  });
  // No heartbeat during the test: the messages the hook acts on are the test's packets.
  const quiet: OpenLinkOptions = { ...ENCRYPTED, heartbeatInterval: 60_000, heartbeatTimeout: 120_000 };
  const { opened } = linkUp(a, b, [quiet, quiet]);
  const [linkA, linkB] = await within(Promise.all(opened), 3000);
  // Each end pings once as it opens; once both pongs are back, A's next messages are the test's.
  await waitFor(() => linkA.rtt !== undefined && linkB.rtt !== undefined, 2000, 'the first pongs');
  armed = true;
  return { linkA, linkB, seen };
}

/** Replaces the ephemeral key in a hello message (index 0 of each end) with what `replace` gives. */
function rewriteHello(message: Uint8Array, replace: (eph: Uint8Array) => Uint8Array | undefined): Uint8Array {
  let payload: Uint8Array | undefined;
  parseFrames(message, (type, body) => ((payload = type === FrameType.hello ? body : undefined), false));
  const hello = payload && decodeHello(payload);
  if (!hello || typeof hello === 'string') return message;
  const { eph, ...rest } = hello;
  const swapped = eph && replace(eph);
  return encodeFrame(FrameType.hello, encodeValue({ v: HANDSHAKE_VERSION, ...rest, ...(swapped ? { eph: swapped } : {}) }));
}

const contains = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).includes(Buffer.from(needle));

describe('encrypted links', () => {
  it('carry packets, heartbeats and the close reason sealed: the party on the path sees none of their bytes', async () => {
    const { linkA, linkB, seen } = await linkedThrough((message) => [message]);
    expect([linkA.encrypted, linkB.encrypted]).toEqual([true, true]);
    const marker = utf8.encode('a secret the relay must not read');
    const packets = [0, 1, 2].map((seed) => {
      const packet = patterned(seed, 3000);
      packet.set(marker, 100);
      return packet;
    });
    const arriving = receive(linkB, packets.length);
    for (const packet of packets) linkA.send(packet);
    expect(await arriving).toEqual(packets);
    const closed = nextClose(linkB);
    linkA.close('goodbye, a secret the relay must not read');
    expect(await closed).toEqual({ reason: 'goodbye, a secret the relay must not read', by: 'remote' });
    expect(seen.length).toBeGreaterThan(6);
    expect(seen.filter((message) => contains(message, marker))).toEqual([]);
    expect(linkB.stats.tampered).toBe(0);
  });

  const first = (change: (message: Uint8Array) => Uint8Array[]) => (message: Uint8Array, index: number) => (index === 0 ? change(message) : [message]);
  let held: Uint8Array | undefined;
  it.each<[string, (message: Uint8Array, index: number) => Uint8Array[], string]>([
    ['a flipped bit in the ciphertext', first((m) => [Uint8Array.from(m, (byte, i) => (i === m.length - 20 ? byte ^ 1 : byte))]), 'does not authenticate'],
    ['a flipped bit in the tag', first((m) => [Uint8Array.from(m, (byte, i) => (i === m.length - 1 ? byte ^ 0x80 : byte))]), 'does not authenticate'],
    ['a changed counter', first((m) => [Uint8Array.from(m, (byte, i) => (i === 7 ? byte ^ 1 : byte))]), 'a message is missing before it'],
    ['a replay', first((m) => [m, m]), 'replayed'],
    ['a dropped message', first(() => []), 'a message is missing before it'],
    ['a reordering', (m, index) => (index === 0 ? ((held = m), []) : index === 1 ? [m, held!] : [m]), 'a message is missing before it'],
    ['a message cut to its counter', first((m) => [m.subarray(0, 10)]), 'truncated'],
    ['a message cut short of its tag', first((m) => [m.subarray(0, m.length - 3)]), 'does not authenticate'],
  ])('close on %s with a typed reason, counted, without throwing', async (_, act, why) => {
    const { linkA, linkB } = await linkedThrough(act);
    const delivered: number[] = [];
    linkB.onPacket((packet) => delivered.push(packet[3]!));
    const closedA = nextClose(linkA);
    const closedB = nextClose(linkB);
    // Two packets in two messages: the hook acts on the first or both.
    linkA.send(patterned(0, 200));
    await turn();
    linkA.send(patterned(1, 200));
    const reason = `sealed message refused: ${why}`;
    expect(await closedB).toEqual({ reason, by: 'transport' });
    expect(linkB.stats.tampered).toBe(1);
    // B tells A why, sealed; A opens it.
    expect(await closedA).toEqual({ reason, by: 'remote' });
    // Nothing that did not open was delivered, and nothing after it.
    expect(delivered).toEqual(why === 'replayed' ? [0] : []);
  });

  it('refuse a splice: two channels with different bindings never complete', async () => {
    const [a, b] = memoryChannelPair({ binding: ['fingerprints A saw', 'fingerprints B saw'] });
    expect(await refusals(a, b)).toEqual([expect.stringMatching(/signature does not verify/), expect.stringMatching(/signature does not verify/)]);
  });

  it('refuse a relay that puts its own ephemeral key in both hellos (it would read everything)', async () => {
    const relayKey = ciphers().dhPublic(randomDhSecret());
    const { a, b } = onPath((_, message, index) => [index === 0 ? rewriteHello(message, () => relayKey) : message]);
    expect(await refusals(a, b)).toEqual([expect.stringMatching(/signature does not verify/), expect.stringMatching(/signature does not verify/)]);
  });

  it('refuse a relay that strips the ephemeral keys to downgrade the link to clear', async () => {
    const { a, b } = onPath((_, message, index) => [index === 0 ? rewriteHello(message, () => undefined) : message]);
    expect(await refusals(a, b)).toEqual([
      'link refused: peer does not encrypt the link',
      expect.stringMatching(/^(link refused|peer refused the link: denied): peer does not encrypt the link$/),
    ]);
  });

  it('refuse a low-order ephemeral key (its shared secret is known to all)', async () => {
    const { a, b } = onPath((from, message, index) => [from === 'a' && index === 0 ? rewriteHello(message, () => new Uint8Array(32)) : message]);
    expect(await refusals(a, b)).toEqual(['peer refused the link: denied: bad ephemeral key', 'link refused: bad ephemeral key']);
  });

  it('a side that encrypts refuses a peer configured without encryption, before signing anything for it', async () => {
    const [a, b] = memoryChannelPair();
    const signed: string[] = [];
    const plain = createIdentity();
    const watched = { ...plain, sign: (message: Uint8Array) => (signed.push('plain'), plain.sign(message)) };
    const encrypting = createIdentity();
    const opened = [openLink(a, watched, { encryption: false }), openLink(b, { ...encrypting, sign: (m) => (signed.push('encrypting'), encrypting.sign(m)) }, ENCRYPTED)];
    const [atPlain, atEncrypting] = await within(Promise.allSettled(opened), 3000);
    expect(atEncrypting).toMatchObject({ status: 'rejected', reason: { code: 'denied', message: 'link refused: peer does not encrypt the link' } });
    expect(atPlain).toMatchObject({ status: 'rejected', reason: { code: 'denied' } });
    expect(signed).not.toContain('encrypting');
  });

  it('close on clear frames after the peer’s ready (they would dodge the seal)', async () => {
    const ping = encodeFrame(FrameType.ping, new Uint8Array(8));
    const carriesReady = (message: Uint8Array) => {
      let found = false;
      parseFrames(message, (type) => !(found = type === FrameType.ready));
      return found;
    };
    const { a, b } = onPath((from, message) => {
      if (from !== 'b' || !carriesReady(message)) return [message];
      const longer = new Uint8Array(message.length + ping.length);
      longer.set(message);
      longer.set(ping, message.length);
      return [longer];
    });
    const [atA] = await linkUp(a, b).settled;
    expect(atA).toMatchObject({ status: 'rejected', reason: { code: 'denied', message: 'link refused: protocol error: frames after ready in a clear message' } });
  });

  it('links in clear when both sides turn encryption off (benchmarks), and memory links do by default', async () => {
    for (const options of [[{ encryption: false }, { encryption: false }], [{}, {}]] as [OpenLinkOptions, OpenLinkOptions][]) {
      const [a, b] = memoryChannelPair();
      const links = (await within(Promise.all(linkUp(a, b, options).opened), 3000)) as FramedLink[];
      expect(links.map((link) => link.encrypted)).toEqual([false, false]);
      links[0]!.close();
    }
  });
});
