/**
 * Device certificates (src/transport/certificate.ts): the user's key, or an admin device of the
 * user, vouches that a node is one of the user's devices; anyone checks it offline.
 */
import { createIdentity, GlowError } from '../../src/index.js';
import { decodeCertificate, encodeCertificate, isDevice, issueCertificate, verifyCertificate, type DeviceCertificate } from '../../src/transport/certificate.js';

const NOW = Date.UTC(2026, 11, 5);
const DAY = 86_400_000;
const user = createIdentity();
const laptop = createIdentity();
const phone = createIdentity();

function certify(node = laptop, roles: ('admin' | 'member')[] = ['admin'], signer = user, parent?: DeviceCertificate, expires = NOW + 30 * DAY) {
  return issueCertificate({ user: user.id, node: node.id, name: 'laptop', roles, issued: NOW, expires }, signer, parent);
}

test('a certificate signed by the user key names the user, the device, its name and roles', () => {
  expect(verifyCertificate(certify(), NOW)).toEqual({ user: user.id, node: laptop.id, name: 'laptop', roles: ['admin'], expires: NOW + 30 * DAY });
});

test('an admin device signs for a new device, its own certificate coming along as the parent', () => {
  const phoneCert = certify(phone, ['member'], laptop, certify());
  const device = verifyCertificate(phoneCert, NOW);
  expect(isDevice(device) && [device.user, device.node, device.roles]).toEqual([user.id, phone.id, ['member']]);
});

test('refuses what a forger or a stale device would present', () => {
  const other = createIdentity();
  const cases: [string, DeviceCertificate, string][] = [
    ['signed by another key', { ...certify(), signer: other.id, signature: other.sign(new Uint8Array(1)) }, 'signature does not verify'],
    ['a changed role', { ...certify(laptop, ['member']), roles: ['admin'] }, 'signature does not verify'],
    ['another node', { ...certify(), node: phone.id }, 'signature does not verify'],
    ['signed by a member device', certify(phone, ['member'], laptop, certify(laptop, ['member'])), 'not an admin'],
    // The parent's signature is part of what the device signed: dropping it breaks the signature.
    ['signed by a device, its certificate dropped', { ...certify(phone, ['member'], laptop, certify()), parent: undefined }, 'does not verify'],
    ['a parent of another user', certify(phone, ['member'], laptop, issueCertificate({ user: other.id, node: laptop.id, name: 'x', roles: ['admin'], issued: NOW, expires: NOW + DAY }, other)), 'another user'],
  ];
  for (const [what, cert, reason] of cases) {
    const result = verifyCertificate(cert, NOW);
    expect([what, 'refused' in result ? result.refused : 'accepted']).toEqual([what, expect.stringContaining(reason)]);
  }
  expect(verifyCertificate(certify(), NOW + 31 * DAY)).toEqual({ refused: 'certificate expired' });
  expect(verifyCertificate(certify(), NOW - DAY)).toEqual({ refused: 'certificate not yet valid' });
  expect(verifyCertificate(certify(phone, ['member'], laptop, certify()), NOW, (node) => node === laptop.id)).toEqual({ refused: 'device removed by its user' });
});

test('refuses to issue what no verifier would accept', () => {
  expect(() => certify(laptop, [])).toThrow(GlowError);
  expect(() => certify(phone, ['member'], laptop)).toThrow('the signer must be the user');
});

test('travels as bytes and reads back whole; garbage is badpacket', () => {
  const chain = certify(phone, ['member'], laptop, certify());
  const read = decodeCertificate(encodeCertificate(chain));
  expect(read).toEqual(chain);
  expect(isDevice(verifyCertificate(read, NOW))).toBe(true);
  for (const garbage of [new Uint8Array([0xff]), encodeCertificate(chain).subarray(0, 40), new TextEncoder().encode('x'.repeat(5000))]) {
    expect(() => decodeCertificate(garbage)).toThrow(expect.objectContaining({ code: 'badpacket' }));
  }
});
