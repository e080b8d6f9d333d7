/**
 * Delegations (src/transport/certificate.ts): a device certified under a key that cannot leave
 * its store (a tab's non-extractable WebCrypto Ed25519 key, made here with Node's WebCrypto)
 * vouches for the node it runs as for a day at most. The link admits such a node as that device;
 * a delegation signed by another key, expired, too long, for another node, or from a delegated
 * node is refused.
 */
import { webcrypto } from 'node:crypto';
import { GlowError } from '../../src/firefly/errors.js';
import { toBase64url } from '../../src/transport/base64url.js';
import {
  decodeCertificate,
  delegationToSign,
  delegationWith,
  encodeCertificate,
  issueCertificate,
  MAX_DELEGATION,
  verifyCertificate,
  type DeviceCertificate,
} from '../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';
import { memoryChannelPair } from '../../src/transport/memoryChannel.js';
import { openLink, type OpenLinkOptions } from '../../src/transport/openLink.js';
import { within } from '../helpers/waitFor.js';

const NOW = Date.UTC(2026, 11, 5);
const DAY = 86_400_000;
const user = createIdentity();
const daemon = createIdentity();
const daemonCert = issueCertificate({ user: user.id, node: daemon.id, name: 'laptop', roles: ['admin'], issued: NOW - DAY, expires: NOW + 90 * DAY }, user);

/** A device key as the tab holds it: non-extractable, signing asynchronously. */
async function deviceKey() {
  const pair = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const id = toBase64url(new Uint8Array(await webcrypto.subtle.exportKey('raw', pair.publicKey)));
  const sign = async (bytes: Uint8Array) => new Uint8Array(await webcrypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, bytes));
  return { pair, id, sign };
}
type DeviceKey = Awaited<ReturnType<typeof deviceKey>>;

/** The member certificate the daemon signs for the device key (as POST /api/device or pairing would). */
function certifyKey(key: DeviceKey, expires = NOW + 30 * DAY): DeviceCertificate {
  return issueCertificate({ user: user.id, node: key.id, name: 'Chrome on Linux', roles: ['member'], issued: NOW - DAY, expires }, daemon, daemonCert);
}

/** A delegation of `device` to `node`, signed by `key` (the right one, or not). */
async function delegate(key: DeviceKey, device: DeviceCertificate, node: string, issued = NOW): Promise<DeviceCertificate> {
  const { unsigned, bytes } = delegationToSign(device, node, issued);
  return delegationWith(unsigned, await key.sign(bytes));
}

function refusal(result: ReturnType<typeof verifyCertificate>): string {
  return 'refused' in result ? result.refused : 'accepted';
}

test('the device key delegates to the node a page runs as: that node is the device, named by its key, for a day at most', async () => {
  const key = await deviceKey();
  expect(key.pair.privateKey.extractable).toBe(false);
  const node = createIdentity();
  const delegation = await delegate(key, certifyKey(key), node.id);
  expect(delegation.expires - delegation.issued).toBe(MAX_DELEGATION);
  expect(verifyCertificate(delegation, NOW)).toEqual({ user: user.id, node: node.id, name: 'Chrome on Linux', roles: ['member'], expires: NOW + MAX_DELEGATION, key: key.id });
  // It travels like any certificate, its mark included.
  const read = decodeCertificate(encodeCertificate(delegation));
  expect(read).toEqual(delegation);
  expect(verifyCertificate(read, NOW)).toMatchObject({ node: node.id, key: key.id });
  // A delegation never outlives its device's certificate.
  const shortLived = await delegate(key, certifyKey(key, NOW + 3_600_000), node.id);
  expect(shortLived.expires).toBe(NOW + 3_600_000);
});

test('refuses a delegation signed by another key, expired, stretched, for another node, re-delegated, or under a removed device', async () => {
  const [key, other] = [await deviceKey(), await deviceKey()];
  const device = certifyKey(key);
  const node = createIdentity();
  const good = await delegate(key, device, node.id);
  const stretched = { ...delegationToSign(device, node.id, NOW).unsigned, expires: NOW + 2 * MAX_DELEGATION };
  const viaDelegation = { ...delegationToSign(device, node.id, NOW).unsigned, parent: good, signer: node.id };
  const asCertificate: DeviceCertificate = { ...good, delegated: undefined };
  const cases: [string, DeviceCertificate, string][] = [
    ['signed by another device key', await delegate(other, device, node.id), 'signature does not verify'],
    ['another node put in', { ...good, node: createIdentity().id }, 'signature does not verify'],
    ['lasting two days', delegationWith(stretched, await key.sign(delegationToSign(device, node.id, NOW).bytes)), 'a day at most'],
    ['from a delegated node', delegationWith(viaDelegation, node.sign(new Uint8Array(1))), 'a delegation cannot delegate'],
    // The mark is signed: a delegation passed off as a certificate (which a member key could not sign anyway) does not verify.
    ['its mark dropped', asCertificate, 'signature does not verify'],
    ['with the admin role added', { ...good, roles: ['admin'] }, "its device's name and roles"],
  ];
  for (const [what, cert, reason] of cases) expect([what, refusal(verifyCertificate(cert, NOW))]).toEqual([what, expect.stringContaining(reason)]);
  expect(verifyCertificate(good, NOW + MAX_DELEGATION)).toEqual({ refused: 'certificate expired' });
  expect(verifyCertificate(good, NOW, (removed) => removed === key.id)).toEqual({ refused: 'device removed by its user' });
  // A delegated node certifies nothing, even as an admin device's stand-in.
  const adminKey = await deviceKey();
  const adminDevice = issueCertificate({ user: user.id, node: adminKey.id, name: 'admin tab', roles: ['admin'], issued: NOW - DAY, expires: NOW + DAY }, user);
  const adminNode = createIdentity();
  const adminDelegation = await delegate(adminKey, adminDevice, adminNode.id);
  const minted = issueCertificate({ user: user.id, node: createIdentity().id, name: 'x', roles: ['admin'], issued: NOW, expires: NOW + DAY }, adminNode, adminDelegation);
  expect(verifyCertificate(minted, NOW)).toEqual({ refused: 'signed by a delegated node' });
  expect(() => delegationToSign(good, node.id, NOW)).toThrow(GlowError);
});

describe('at the link', () => {
  const at = { wallClock: () => NOW };

  /** A handshake of the daemon with `node` presenting `certificate`: both ends' outcomes. */
  function handshake(node: NodeIdentity, certificate: DeviceCertificate, daemonOptions: OpenLinkOptions = {}) {
    const [channelA, channelB] = memoryChannelPair();
    const a = openLink(channelA, daemon, { ...at, certificate: daemonCert, ...daemonOptions });
    const b = openLink(channelB, node, { ...at, certificate });
    return within(Promise.allSettled([a, b]), 3000, 'handshake did not settle');
  }

  test("admits the delegated node as the tab's device", async () => {
    const key = await deviceKey();
    const node = createIdentity();
    const [a, b] = await handshake(node, await delegate(key, certifyKey(key), node.id));
    expect(a.status === 'fulfilled' && a.value.device).toMatchObject({ user: user.id, node: node.id, key: key.id, roles: ['member'] });
    if (a.status === 'fulfilled') a.value.close();
    expect(b.status).toBe('fulfilled');
  });

  test.each([
    ['signed by another key', async (key: DeviceKey, node: NodeIdentity) => delegate(await deviceKey(), certifyKey(key), node.id), 'certificate signature does not verify'],
    ['expired', async (key: DeviceKey, node: NodeIdentity) => delegate(key, certifyKey(key), node.id, NOW - MAX_DELEGATION), 'certificate expired'],
    ['for another node', async (key: DeviceKey) => delegate(key, certifyKey(key), createIdentity().id), 'the certificate is for another node'],
  ])('refuses a delegation %s', async (_what, make, reason) => {
    const key = await deviceKey();
    const node = createIdentity();
    const [a] = await handshake(node, await make(key, node));
    expect(a.status === 'rejected' && (a.reason as GlowError).message).toBe(`link refused: certificate refused: ${reason}`);
  });
});
