/**
 * One user for the daemons of a test: a daemon whose home is empty creates a user of its own,
 * and daemons of different users refuse each other's links. Tests about several daemons that
 * link therefore start them all with this user's key in their homes, as if each had been paired.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toBase64url } from '../../src/transport/base64url.js';
import { issueCertificate, type DeviceCertificate, type DeviceRole } from '../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';

/** The test user: a fixed key, so that daemons in separate processes share it. */
export const TEST_USER: NodeIdentity = createIdentity(new Uint8Array(createHash('sha256').update('glow test user').digest()));

/** Writes `user`'s key into `home` as `user.key` (mode 0600), before the daemon's first start. */
export async function giveUser(home: string, user: NodeIdentity = TEST_USER): Promise<void> {
  const contents = { version: 1, type: 'ed25519', secretKey: toBase64url(user.secretKey), id: user.id };
  await writeFile(join(home, 'user.key'), `${JSON.stringify(contents)}\n`, { mode: 0o600 });
}

/** A certificate making `node` a device of `user` (default: a member of the test user), valid for a day. */
export function certify(node: NodeIdentity, user: NodeIdentity = TEST_USER, roles: DeviceRole[] = ['member']): DeviceCertificate {
  const issued = Date.now();
  return issueCertificate({ user: user.id, node: node.id, name: `test device ${node.id.slice(0, 6)}`, roles, issued, expires: issued + 24 * 3600_000 }, user);
}
