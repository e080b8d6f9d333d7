/**
 * Grants as signed statements (src/actors/trust/grant.ts): a holder checks a chain offline —
 * signatures, who issued each link, and that delegation only narrows.
 */
import { decodeGrant, encodeGrant, grantId, issueGrant, isVerifiedGrant, normalizeGrantPath, verifyGrant, type Grant, type GrantFields } from '../../../src/actors/trust/grant.js';
import { decodeRevocation, encodeRevocation, revokeGrant, verifyRevocation } from '../../../src/actors/trust/grantRevocation.js';
import { issueCertificate } from '../../../src/transport/certificate.js';
import { createIdentity } from '../../../src/transport/identity.js';

const DAY = 86_400_000;
const now = Date.now();
const [alice, bob, carol, dave] = [createIdentity(), createIdentity(), createIdentity(), createIdentity()];
const docs = { name: 'docs', path: '2026' };

function fields(overrides: Partial<GrantFields> = {}): GrantFields {
  return { issuer: alice.id, audience: { user: bob.id }, subject: docs, abilities: { access: 'read' }, notBefore: now - 1000, expires: now + 7 * DAY, nonce: 'n1', ...overrides };
}

function refusal(grant: Grant): string {
  const result = verifyGrant(grant, now);
  return isVerifiedGrant(result) ? 'verified' : result.refused;
}

test('a grant signed by its issuer verifies, and its bytes read back as the same grant', () => {
  const grant = issueGrant(fields(), alice);
  const verified = verifyGrant(grant, now);
  expect(isVerifiedGrant(verified) && verified.owner).toBe(alice.id);
  const again = decodeGrant(encodeGrant(grant));
  expect(again).toEqual(grant);
  expect(grantId(again)).toBe(grantId(grant));
  // Never beginning with '-': a command line would read it as an option.
  expect(grantId(grant)).toMatch(/^g[A-Za-z0-9_-]{22}$/);
});

test('a grant signed by a device of its issuer carries the device certificate', () => {
  const laptop = createIdentity();
  const cert = issueCertificate({ user: alice.id, node: laptop.id, name: 'laptop', roles: ['member'], issued: now - 1000, expires: now + DAY }, alice);
  const grant = issueGrant(fields(), laptop, cert);
  expect(refusal(decodeGrant(encodeGrant(grant)))).toBe('verified');
  // The same device, once its user removed it, signs nothing.
  expect(isVerifiedGrant(verifyGrant(grant, now, (node) => node === laptop.id))).toBe(false);
  // A device of another user cannot sign for alice.
  const bobsCert = issueCertificate({ user: bob.id, node: laptop.id, name: 'laptop', roles: ['admin'], issued: now - 1000, expires: now + DAY }, bob);
  expect(() => issueGrant(fields(), laptop, bobsCert)).toThrow(expect.objectContaining({ code: 'badarg' }));
});

test('a forged signature, a changed field or a stranger signing is refused', () => {
  const grant = issueGrant(fields(), alice);
  const forged = { ...grant, signature: Uint8Array.from(grant.signature, (byte, i) => (i === 0 ? byte ^ 1 : byte)) };
  expect(refusal(forged)).toBe('grant signature does not verify');
  expect(refusal({ ...grant, abilities: { access: 'write' } })).toBe('grant signature does not verify');
  expect(refusal({ ...grant, subject: { name: 'docs' } })).toBe('grant signature does not verify');
  // Mallory signs "alice lets bob in" with her own key, posing as alice.
  const mallory = createIdentity();
  const posed = { ...issueGrant({ ...fields(), issuer: mallory.id }, mallory), issuer: alice.id };
  expect(refusal(posed)).toBe('signed by a device without its certificate');
});

test('a four-link chain verifies when each link narrows and is issued by its parent audience', () => {
  const root = issueGrant(fields({ delegate: true, subject: { name: 'docs', path: '2026' }, abilities: { access: 'write' } }), alice);
  const second = issueGrant(fields({ issuer: bob.id, audience: { user: carol.id }, delegate: true, parent: root, subject: { name: 'docs', path: '2026/q1' }, abilities: { access: 'read' } }), bob);
  const third = issueGrant(fields({ issuer: carol.id, audience: { user: dave.id }, delegate: true, parent: second, subject: { name: 'docs', path: '2026/q1' } }), carol);
  const fourth = issueGrant(fields({ issuer: dave.id, audience: { user: bob.id }, parent: third, subject: { name: 'docs', path: '2026/q1/x' }, expires: now + DAY }), dave);
  const verified = verifyGrant(decodeGrant(encodeGrant(fourth)), now);
  expect(isVerifiedGrant(verified) && verified.chain.map((link) => link.issuer)).toEqual([alice.id, bob.id, carol.id, dave.id]);
  expect(isVerifiedGrant(verified) && verified.expires).toBe(now + DAY);
});

test('a delegation wider than its parent, or from a grant that does not allow one, is refused', () => {
  const root = issueGrant(fields({ delegate: true }), alice);
  const widen = (overrides: Partial<GrantFields>) => {
    // Signed by hand past issueGrant's own check, as a hostile peer would.
    expect(() => issueGrant(fields({ issuer: bob.id, audience: { user: carol.id }, parent: root, ...overrides }), bob)).toThrow(expect.objectContaining({ code: 'badarg' }));
  };
  widen({ abilities: { access: 'write' } });
  widen({ subject: { name: 'docs', path: '2025' } });
  widen({ subject: { name: 'docs' } });
  widen({ subject: { name: 'mail', path: '2026' } });
  widen({ abilities: { methods: ['remove'] } });
  widen({ expires: now + 30 * DAY });
  widen({ issuer: carol.id });

  // A hostile peer builds the wider child without issueGrant: the holder refuses it all the same.
  const narrow = issueGrant(fields({ issuer: bob.id, audience: { user: carol.id }, parent: root }), bob);
  const wider = { ...narrow, abilities: { access: 'write' as const } };
  expect(refusal(wider)).toBe('a delegated grant allows more than its parent');

  const closed = issueGrant(fields(), alice);
  expect(() => issueGrant(fields({ issuer: bob.id, audience: { user: carol.id }, parent: closed }), bob)).toThrow(/does not allow delegation/);
});

test('paths are normalized and cannot climb out', () => {
  expect(normalizeGrantPath('/2026/./q1/')).toBe('2026/q1');
  expect(normalizeGrantPath('2026/../2025')).toBeUndefined();
  expect(() => issueGrant(fields({ subject: { name: 'docs', path: '../etc' } }), alice)).toThrow(expect.objectContaining({ code: 'badarg' }));
});

test("a grant's id does not depend on how a peer encoded it: a revoked grant sent again in another encoding is the same grant", () => {
  const grant = issueGrant(fields(), alice);
  const bytes = encodeGrant(grant);
  // The nonce "n1" with its length in a byte of its own (0x78 0x02) instead of in the head (0x62):
  // valid CBOR, the same grant, other bytes.
  const at = Buffer.from(bytes).indexOf(Buffer.from([0x62, 0x6e, 0x31]));
  expect(at).toBeGreaterThan(0);
  const other = new Uint8Array([...bytes.subarray(0, at), 0x78, 0x02, 0x6e, 0x31, ...bytes.subarray(at + 3)]);
  const again = decodeGrant(other);
  expect(again).toEqual(grant);
  expect(grantId(again)).toBe(grantId(grant));
});

test('bytes that are not a grant are refused as badpacket', () => {
  for (const bytes of [new Uint8Array([0xff]), encodeGrant(issueGrant(fields(), alice)).subarray(0, 40), new Uint8Array(100_000)]) {
    expect(() => decodeGrant(bytes)).toThrow(expect.objectContaining({ code: 'badpacket' }));
  }
});

test('a revocation verifies only when its issuer (or a device of it) signed it', () => {
  const grant = issueGrant(fields(), alice);
  const revocation = revokeGrant(grantId(grant), alice.id, now, alice);
  expect(verifyRevocation(decodeRevocation(encodeRevocation(revocation)), now)).toBe(true);
  const posed = { ...revokeGrant(grantId(grant), bob.id, now, bob), issuer: alice.id };
  expect(verifyRevocation(posed, now)).toEqual({ refused: 'signed by a device without its certificate' });
  expect(() => revokeGrant('not an id', alice.id, now, alice)).toThrow(expect.objectContaining({ code: 'badarg' }));
});
