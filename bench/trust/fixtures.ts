/**
 * Users and devices for the trust benchmarks: Ed25519 on node:crypto (as the daemon runs it),
 * users that certify devices, grants signed by devices.
 */
import '../../src/node.js';
import { issueGrant, type Grant } from '../../src/actors/trust/grant.js';
import { issueCertificate, type DeviceCertificate } from '../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';

const DAY = 86_400_000;

/** A user and one device of it. */
export interface BenchUser {
  key: NodeIdentity;
  device: NodeIdentity;
  certificate: DeviceCertificate;
}

/** A user with a device certified for a day. */
export function benchUser(device = createIdentity()): BenchUser {
  const key = createIdentity();
  const now = Date.now();
  return { key, device, certificate: issueCertificate({ user: key.id, node: device.id, name: 'bench', roles: ['admin'], issued: now - 1000, expires: now + DAY }, key) };
}

/**
 * A chain of `links` grants over `users` (users[0] owns the resource): each link issued by its
 * parent's audience, signed by a device of its issuer (so each carries a certificate too), or
 * with `signer: 'user'` by the issuer's user key, as a device holding it signs.
 */
export function grantChain(users: readonly BenchUser[], resource: string, links: number, signer: 'device' | 'user' = 'device'): Grant {
  const now = Date.now();
  let grant: Grant | undefined;
  for (let i = 0; i < links; i++) {
    const [issuer, audience] = [users[i]!, users[i + 1]!];
    grant = issueGrant(
      {
        issuer: issuer.key.id,
        audience: { user: audience.key.id },
        subject: { resource },
        abilities: { access: 'read' },
        notBefore: now - 1000,
        expires: now + DAY - i,
        delegate: i < links - 1,
        nonce: `n${i}-${Math.random()}`,
        ...(grant ? { parent: grant } : {}),
      },
      signer === 'user' ? issuer.key : issuer.device,
      signer === 'user' ? undefined : issuer.certificate,
    );
  }
  return grant!;
}
