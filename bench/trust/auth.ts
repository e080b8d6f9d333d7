/**
 * What the door's authorization check costs a call between two devices of one user: A calls B
 * over a loopback WebSocket link, both with users (the trust policy judges every request at B's
 * door, the handshake presents certificates), beside the same pair with no users (the door admits
 * everything) — sequential calls, alternating rounds, same run.
 */
import { Mesh } from '../../src/actors/mesh.js';
import { Trust } from '../../src/actors/trust/trust.js';
import { issueCertificate } from '../../src/transport/certificate.js';
import { createIdentity } from '../../src/transport/identity.js';
import { createNodeWebSocket, listenWebSocket } from '../../src/transport/websocketServer.js';
import { alternate, round, type Benchmark } from '../harness.js';
import { callRtt, echoOn, once, sleep, until } from '../mesh/fixtures.js';
import './fixtures.js';

const OPS = 5_000;

/** A and B linked over WebSocket (with a user when `user` is given); answers the echo ref and a close. */
async function pair(user: ReturnType<typeof createIdentity> | undefined) {
  const make = () => {
    const identity = createIdentity();
    const trust = user
      ? new Trust({ certificate: issueCertificate({ user: user.id, node: identity.id, name: 'bench', roles: ['member'], issued: Date.now() - 1000, expires: Date.now() + 86_400_000 }, user) })
      : undefined;
    return new Mesh({ identity, webSocket: createNodeWebSocket, ...(trust ? { trust } : {}) });
  };
  const [a, b] = [make(), make()];
  const listener = await listenWebSocket({ identity: b.identity, ...b.linkOptions(), onLink: (link) => b.addLink(link) });
  await a.connect(listener.url, { expect: b.id });
  await until(() => a.router.route(b.id) !== undefined && (!user || a.node.trust!.relation(b.id) === 'own'), 'A to reach and know B');
  await sleep(300);
  const ref = echoOn(b, a);
  return {
    ref,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await listener.close();
    },
  };
}

const run = once(async () => {
  const [plain, trusted] = [await pair(undefined), await pair(createIdentity())];
  try {
    const [withUsers, without] = await alternate([() => callRtt(trusted.ref, OPS), () => callRtt(plain.ref, OPS)], { rounds: 11, warmup: 2 });
    return { withUsers: withUsers! / OPS, without: without! / OPS };
  } finally {
    await Promise.all([plain.close(), trusted.close()]);
  }
});

const benchmarks: Benchmark[] = [
  {
    name: 'trust.auth.rtt.1hop',
    baseline: 'the same ws pair with no users (the door admits everything)',
    note: 'trust.auth.rtt.1hop: A→B sequential calls over a loopback ws link, both devices of one user vs no users, alternating rounds',
    goal: { of: 'ratio', atMost: 1.05, label: 'authorization on own-device calls costs ≤ 5 % of the round trip' },
    run: async () => {
      const f = await run();
      return { name: 'trust.auth.rtt.1hop', value: round(f.withUsers / 1000), unit: 'µs/call', baseline: round(f.without / 1000), ratio: round(f.withUsers / f.without) };
    },
  },
];

export default benchmarks;
