/**
 * What the tab keeps in IndexedDB besides its device key (deviceKey.ts): the certificate that
 * made it a device when it paired by invitation (a tab of another machine: the daemon will not
 * sign it one again, so a reload reuses this one while it verifies and has not expired), and,
 * only in a browser without WebCrypto Ed25519 (an `http://` page of a LAN address is not a
 * secure context, so it has no `crypto.subtle` at all), the node's Ed25519 secret as raw bytes,
 * which any script of the daemon's origin can read: the fallback tabIdentity.ts reports.
 */
import type { NodeId } from '../../../src/firefly/address.js';
import { decodeCertificate, encodeCertificate, isDevice, verifyCertificate, type DeviceCertificate } from '../../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../../src/transport/identity.js';
import { deleteEntry, readEntry, writeEntry } from './idb.js';

const SECRET = 'secret';
const CERTIFICATE = 'certificate';

/** The stored raw node identity, or a new one (stored before it is returned): the fallback without WebCrypto Ed25519. */
export async function loadStoredIdentity(): Promise<NodeIdentity> {
  const secret = await readEntry(SECRET);
  if (secret instanceof Uint8Array && secret.length === 32) return createIdentity(secret);
  const identity = createIdentity();
  await writeEntry(SECRET, identity.secretKey);
  return identity;
}

/** Deletes a stored raw node secret: once the tab has a device key, none may stay readable. */
export async function forgetStoredIdentity(): Promise<void> {
  await deleteEntry(SECRET);
}

/** Keeps the certificate the tab paired with. */
export async function saveCertificate(certificate: DeviceCertificate): Promise<void> {
  await writeEntry(CERTIFICATE, encodeCertificate(certificate));
}

/**
 * The stored certificate, when it is for `device` (the device key, or the stored node),
 * verifies and has not expired (a stale or broken one is deleted); otherwise undefined.
 */
export async function loadCertificate(device: NodeId, now = Date.now()): Promise<DeviceCertificate | undefined> {
  const bytes = await readEntry(CERTIFICATE);
  if (bytes === undefined) return undefined;
  try {
    if (bytes instanceof Uint8Array) {
      const certificate = decodeCertificate(bytes);
      if (certificate.node === device && isDevice(verifyCertificate(certificate, now))) return certificate;
    }
  } catch {
    // Not a certificate: forgotten below.
  }
  await forgetCertificate();
  return undefined;
}

/** Deletes the stored certificate (expired, or refused by the daemon). */
export async function forgetCertificate(): Promise<void> {
  await deleteEntry(CERTIFICATE);
}
