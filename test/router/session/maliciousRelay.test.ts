/**
 * Issue 13's malicious relay: A—R—C, real meshes, where R is built from the library and its
 * links to A and C are tapped. R records, flips bits in, replays, reorders and drops the packets
 * it forwards, and forges packets of its own: it learns no plaintext, every change is detected
 * and counted, replays are refused, and the endpoints get typed errors (or their timeout),
 * never a hang.
 */
import * as v from 'valibot';
import { lastValueFrom, toArray } from 'rxjs';
import { cast, defineInterface, method, stream, type GlowError } from '../../../src/index.js';
import type { Mesh } from '../../../src/actors/mesh.js';
import { encodeValue } from '../../../src/firefly/codec.js';
import { DEFAULT_HOP_LIMIT, encodePacket, PacketKind, PROTOCOL_VERSION, SEALED, type Packet } from '../../../src/firefly/packet.js';
import { Initiation } from '../../../src/router/session/noise.js';
import { SessionMessage, sessionBody } from '../../../src/router/session/wire.js';
import { ciphers, dhPublicOfIdentity, dhSecretOfIdentity } from '../../../src/transport/ciphers.js';
import { publicKeyOf } from '../../../src/transport/identity.js';
import { rejection } from '../../actors/helpers.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { contains, flipBit, headerOf, isSealedBetween, isSessionBetween, link, useMeshes, type TappedLink } from './relayMesh.js';

/** Markers in method names and in bodies: none may appear in what the relay sees. */
const NAME_MARK = 'Zebraquokka';
const BODY_MARK = 'platypus-secret';

const Marked = defineInterface('test.Marked/1', {
  callZebraquokka: method(v.object({ text: v.string() }), v.string()),
  castZebraquokka: cast(v.object({ text: v.string() })),
  streamZebraquokka: stream(v.object({ text: v.string(), count: v.number() }), v.string()),
});

/** A call's timeout where a test expects it to time out. */
const SHORT = 600;

const newMesh = useMeshes();

/** A—R—C with R's two link ends tapped; C serves `Marked` and remembers what its handlers saw. */
async function relayLine(router: { seal?: boolean } = {}, whenLinked?: (toA: TappedLink, toC: TappedLink, a: Mesh, c: Mesh) => void) {
  const [a, r, c] = [newMesh({ router }), newMesh({ router }), newMesh({ router })];
  const toA = link(a, r).atB;
  const toC = link(r, c).atA;
  // Before the routes are up: the nodes talk as soon as they can reach each other.
  whenLinked?.(toA, toC, a, c);
  await waitFor(() => a.router.route(c.id)?.nextHop === r.id && c.router.route(a.id)?.nextHop === r.id, 5000, 'routes A↔C through R');
  const seen = { calls: [] as string[], casts: [] as string[] };
  const resource = c.node.spawnResource({
    iface: Marked,
    handlers: {
      callZebraquokka: ({ text }) => {
        seen.calls.push(text);
        return `echo ${text}`;
      },
      castZebraquokka: ({ text }) => {
        seen.casts.push(text);
      },
      streamZebraquokka: async function* ({ text, count }) {
        for (let i = 0; i < count; i++) yield `${text} #${i}`;
      },
    },
  });
  const ref = a.node.ref(resource.id, Marked);
  return { a, r, c, toA, toC, seen, ref, resource };
}

type Line = Awaited<ReturnType<typeof relayLine>>;

/** Opens the session with a first call, so that what follows is sealed traffic. */
async function warm(line: Line): Promise<void> {
  await expect(within(line.ref.call('callZebraquokka', { text: 'warm-up' }))).resolves.toBe('echo warm-up');
}

/**
 * Applies `change` to the next packet R sends on `tap` that `match`es; everything else passes.
 * Returns what was matched (the original bytes), once it was.
 */
function onNext(tap: TappedLink, match: (packet: Packet | undefined) => boolean, change: (bytes: Uint8Array, packet: Packet) => Uint8Array[]) {
  const hit: { original?: Uint8Array } = {};
  tap.mangle = (bytes, packet) => {
    if (hit.original || !match(packet)) return [bytes];
    hit.original = bytes;
    return change(bytes, packet!);
  };
  return hit;
}

/** The sealed packets R carried from `from` to `to` whose kind (before sealing) is `kind`. */
function sealedOf(tap: TappedLink, from: Mesh, to: Mesh, kind: number): Uint8Array[] {
  return tap.recorded.filter((bytes) => {
    const packet = headerOf(bytes);
    return isSealedBetween(packet, from.id, to.id) && packet.kind === (kind | SEALED);
  });
}

/** Where a packet's body starts in its encoding (the body is its last field). */
function bodyStart(bytes: Uint8Array): number {
  return bytes.length - headerOf(bytes)!.body.length;
}

describe('what R sees', () => {
  async function traffic(line: Line): Promise<Uint8Array[]> {
    const { ref, seen } = line;
    await expect(within(ref.call('callZebraquokka', { text: `${BODY_MARK} call` }))).resolves.toBe(`echo ${BODY_MARK} call`);
    for (let i = 0; i < 3; i++) ref.cast('castZebraquokka', { text: `${BODY_MARK} cast ${i}` });
    const items = await within(lastValueFrom(ref.stream('streamZebraquokka', { text: BODY_MARK, count: 5 }).pipe(toArray())));
    expect(items).toEqual([0, 1, 2, 3, 4].map((i) => `${BODY_MARK} #${i}`));
    await waitFor(() => seen.casts.length === 3, 2000, 'the casts to reach C');
    return [...line.toA.recorded, ...line.toC.recorded];
  }

  it('with sealing: headers and ciphertext only, no marker in any byte, nothing between A and C in the clear', async () => {
    const line = await relayLine();
    const recorded = await traffic(line);
    const { a, c } = line;
    const between = recorded.map(headerOf).filter((packet) => packet && [a.id, c.id].includes(packet.src.node) && [a.id, c.id].includes(packet.dst.node));
    // A call, its reply, three casts, a stream's open, credit, items and end, handshakes: all seen, all sealed or session messages.
    expect(between.length).toBeGreaterThan(10);
    expect(between.every((packet) => packet!.kind === PacketKind.session || (packet!.kind & SEALED) !== 0)).toBe(true);
    expect(between.every((packet) => packet!.method === '')).toBe(true);
    expect(recorded.filter((bytes) => contains(bytes, NAME_MARK) || contains(bytes, BODY_MARK))).toHaveLength(0);
  });

  it('without sealing (the control): the same traffic shows the markers, so the search above can fail', async () => {
    const line = await relayLine({ seal: false });
    const recorded = await traffic(line);
    expect(recorded.filter((bytes) => contains(bytes, NAME_MARK)).length).toBeGreaterThan(0);
    expect(recorded.filter((bytes) => contains(bytes, BODY_MARK)).length).toBeGreaterThan(0);
  });
});

describe('a bit flipped in a sealed body', () => {
  it('fails the call at once with badpacket (C says tampered), and the handler never runs', async () => {
    const line = await relayLine();
    const { c, ref, seen, toC, a } = line;
    await warm(line);
    // One bit in the counter, in the ciphertext (method and arguments), and in the tag.
    for (const where of ['counter', 'ciphertext', 'tag'] as const) {
      const before = c.router.stats;
      const hit = onNext(
        toC,
        (packet) => isSealedBetween(packet, a.id, c.id) && packet.kind === (PacketKind.call | SEALED),
        (bytes, packet) => {
          const start = bodyStart(bytes);
          const offset = where === 'counter' ? 11 : where === 'ciphertext' ? 14 : packet.body.length - 3;
          return [flipBit(bytes, (start + offset) * 8 + 5)];
        },
      );
      const error = await rejection(ref.call('callZebraquokka', { text: `flipped ${where}` }, { timeout: 3000 }), 1000);
      expect(hit.original).toBeDefined();
      expect([error.code, (error.details as { reason?: string }).reason]).toEqual(['badpacket', 'tampered']);
      const after = c.router.stats;
      expect(after.dropped.tampered - before.dropped.tampered).toBe(1);
      expect(after.sessions!.tampered - before.sessions!.tampered).toBe(1);
    }
    expect(seen.calls).toEqual(['warm-up']);
    // The session is unharmed: the next call goes through.
    toC.mangle = undefined;
    await expect(within(ref.call('callZebraquokka', { text: 'clean' }))).resolves.toBe('echo clean');
  });

  it('anywhere in the body: every flip is refused (tampered, or nosession for a flipped receiver index), none opens', async () => {
    const line = await relayLine();
    const { a, c, ref, seen, toC } = line;
    await warm(line);
    ref.cast('castZebraquokka', { text: 'original' });
    await waitFor(() => seen.casts.length === 1, 2000, 'the cast to reach C');
    const [original] = sealedOf(toC, a, c, PacketKind.cast);
    const start = bodyStart(original!);
    const before = c.router.stats;
    const bits = (original!.length - start) * 8;
    for (let bit = start * 8; bit < original!.length * 8; bit++) toC.inject(flipBit(original!, bit));
    // A call after the flips travels the same link behind them: once it is answered, C has read them all.
    await expect(within(ref.call('callZebraquokka', { text: 'after' }))).resolves.toBe('echo after');
    const after = c.router.stats;
    expect(after.dropped.nosession - before.dropped.nosession).toBe(32);
    expect(after.dropped.tampered - before.dropped.tampered).toBe(bits - 32);
    expect(seen.casts).toEqual(['original']);
  });
});

describe('a changed header', () => {
  const changes: [string, (packet: Packet) => Packet][] = [
    ['the kind (call made a cast)', (packet) => ({ ...packet, kind: (PacketKind.cast | SEALED) as Packet['kind'] })],
    ['the correlation id', (packet) => ({ ...packet, corr: packet.corr + 1 })],
    ['the source resource', (packet) => ({ ...packet, src: { ...packet.src, local: `${packet.src.local}x` } })],
    ['the destination resource', (packet) => ({ ...packet, dst: { ...packet.dst, local: `${packet.dst.local}x` } })],
    ['the method (sealed packets carry none in the clear)', (packet) => ({ ...packet, method: 'callZebraquokka' })],
  ];

  it.each(changes)('%s: C drops it as tampered, the call fails (badpacket or timeout), the handler never runs', async (_, change) => {
    const line = await relayLine();
    const { a, c, ref, seen, toC } = line;
    await warm(line);
    const before = c.router.stats.dropped.tampered;
    onNext(
      toC,
      (packet) => isSealedBetween(packet, a.id, c.id) && packet.kind === (PacketKind.call | SEALED),
      (_bytes, packet) => [encodePacket(change(packet))],
    );
    const started = performance.now();
    const error: GlowError = await rejection(ref.call('callZebraquokka', { text: 'header' }, { timeout: SHORT }), SHORT + 1000);
    expect(['badpacket', 'timeout']).toContain(error.code);
    expect(performance.now() - started).toBeLessThan(SHORT + 500);
    await waitFor(() => c.router.stats.dropped.tampered === before + 1, 1000, 'C to count the tampered packet');
    expect(seen.calls).toEqual(['warm-up']);
  });

  it('but the hop count, which relays must change, is not authenticated: a lower hop count still opens', async () => {
    const line = await relayLine();
    const { a, c, ref, seen, toC } = line;
    await warm(line);
    const hit = onNext(
      toC,
      (packet) => isSealedBetween(packet, a.id, c.id),
      (_bytes, packet) => [encodePacket(packet, packet.hop - 7)],
    );
    await expect(within(ref.call('callZebraquokka', { text: 'hops' }))).resolves.toBe('echo hops');
    expect(hit.original).toBeDefined();
    expect(seen.calls).toEqual(['warm-up', 'hops']);
  });

  it('any single bit flipped outside the hop count and the body: nothing is delivered', async () => {
    const line = await relayLine();
    const { a, c, ref, seen, toC } = line;
    await warm(line);
    ref.cast('castZebraquokka', { text: 'original' });
    await waitFor(() => seen.casts.length === 1, 2000, 'the cast to reach C');
    const [original] = sealedOf(toC, a, c, PacketKind.cast);
    const packet = headerOf(original!)!;
    // The hop count's byte: where the encodings of two hop counts differ.
    const other = encodePacket(packet, packet.hop ^ 1);
    const hopByte = original!.findIndex((byte, i) => byte !== other[i]);
    const before = c.router.stats;
    let flips = 0;
    for (let bit = 0; bit < bodyStart(original!) * 8; bit++) {
      if (bit >> 3 === hopByte) continue;
      toC.inject(flipBit(original!, bit));
      flips++;
    }
    await expect(within(ref.call('callZebraquokka', { text: 'after' }))).resolves.toBe('echo after');
    const after = c.router.stats;
    expect(seen.casts).toEqual(['original']);
    // Every flip was dropped or sent on (a changed destination): none reached C's node.
    expect(after.delivered - before.delivered).toBe(1);
    const drops = (Object.keys(after.dropped) as (keyof typeof after.dropped)[]).reduce((sum, reason) => sum + after.dropped[reason] - before.dropped[reason], 0);
    expect(drops + after.forwarded - before.forwarded).toBeGreaterThanOrEqual(flips);
    expect(after.dropped.tampered - before.dropped.tampered).toBeGreaterThan(0);
  });
});

describe('replays', () => {
  it('of a sealed call, a sealed cast and a sealed reply are refused; each handler ran once', async () => {
    const line = await relayLine();
    const { a, c, ref, seen, toA, toC } = line;
    await warm(line);
    ref.cast('castZebraquokka', { text: 'once' });
    await waitFor(() => seen.casts.length === 1, 2000, 'the cast to reach C');
    const [call] = sealedOf(toC, a, c, PacketKind.call);
    const [castBytes] = sealedOf(toC, a, c, PacketKind.cast);
    const [reply] = sealedOf(toA, c, a, PacketKind.reply);
    const [cBefore, aBefore] = [c.router.stats, a.router.stats];
    for (let i = 0; i < 3; i++) {
      toC.inject(call!);
      toC.inject(castBytes!);
      toA.inject(reply!);
    }
    await waitFor(() => c.router.stats.dropped.replayed - cBefore.dropped.replayed === 6, 1000, 'C to refuse six replays');
    await waitFor(() => a.router.stats.dropped.replayed - aBefore.dropped.replayed === 3, 1000, 'A to refuse three replays');
    expect(c.router.stats.sessions!.replayed - cBefore.sessions!.replayed).toBe(6);
    expect(seen).toEqual({ calls: ['warm-up'], casts: ['once'] });
    await expect(within(ref.call('callZebraquokka', { text: 'still fine' }))).resolves.toBe('echo still fine');
  });

  it('of a first handshake message is refused: C answers no old initiation twice', async () => {
    const line = await relayLine();
    const { a, c, toC } = line;
    await warm(line);
    const initiation = toC.recorded.find((bytes) => {
      const packet = headerOf(bytes);
      return isSessionBetween(packet, a.id, c.id) && packet.body[0] === SessionMessage.initiation;
    });
    expect(initiation).toBeDefined();
    const before = c.router.stats;
    toC.inject(initiation!);
    await waitFor(() => c.router.stats.dropped.replayed === before.dropped.replayed + 1, 1000, 'C to refuse the replayed initiation');
    expect(c.router.stats.sessions!.responses).toBe(before.sessions!.responses);
  });
});

describe('reordering and dropping', () => {
  it('casts released in reverse order within the window are all accepted, each once', async () => {
    const line = await relayLine();
    const { a, c, ref, seen, toC } = line;
    await warm(line);
    const held: Uint8Array[] = [];
    toC.mangle = (bytes, packet) => {
      if (!isSealedBetween(packet, a.id, c.id)) return [bytes];
      held.push(bytes);
      return [];
    };
    const texts = Array.from({ length: 20 }, (_, i) => `cast ${i}`);
    for (const text of texts) ref.cast('castZebraquokka', { text });
    await waitFor(() => held.length === texts.length, 1000, 'R to hold the casts');
    toC.mangle = undefined;
    for (const bytes of held.reverse()) toC.inject(bytes);
    await waitFor(() => seen.casts.length === texts.length, 1000, 'every cast to reach C');
    expect(seen.casts).toEqual([...texts].reverse());
    expect(c.router.stats.dropped.replayed).toBe(0);
    expect(c.router.stats.dropped.tampered).toBe(0);
  });

  it('calls whose packets R drops, either way, time out; the session serves again once R stops', async () => {
    const line = await relayLine();
    const { a, c, ref, seen, toA, toC } = line;
    await warm(line);
    toC.mangle = (bytes, packet) => (isSealedBetween(packet, a.id, c.id) ? [] : [bytes]);
    const lost = await rejection(ref.call('callZebraquokka', { text: 'lost on the way' }, { timeout: SHORT }), SHORT + 1000);
    expect(lost.code).toBe('timeout');
    toC.mangle = undefined;
    toA.mangle = (bytes, packet) => (isSealedBetween(packet, c.id, a.id) ? [] : [bytes]);
    const unanswered = await rejection(ref.call('callZebraquokka', { text: 'reply lost' }, { timeout: SHORT }), SHORT + 1000);
    expect(unanswered.code).toBe('timeout');
    expect(seen.calls).toEqual(['warm-up', 'reply lost']);
    toA.mangle = undefined;
    await expect(within(ref.call('callZebraquokka', { text: 'again' }))).resolves.toBe('echo again');
  });

  it('a first call whose handshake R swallows times out; it is opened once R lets it through', async () => {
    const line = await relayLine({}, (_toA, toC, a, c) => {
      toC.mangle = (bytes, packet) => (isSessionBetween(packet, a.id, c.id) ? [] : [bytes]);
    });
    const { a, ref, seen, toC } = line;
    const error = await rejection(ref.call('callZebraquokka', { text: 'never opened' }, { timeout: SHORT }), SHORT + 1000);
    expect(error.code).toBe('timeout');
    expect(a.router.stats.sessions!.initiations).toBeGreaterThanOrEqual(1);
    expect(seen.calls).toEqual([]);
    toC.mangle = undefined;
    await expect(within(ref.call('callZebraquokka', { text: 'opened' }, { timeout: 3000 }), 3500)).resolves.toBe('echo opened');
  });
});

describe('a forged source', () => {
  /** A call from "A" to C's resource, as R makes it. */
  function forgedCall(line: Line, kind: number, body: Uint8Array, method = 'callZebraquokka'): Uint8Array {
    return encodePacket({
      version: PROTOCOL_VERSION,
      kind: kind as Packet['kind'],
      src: { node: line.a.id, local: 'forger' },
      dst: line.resource.id,
      hop: DEFAULT_HOP_LIMIT,
      corr: 4242,
      method,
      body,
    });
  }

  it('in the clear, from R or from another neighbour of C, is refused as unsealed', async () => {
    const line = await relayLine();
    const { c, seen, toC } = line;
    await warm(line);
    const x = newMesh();
    const xc = link(x, c);
    await waitFor(() => c.router.neighbours().some((neighbour) => neighbour.node === x.id), 2000, 'X linked to C');
    const before = c.router.stats.dropped.unsealed;
    const forged = forgedCall(line, PacketKind.call, encodeValue({ text: 'forged' }));
    toC.inject(forged);
    xc.atA.inject(forged);
    await waitFor(() => c.router.stats.dropped.unsealed === before + 2, 1000, 'C to refuse both');
    expect(seen.calls).toEqual(['warm-up']);
  });

  it('sealed-looking, with a made-up envelope or a real one moved to another sender, is refused (nosession, forged)', async () => {
    const line = await relayLine();
    const { a, c, r, seen, toC } = line;
    await warm(line);
    const before = c.router.stats.dropped;
    // Garbage behind a made-up receiver index.
    const envelope = new Uint8Array(60);
    new DataView(envelope.buffer).setUint32(0, 0xdeadbeef);
    envelope[11] = 1;
    toC.inject(forgedCall(line, PacketKind.call | SEALED, envelope, ''));
    // A real sealed packet of A, claimed by R: its session is A's, so it is not R's to send.
    const [real] = sealedOf(toC, a, c, PacketKind.call);
    const packet = headerOf(real!)!;
    toC.inject(encodePacket({ ...packet, src: { ...packet.src, node: r.id } }));
    await waitFor(() => c.router.stats.dropped.forged === before.forged + 1 && c.router.stats.dropped.nosession === before.nosession + 1, 1000, 'C to refuse both');
    expect(seen.calls).toEqual(['warm-up']);
  });

  it("in a handshake: R's own first message claiming to be A is refused as forged, and opens no session", async () => {
    const line = await relayLine();
    const { a, c, r, toC } = line;
    await warm(line);
    const secret = dhSecretOfIdentity(r.identity.secretKey);
    const payload = new Uint8Array(8);
    new DataView(payload.buffer).setFloat64(0, Date.now() + 60_000);
    const initiation = Initiation.start(
      new TextEncoder().encode('glow session v1'),
      { secret, public: ciphers().dhPublic(secret) },
      dhPublicOfIdentity(publicKeyOf(c.id)!)!,
      payload,
    )!;
    const before = c.router.stats;
    toC.inject(
      encodePacket({
        version: PROTOCOL_VERSION,
        kind: PacketKind.session,
        src: { node: a.id, local: 'session' },
        dst: { node: c.id, local: 'session' },
        hop: DEFAULT_HOP_LIMIT,
        corr: 0,
        method: '',
        body: sessionBody(SessionMessage.initiation, [7], initiation.message),
      }),
    );
    await waitFor(() => c.router.stats.dropped.forged === before.dropped.forged + 1, 1000, 'C to refuse the forged initiation');
    expect(c.router.stats.sessions!.responses).toBe(before.sessions!.responses);
  });
});
