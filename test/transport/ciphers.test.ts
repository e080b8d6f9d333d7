/**
 * The two cipher backends (src/transport/ciphers.ts, nodeCiphers.ts) compute the same
 * primitives: a browser (noble) and a daemon (libsodium, OpenSSL for bulk) must open each
 * other's seals and agree on every key.
 */
import { createIdentity } from '../../src/transport/identity.js';
import { dhSecretOfIdentity, nobleCiphers, randomDhSecret, TAG_BYTES } from '../../src/transport/ciphers.js';
import { nodeCiphers } from '../../src/transport/nodeCiphers.js';

const key = new Uint8Array(32).map((_, i) => i);
const nonce = new Uint8Array(12).fill(9);
const aad = new TextEncoder().encode('header');

test.each([
  ['a small message (libsodium)', 100],
  ['a bulk message (OpenSSL)', 64 * 1024],
])('%s sealed by either backend opens with the other, and any changed byte fails to open', (_, size) => {
  const message = new Uint8Array(size).map((_, i) => i * 7);
  for (const [sealer, opener] of [
    [nobleCiphers, nodeCiphers],
    [nodeCiphers, nobleCiphers],
  ] as const) {
    const sealed = sealer.seal(key, nonce, aad, message);
    expect(sealed.length).toBe(size + TAG_BYTES);
    expect(opener.open(key, nonce, aad, sealed)).toEqual(message);
    for (const at of [0, size - 1, size, size + TAG_BYTES - 1]) {
      const changed = sealed.slice();
      changed[at]! ^= 1;
      expect(opener.open(key, nonce, aad, changed)).toBeUndefined();
    }
    expect(opener.open(key, nonce, new TextEncoder().encode('Header'), sealed)).toBeUndefined();
    expect(opener.open(key, new Uint8Array(12), aad, sealed)).toBeUndefined();
    expect(opener.open(key, nonce, aad, sealed.subarray(0, TAG_BYTES - 1))).toBeUndefined();
  }
});

test('both backends agree on X25519, on the X25519 key of an Ed25519 identity, and on SHA-256 and HMAC', () => {
  const [x, y] = [randomDhSecret(), randomDhSecret()];
  expect(nodeCiphers.dhPublic(x)).toEqual(nobleCiphers.dhPublic(x));
  expect(nodeCiphers.dh(x, nobleCiphers.dhPublic(y))).toEqual(nobleCiphers.dh(y, nodeCiphers.dhPublic(x)));
  const identity = createIdentity();
  const fromPublic = nodeCiphers.dhPublicOfIdentity(identity.publicKey);
  expect(fromPublic).toEqual(nobleCiphers.dhPublicOfIdentity(identity.publicKey));
  expect(nodeCiphers.dhPublic(dhSecretOfIdentity(identity.secretKey))).toEqual(fromPublic);
  const data = new TextEncoder().encode('glow');
  expect(nodeCiphers.sha256(data)).toEqual(nobleCiphers.sha256(data));
  expect(nodeCiphers.hmacSha256(key, data)).toEqual(nobleCiphers.hmacSha256(key, data));
});

test('a low-order or malformed public key yields no shared secret and no throw', () => {
  const secret = randomDhSecret();
  for (const backend of [nobleCiphers, nodeCiphers]) {
    expect(backend.dh(secret, new Uint8Array(32))).toBeUndefined();
    expect(backend.dh(secret, new Uint8Array(31))).toBeUndefined();
    expect(backend.dhPublicOfIdentity(new Uint8Array(31))).toBeUndefined();
  }
});
