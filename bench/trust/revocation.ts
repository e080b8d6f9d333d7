/**
 * How long a grant revocation takes to reach every node of a 20-node mesh (19 devices of one user
 * in a binary tree over memory channels, and a friend's device under the last): from the revoke
 * on one device until every node refuses the grant. Baseline, same mesh and run: the revoking
 * device calls an echo on every other device of its user at once and gets all answers (a
 * mesh-wide round trip).
 */
import { Mesh } from '../../src/actors/mesh.js';
import { grantId, issueGrant } from '../../src/actors/trust/grant.js';
import { revokeGrant } from '../../src/actors/trust/grantRevocation.js';
import { Trust } from '../../src/actors/trust/trust.js';
import { formatResourceId } from '../../src/firefly/address.js';
import { issueCertificate, type DeviceCertificate } from '../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';
import { memoryChannelPair } from '../../src/transport/memoryChannel.js';
import { median, round, type Benchmark } from '../harness.js';
import { echoOn, once, until } from '../mesh/fixtures.js';
import './fixtures.js';

const NODES = 20;
const ROUNDS = 7;
const DAY = 86_400_000;

interface Device {
  mesh: Mesh;
  trust: Trust;
  identity: NodeIdentity;
  certificate: DeviceCertificate;
}

function device(user: NodeIdentity, friend: NodeIdentity): Device {
  const identity = createIdentity();
  const certificate = issueCertificate({ user: user.id, node: identity.id, name: 'bench', roles: ['member'], issued: Date.now() - 1000, expires: Date.now() + DAY }, user);
  const trust = new Trust({ certificate, friends: [{ user: friend.id }] });
  return { mesh: new Mesh({ identity, trust }), trust, identity, certificate };
}

const run = once(async () => {
  const [alice, bob] = [createIdentity(), createIdentity()];
  const all = [...Array.from({ length: NODES - 1 }, () => device(alice, bob)), device(bob, alice)];
  try {
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[Math.floor((i - 1) / 2)]!, all[i]!];
      const [x, y] = memoryChannelPair();
      await Promise.all([a.mesh.linkChannel(x, b.mesh.id), b.mesh.linkChannel(y, a.mesh.id)]);
    }
    await until(() => all.every((a) => all.every((b) => a === b || a.trust.deviceOf(b.mesh.id) !== undefined)), 'every node to know every device', 60_000);
    const revoker = all[7]!;
    // The friend's device answers nothing of alice's without a grant: her 18 other devices answer.
    const echoes = all.filter((d) => d !== revoker && d.trust.user === alice.id).map((d) => echoOn(d.mesh, revoker.mesh));
    const spread: number[] = [];
    const roundTrip: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const grant = issueGrant(
        { issuer: alice.id, audience: { user: bob.id }, subject: { resource: formatResourceId(all[18]!.mesh.node.self.id) }, abilities: { access: 'read' }, notBefore: Date.now() - 1000, expires: Date.now() + DAY, nonce: `r${r}` },
        all[0]!.identity,
        all[0]!.certificate,
      );
      all[0]!.trust.grants.add(grant);
      const id = grantId(grant);
      await until(() => all.every((d) => d.trust.grants.find(id) !== undefined), 'the grant to spread', 10_000);
      let start = performance.now();
      await Promise.all(echoes.map((ref) => ref.call('echo', { n: r })));
      roundTrip.push(performance.now() - start);
      start = performance.now();
      revoker.trust.grants.revoke(revokeGrant(id, alice.id, Date.now(), revoker.identity, revoker.certificate));
      await until(() => all.every((d) => d.trust.grants.isRevoked(d.trust.grants.find(id)!)), 'the revocation to reach every node', 10_000);
      spread.push(performance.now() - start);
    }
    return { spreadMs: median(spread), roundTripMs: median(roundTrip) };
  } finally {
    await Promise.all(all.map((d) => d.mesh.close()));
  }
});

const benchmarks: Benchmark[] = [
  {
    name: 'trust.revoke.20',
    baseline: "the revoker calls its user's 18 other devices at once (mesh-wide round trip)",
    note: `trust.revoke.20: ${NODES} nodes in one process (a binary tree of memory links), median of ${ROUNDS} revocations`,
    goal: { of: 'value', atMost: 2000, label: 'a revocation refused on all 20 nodes within 2 s' },
    run: async () => {
      const f = await run();
      return { name: 'trust.revoke.20', value: round(f.spreadMs), unit: 'ms', baseline: round(f.roundTripMs), ratio: round(f.spreadMs / f.roundTripMs) };
    },
  },
];

export default benchmarks;
