/**
 * Ed25519 backends (src/transport/identity.ts, nodeSignatures.ts): the JavaScript one and
 * Node's native one agree on every signature, and both refuse what is malformed.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { nobleSignatures, type SignatureBackend } from '../../src/index.js';
import { nodeSignatures } from '../../src/transport/nodeSignatures.js';

const backends: [string, SignatureBackend][] = [
  ['noble', nobleSignatures],
  ['node:crypto', nodeSignatures],
];
const secret = ed25519.utils.randomSecretKey();
const publicKey = ed25519.getPublicKey(secret);
const message = new TextEncoder().encode('a device certificate');

test.each(backends)('%s signs what the other verifies, byte for byte the same signature', (_name, backend) => {
  const signature = backend.sign(secret, message);
  expect(signature).toEqual(ed25519.sign(message, secret));
  for (const [, other] of backends) expect(other.verify(publicKey, message, signature)).toBe(true);
});

test.each(backends)('%s refuses a changed message, a changed signature, another key and malformed input', (_name, backend) => {
  const signature = nobleSignatures.sign(secret, message);
  const changed = Uint8Array.from(message);
  changed[0]! ^= 1;
  expect(backend.verify(publicKey, changed, signature)).toBe(false);
  const flipped = Uint8Array.from(signature);
  flipped[10]! ^= 1;
  expect(backend.verify(publicKey, message, flipped)).toBe(false);
  expect(backend.verify(ed25519.getPublicKey(ed25519.utils.randomSecretKey()), message, signature)).toBe(false);
  expect(backend.verify(publicKey.subarray(0, 31), message, signature)).toBe(false);
  expect(backend.verify(publicKey, message, signature.subarray(0, 63))).toBe(false);
  expect(backend.verify(new Uint8Array(32).fill(0xff), message, signature)).toBe(false);
});

test.each(backends)('%s refuses a second encoding of a signature (s + L: malleability)', (_name, backend) => {
  const signature = nobleSignatures.sign(secret, message);
  // L, the group order, little-endian; s + L verifies mathematically but is not canonical.
  let carry = 0;
  const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
  const malleable = Uint8Array.from(signature);
  for (let i = 0; i < 32; i++) {
    const sum = malleable[32 + i]! + L[i]! + carry;
    malleable[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  expect(backend.verify(publicKey, message, malleable)).toBe(false);
});
