/**
 * The Noise IK handshake (src/router/session/noise.ts) on its own: both sides derive the same
 * transport keys, each side's payload reaches the other, and any message that was not written
 * by the expected party for the expected party — wrong responder key, one flipped bit,
 * truncated, extended, random — is refused with undefined, never an exception.
 */
import { acceptInitiation, Initiation, initiationBytes, nonceOf, responseBytes, type StaticKeys } from '../../../src/router/session/noise.js';
import { ciphers, randomDhSecret } from '../../../src/transport/ciphers.js';
import { seeded } from '../helpers.js';

const PROLOGUE = new TextEncoder().encode('noise test prologue');
const text = (value: string) => new TextEncoder().encode(value);

function staticKeys(): StaticKeys {
  const secret = randomDhSecret();
  return { secret, public: ciphers().dhPublic(secret) };
}

const alice = staticKeys();
const bob = staticKeys();
const carol = staticKeys();
/** Fixed ephemerals: the same handshake can be run again and give the same bytes. */
const aliceEphemeral = randomDhSecret();
const bobEphemeral = randomDhSecret();

/** One complete handshake from Alice to Bob, with fixed ephemerals (deterministic messages). */
function handshake(initiatorPayload = text('hello bob'), responderPayload = text('hello alice')) {
  const initiation = Initiation.start(PROLOGUE, alice, bob.public, initiatorPayload, aliceEphemeral)!;
  const accepted = acceptInitiation(PROLOGUE, bob, initiation.message, () => bobEphemeral)!;
  const response = accepted.respond(responderPayload)!;
  return { initiation, accepted, response };
}

function flipped(message: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(message);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

describe('an IK round trip', () => {
  it('gives both sides matching keys in both directions, and each side the other payload', () => {
    const { initiation, accepted, response } = handshake(text('timestamp'), text('welcome'));
    expect(initiation.message).toHaveLength(initiationBytes('timestamp'.length));
    expect(response.message).toHaveLength(responseBytes('welcome'.length));
    // The responder learns who initiated (authenticated) and what it sent.
    expect(accepted.remoteStatic).toEqual(alice.public);
    expect(new TextDecoder().decode(accepted.payload)).toBe('timestamp');
    const finished = initiation.finish(response.message)!;
    expect(new TextDecoder().decode(finished.payload)).toBe('welcome');
    expect(finished.keys.send).toEqual(response.keys.receive);
    expect(finished.keys.receive).toEqual(response.keys.send);
    expect(finished.keys.send).not.toEqual(finished.keys.receive);
    // The keys work: what one side seals the other opens, and not with the wrong key.
    const sealed = ciphers().seal(finished.keys.send, nonceOf(7), text('aad'), text('to bob'));
    expect(new TextDecoder().decode(ciphers().open(response.keys.receive, nonceOf(7), text('aad'), sealed)!)).toBe('to bob');
    expect(ciphers().open(response.keys.send, nonceOf(7), text('aad'), sealed)).toBeUndefined();
    const back = ciphers().seal(response.keys.send, nonceOf(0), text(''), text('to alice'));
    expect(new TextDecoder().decode(ciphers().open(finished.keys.receive, nonceOf(0), text(''), back)!)).toBe('to alice');
  });

  it('gives fresh keys every time (random ephemerals), and payloads travel encrypted', () => {
    const first = Initiation.start(PROLOGUE, alice, bob.public, text('secret-payload-marker'))!;
    const second = Initiation.start(PROLOGUE, alice, bob.public, text('secret-payload-marker'))!;
    expect(first.message).not.toEqual(second.message);
    expect(Buffer.from(first.message).includes('secret-payload-marker')).toBe(false);
    // Alice's static key does not travel in the clear either.
    expect(Buffer.from(first.message).includes(Buffer.from(alice.public))).toBe(false);
    const keysOne = first.finish(acceptInitiation(PROLOGUE, bob, first.message)!.respond(text(''))!.message)!.keys;
    const keysTwo = second.finish(acceptInitiation(PROLOGUE, bob, second.message)!.respond(text(''))!.message)!.keys;
    expect(keysOne.send).not.toEqual(keysTwo.send);
  });

  it('carries empty payloads', () => {
    const { initiation, accepted, response } = handshake(new Uint8Array(0), new Uint8Array(0));
    expect(accepted.payload).toHaveLength(0);
    expect(initiation.finish(response.message)!.payload).toHaveLength(0);
  });
});

describe('a first message', () => {
  it('for another responder does not open: a node that is not the one the initiator named reads nothing', () => {
    const toBob = Initiation.start(PROLOGUE, alice, bob.public, text('for bob'))!;
    expect(acceptInitiation(PROLOGUE, carol, toBob.message)).toBeUndefined();
    // Nor does one written to a key Bob does not hold.
    const toCarol = Initiation.start(PROLOGUE, alice, carol.public, text('for carol'))!;
    expect(acceptInitiation(PROLOGUE, bob, toCarol.message)).toBeUndefined();
  });

  it('under another prologue does not open', () => {
    const initiation = Initiation.start(PROLOGUE, alice, bob.public, text('x'))!;
    expect(acceptInitiation(text('another protocol'), bob, initiation.message)).toBeUndefined();
  });

  it('with any one bit flipped is refused', () => {
    const { initiation } = handshake();
    const message = initiation.message;
    let refused = 0;
    for (let bit = 0; bit < message.length * 8; bit++) {
      if (acceptInitiation(PROLOGUE, bob, flipped(message, bit)) === undefined) refused++;
    }
    expect(refused).toBe(message.length * 8);
    // The unflipped message still opens: the refusals are the flips' doing.
    expect(acceptInitiation(PROLOGUE, bob, message)).toBeDefined();
  });

  it('truncated to any length, or extended, is refused', () => {
    const { initiation } = handshake();
    const message = initiation.message;
    for (let length = 0; length < message.length; length++) {
      expect(acceptInitiation(PROLOGUE, bob, message.subarray(0, length))).toBeUndefined();
    }
    expect(acceptInitiation(PROLOGUE, bob, Uint8Array.of(...message, 0))).toBeUndefined();
  });

  it('made of random bytes, or with a low-order ephemeral key, is refused without throwing', () => {
    const random = seeded(0x1c);
    for (let i = 0; i < 500; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 160) }, () => Math.floor(random() * 256));
      expect(acceptInitiation(PROLOGUE, bob, bytes)).toBeUndefined();
    }
    // An all-zero ephemeral is a low-order point: its DH has no result.
    const { initiation } = handshake();
    const zeroed = Uint8Array.from(initiation.message);
    zeroed.fill(0, 0, 32);
    expect(acceptInitiation(PROLOGUE, bob, zeroed)).toBeUndefined();
  });

  it('to a responder key that is not a usable point is not written', () => {
    expect(Initiation.start(PROLOGUE, alice, new Uint8Array(32), text('x'))).toBeUndefined();
    expect(Initiation.start(PROLOGUE, alice, new Uint8Array(5), text('x'))).toBeUndefined();
  });
});

describe('a response', () => {
  it('from another responder than the one named does not finish the handshake', () => {
    const initiation = Initiation.start(PROLOGUE, alice, bob.public, text('x'))!;
    // Carol cannot read the message, so she answers as she would to a message meant for her.
    const carolsOwn = Initiation.start(PROLOGUE, alice, carol.public, text('x'))!;
    const carolsAnswer = acceptInitiation(PROLOGUE, carol, carolsOwn.message)!.respond(text(''))!;
    expect(initiation.finish(carolsAnswer.message)).toBeUndefined();
  });

  it('to another handshake does not finish this one', () => {
    const mine = Initiation.start(PROLOGUE, alice, bob.public, text('x'))!;
    const other = Initiation.start(PROLOGUE, alice, bob.public, text('x'))!;
    const answerToOther = acceptInitiation(PROLOGUE, bob, other.message)!.respond(text(''))!;
    expect(mine.finish(answerToOther.message)).toBeUndefined();
  });

  it('with any one bit flipped is refused', () => {
    const { response } = handshake();
    const bits = response.message.length * 8;
    let refused = 0;
    for (let bit = 0; bit < bits; bit++) {
      // finish() moves the initiator's state on: a fresh (identical) handshake for every try.
      const { initiation } = handshake();
      if (initiation.finish(flipped(response.message, bit)) === undefined) refused++;
    }
    expect(refused).toBe(bits);
    expect(handshake().initiation.finish(response.message)).toBeDefined();
  });

  it('truncated to any length, extended, or random is refused without throwing', () => {
    const { response } = handshake();
    for (let length = 0; length < response.message.length; length++) {
      expect(handshake().initiation.finish(response.message.subarray(0, length))).toBeUndefined();
    }
    expect(handshake().initiation.finish(Uint8Array.of(...response.message, 1))).toBeUndefined();
    const random = seeded(0x2d);
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 100) }, () => Math.floor(random() * 256));
      expect(handshake().initiation.finish(bytes)).toBeUndefined();
    }
  });
});
