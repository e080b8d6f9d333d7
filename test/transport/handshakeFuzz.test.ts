/**
 * Fuzzing the link handshake with random and mutated inputs: garbage messages, frames of every
 * type with random payloads, mutated hellos, random CBOR hellos, and a valid hello followed by
 * mutated frames.
 *
 * - 100 000 inputs go through what reads a peer's handshake bytes (the frame receiver, the hello
 *   decoder, the key derivation): each yields a typed result, nothing throws.
 * - 5 000 of them go through a whole `openLink`, encrypting or not: each ends in a typed refusal
 *   (or the test's own close), nothing hangs, every log event is a known kind with a known
 *   reason, and the reasons are counted. (A whole handshake costs ~0.6 ms here, most of it the
 *   state machine's and the error's allocations: 100 000 would take a minute.)
 */
import { encodeValue } from '../../src/firefly/codec.js';
import { GlowError } from '../../src/firefly/errors.js';
import { encodeCertificate, issueCertificate } from '../../src/transport/certificate.js';
import type { Channel } from '../../src/transport/channel.js';
import { ciphers, nobleCiphers, randomDhSecret, useCipherBackend } from '../../src/transport/ciphers.js';
import { MAX_REASON_LENGTH, Refusal } from '../../src/transport/closeReasons.js';
import { FrameType, encodeFrame } from '../../src/transport/frames.js';
import { FrameReceiver } from '../../src/transport/frameReceiver.js';
import { HANDSHAKE_VERSION, decodeHello } from '../../src/transport/handshake.js';
import { deriveLinkKeys } from '../../src/transport/linkKeys.js';
import { createIdentity, nobleSignatures, useSignatureBackend } from '../../src/transport/identity.js';
import type { LinkLogEvent } from '../../src/transport/linkOptions.js';
import { nodeCiphers } from '../../src/transport/nodeCiphers.js';
import { nodeSignatures } from '../../src/transport/nodeSignatures.js';
import { openLink } from '../../src/transport/openLink.js';

const DECODED = 100_000;
const HANDSHAKES = 5_000;
const BATCH = 250;
const SEED = Number(process.env.GLOW_FUZZ_SEED ?? 0x5eed);

// The daemon's backends (glow/node): the fuzz measures the handshake's judgement, not noble's speed.
beforeAll(() => {
  useCipherBackend(nodeCiphers);
  useSignatureBackend(nodeSignatures);
});
afterAll(() => {
  useCipherBackend(nobleCiphers);
  useSignatureBackend(nobleSignatures);
});

/** xorshift32: the same inputs on every run of a seed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, bytes, pick };
}
type Random = ReturnType<typeof random>;

const victim = createIdentity();
const peers = Array.from({ length: 8 }, () => createIdentity());
const user = createIdentity();
const issued = Date.now();
const certs = peers.map((peer) =>
  encodeCertificate(issueCertificate({ user: user.id, node: peer.id, name: 'fuzz', roles: ['member'], issued, expires: issued + 86_400_000 }, user)),
);

// A few real ephemeral keys, picked from: making one per input would cost more than the rest.
const ephemerals = Array.from({ length: 16 }, () => ciphers().dhPublic(randomDhSecret()));

/** A well-formed hello of one of the peers (with an ephemeral key and a certificate, or not). */
function validHello(rng: Random): Record<string, unknown> {
  const index = rng.int(peers.length);
  return {
    v: HANDSHAKE_VERSION,
    id: peers[index]!.id,
    nonce: rng.bytes(32),
    maxMessage: 65536,
    maxPacket: 1 << 20,
    ...(rng.next() < 0.3 ? { cert: certs[index] } : {}),
    ...(rng.next() < 0.8 ? { eph: rng.pick(ephemerals) } : {}),
  };
}

/** Flips, overwrites, cuts or grows `bytes` a few times. */
function mutate(rng: Random, bytes: Uint8Array): Uint8Array {
  let out = bytes.slice();
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const at = rng.int(out.length + 1);
    switch (rng.int(4)) {
      case 0:
        if (at < out.length) out[at]! ^= 1 << rng.int(8);
        break;
      case 1:
        if (at < out.length) out[at] = rng.int(256);
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      default: {
        const grown = new Uint8Array(out.length + 1 + rng.int(8));
        grown.set(out.subarray(0, at));
        grown.set(rng.bytes(grown.length - out.length), at);
        grown.set(out.subarray(at), at + grown.length - out.length);
        out = grown;
      }
    }
  }
  return out;
}

const FIELDS = ['v', 'id', 'nonce', 'maxMessage', 'maxPacket', 'cert', 'eph', 'x'];
/** A random CBOR value of the kinds a hello's fields might be. */
function randomValue(rng: Random, depth = 0): unknown {
  switch (rng.int(depth > 1 ? 5 : 7)) {
    case 0:
      return rng.int(2 ** 32) - 2 ** 16;
    case 1:
      return rng.bytes(rng.pick([0, 8, 31, 32, 33, 64]));
    case 2:
      return rng.pick(['', peers[0]!.id, 'x'.repeat(rng.int(200))]);
    case 3:
      return rng.pick([true, false, null, undefined, 1.5]);
    case 4:
      return HANDSHAKE_VERSION;
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(8) }, () => [rng.pick(FIELDS), randomValue(rng, depth + 1)]));
  }
}

const HANDSHAKE_TYPES = [FrameType.hello, FrameType.auth, FrameType.ready];
const ALL_TYPES = Object.values(FrameType);

/** The messages of one input. */
function input(rng: Random): Uint8Array[] {
  switch (rng.int(6)) {
    case 0:
      return [rng.bytes(rng.int(40))];
    case 1:
      return [encodeFrame(rng.pick(ALL_TYPES), rng.bytes(rng.int(100)))];
    case 2:
      return [encodeFrame(FrameType.hello, mutate(rng, encodeValue(validHello(rng))))];
    case 3:
      return [mutate(rng, encodeFrame(FrameType.hello, encodeValue(validHello(rng))))];
    case 4:
      return [encodeFrame(FrameType.hello, encodeValue(rng.next() < 0.5 ? randomValue(rng) : { ...validHello(rng), [rng.pick(FIELDS)]: randomValue(rng) }))];
    default: {
      // A hello the victim accepts, then what a forger could send next.
      const next = rng.pick([
        () => encodeFrame(FrameType.auth, rng.bytes(rng.pick([0, 63, 64, 65]))),
        () => encodeFrame(rng.pick(HANDSHAKE_TYPES), rng.bytes(rng.int(80))),
        () => mutate(rng, encodeFrame(FrameType.auth, rng.bytes(64))),
        () => rng.bytes(1 + rng.int(60)),
      ]);
      return [encodeFrame(FrameType.hello, encodeValue(validHello(rng))), next(), ...(rng.next() < 0.3 ? [encodeFrame(FrameType.ready)] : [])];
    }
  }
}

/** A channel whose messages the test delivers by hand, synchronously. */
function handChannel(): Channel {
  return {
    kind: 'websocket',
    maxMessageSize: 65536,
    maxSendsPerTurn: Infinity,
    bufferedAmount: 0,
    binding: '',
    send() {},
    close() {},
    onmessage: undefined,
    onclose: undefined,
    ondrain: undefined,
  };
}

const DECODE_REASONS = [
  'malformed hello',
  'unsupported handshake version',
  'hello id is not a node key',
  'malformed hello nonce',
  'malformed hello limits',
  'malformed hello certificate',
  'malformed hello ephemeral key',
];
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const KNOWN = new RegExp(`^(${[...Object.values(Refusal), ...DECODE_REASONS].map(escape).join('|')}|protocol error: .+|certificate refused: .+|fuzz over)$`);

/** Runs one input; resolves with the refusal's reason (the kind of end, for the counters). */
async function run(messages: Uint8Array[], encryption: boolean, log: LinkLogEvent[]): Promise<string> {
  const channel = handChannel();
  const opened = openLink(channel, victim, { encryption, log: (event) => log.push(event) });
  for (const message of messages) channel.onmessage?.(message);
  // Whatever is still waiting for the peer ends here, as a dropped connection would end it.
  channel.onclose?.('fuzz over');
  try {
    await opened;
  } catch (error) {
    if (!(error instanceof GlowError) || !['denied', 'noconnection'].includes(error.code)) throw error;
    if (error.code === 'noconnection') return 'still waiting for the peer';
    return error.message.startsWith('peer refused the link') ? 'closed by the peer' : error.message.replace(/^link refused: /, '');
  }
  throw new Error('a fuzzed handshake opened a link');
}

const VICTIM_EPHEMERAL = randomDhSecret();
const own = { id: victim.id, nonce: new Uint8Array(32), eph: ciphers().dhPublic(VICTIM_EPHEMERAL) };

/** Reads one input as a link in its handshake does, up to the key derivation; returns what came of each frame. */
function decode(messages: Uint8Array[]): string[] {
  const outcomes: string[] = [];
  const receiver = new FrameReceiver(
    { maxMessageSize: 65536, maxPacketBytes: 1 << 20 },
    {
      packet: () => (outcomes.push('packet'), true),
      control: (type, payload) => {
        if (type !== FrameType.hello) return outcomes.push(`frame 0x${type.toString(16)}`) > 0;
        const hello = decodeHello(payload);
        if (typeof hello === 'string') return outcomes.push(hello) > 0;
        const keys = hello.eph && deriveLinkKeys(VICTIM_EPHEMERAL, '', own, hello);
        return outcomes.push(hello.eph ? (keys ? 'keys' : Refusal.badEphemeral) : 'hello in clear') > 0;
      },
    },
  );
  for (const message of messages) {
    const violation = receiver.receive(message);
    if (violation !== undefined) return [...outcomes, `protocol error: ${violation}`];
  }
  return outcomes;
}

test(`${DECODED} random and mutated handshake inputs decode to typed results`, () => {
  const rng = random(SEED);
  const counters = new Map<string, number>();
  for (let n = 0; n < DECODED; n++) {
    for (const outcome of decode(input(rng))) counters.set(outcome, (counters.get(outcome) ?? 0) + 1);
  }
  for (const outcome of counters.keys()) expect(outcome).toMatch(/^(packet|frame 0x[0-9a-f]+|keys|hello in clear|bad ephemeral key|protocol error: .+|malformed hello.*|unsupported handshake version|hello id is not a node key)$/);
  for (const outcome of ['keys', 'hello in clear', 'malformed hello', 'malformed hello ephemeral key', 'unsupported handshake version', 'hello id is not a node key', 'frame 0x11']) {
    expect(counters.get(outcome)).toBeGreaterThan(0);
  }
  expect([...counters.keys()].filter((key) => key.startsWith('protocol error')).length).toBeGreaterThan(3);
});

test(`${HANDSHAKES} random and mutated handshake inputs end in typed refusals and counters only`, async () => {
  const rng = random(SEED + 1);
  const counters = new Map<string, number>();
  const log: LinkLogEvent[] = [];
  for (let done = 0; done < HANDSHAKES; done += BATCH) {
    const batch = Array.from({ length: BATCH }, () => run(input(rng), rng.next() < 0.8, log));
    for (const reason of await Promise.all(batch)) counters.set(reason, (counters.get(reason) ?? 0) + 1);
    for (const event of log.splice(0)) {
      expect(['link.refused', 'link.malformed', 'link.failed']).toContain(event.event);
      const { reason, by } = event as { reason: string; by?: string };
      // A close frame's reason is the peer's own text, cut to length; every other is ours, and typed.
      if (by === 'remote') expect(reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
      else expect(reason).toMatch(KNOWN);
    }
  }
  expect([...counters.values()].reduce((a, b) => a + b, 0)).toBe(HANDSHAKES);
  // The inputs reach every stage: framing, hello decoding, the hello's checks, the signature.
  for (const reason of ['protocol error', 'malformed hello', Refusal.noEncryption, Refusal.badSignature, Refusal.outOfOrder, 'still waiting for the peer']) {
    expect([...counters.keys()].some((key) => key.startsWith(reason))).toBe(true);
  }
}, 30_000);
