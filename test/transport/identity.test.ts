import { isIdSegment } from '../../src/firefly/address.js';
import { GlowError } from '../../src/firefly/errors.js';
import { fromBase64url, toBase64url } from '../../src/transport/base64url.js';
import { createIdentity, publicKeyOf, verifySignature } from '../../src/transport/identity.js';

const message = new TextEncoder().encode('a message');
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('node identity', () => {
  it('names a node by its public key: 43 URL-safe characters that are a valid id segment', () => {
    const identity = createIdentity();
    expect(identity.id).toHaveLength(43);
    expect(isIdSegment(identity.id)).toBe(true);
    expect(identity.id).toBe(Buffer.from(identity.publicKey).toString('base64url'));
    expect(identity.secretKey).toHaveLength(32);
  });

  it('gives fresh keys each time and the same id for the same secret key', () => {
    const first = createIdentity();
    expect(createIdentity().id).not.toBe(first.id);
    expect(createIdentity(first.secretKey).id).toBe(first.id);
  });

  it('refuses a secret key that is not 32 bytes', () => {
    for (const key of [new Uint8Array(31), new Uint8Array(64), 'secret' as unknown as Uint8Array]) {
      expect(() => createIdentity(key)).toThrow(GlowError);
    }
  });

  it('recovers the public key from the id', () => {
    const identity = createIdentity();
    expect(publicKeyOf(identity.id)).toEqual(identity.publicKey);
  });

  it('finds no key in ids that are not the canonical form of 32 bytes', () => {
    const id = createIdentity().id;
    // The last character of 43 carries 4 bits; a spelling with the 2 unused bits set is not canonical.
    const alias = id.slice(0, 42) + ALPHABET[ALPHABET.indexOf(id[42]!) ^ 1];
    for (const bad of ['laptop', id.slice(1), `${id}A`, `${id.slice(0, 42)}=`, `${id.slice(0, 42)}+`, alias, 42, undefined]) {
      expect(publicKeyOf(bad as string)).toBeUndefined();
    }
  });

  it('verifies its own signatures and nothing else', () => {
    const [alice, bob] = [createIdentity(), createIdentity()];
    const signature = alice.sign(message);
    expect(verifySignature(alice.id, message, signature)).toBe(true);
    expect(verifySignature(bob.id, message, signature)).toBe(false);
    expect(verifySignature(alice.id, new TextEncoder().encode('another message'), signature)).toBe(false);
    const altered = signature.slice();
    altered[10]! ^= 1;
    expect(verifySignature(alice.id, message, altered)).toBe(false);
  });

  it('answers false, never throws, for garbage ids, messages and signatures', () => {
    const alice = createIdentity();
    const signature = alice.sign(message);
    // 32 bytes of 0xff are not a point on the curve: noble throws, verifySignature must not.
    const notAPoint = toBase64url(new Uint8Array(32).fill(0xff));
    const garbage: [unknown, unknown, unknown][] = [
      [notAPoint, message, signature],
      ['laptop', message, signature],
      [alice.id, 'text', signature],
      [alice.id, message, new Uint8Array(63)],
      [alice.id, message, new Uint8Array(64).fill(0xff)],
      [alice.id, message, null],
      [null, null, null],
      [{ toString: () => alice.id }, message, signature],
    ];
    for (const [id, m, s] of garbage) {
      expect(verifySignature(id as string, m as Uint8Array, s as Uint8Array)).toBe(false);
    }
  });
});

describe('base64url', () => {
  it('matches Node’s encoding for every length and round-trips', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = toBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64url(text)).toEqual(bytes);
    }
  });

  it('refuses impossible lengths and foreign characters', () => {
    for (const bad of ['A', 'AAAAA', 'AA==', 'A/AA', 'AAé']) expect(fromBase64url(bad)).toBeUndefined();
  });
});
