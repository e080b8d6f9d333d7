/**
 * Issue 13 point 3: "A neighbour that attracts a route and then drops packets is noticed by the
 * end-to-end session (no answer within a few RTTs) and routed around within 2 s when another
 * path exists." A reaches D through B (the cheap path) or E (a costlier one); B forwards the
 * routers' own traffic but swallows what A sends D.
 */
import * as v from 'valibot';
import { defineInterface, method } from '../../../src/index.js';
import type { Mesh } from '../../../src/actors/mesh.js';
import { memoryLinkPair } from '../../../src/transport/memory.js';
import { PacketKind } from '../../../src/firefly/packet.js';
import { waitFor } from '../../helpers/waitFor.js';
import { TappedLink, useMeshes } from './relayMesh.js';

const Echo = defineInterface('test.Echo/1', { echo: method(v.object({ text: v.string() }), v.string()) });
const mesh = useMeshes();

/** Links a and b with a memory link of round trip `rtt` ms; both ends tapped. */
function link(a: Mesh, b: Mesh, rtt: number): { atA: TappedLink; atB: TappedLink } {
  const [rawA, rawB] = memoryLinkPair(a.id, b.id, { rtt });
  const [atA, atB] = [new TappedLink(rawA), new TappedLink(rawB)];
  a.addLink(atA);
  b.addLink(atB);
  return { atA, atB };
}

async function diamond() {
  const [a, b, d, e] = [mesh(), mesh(), mesh(), mesh()];
  link(a, b, 0.1);
  const bToD = link(b, d, 0.1).atA;
  link(a, e, 5);
  link(e, d, 5);
  await waitFor(() => a.router.route(d.id)?.nextHop === b.id && d.router.route(a.id)?.nextHop === b.id, 5000, 'A and D to route through B');
  await waitFor(() => e.router.route(d.id) !== undefined && e.router.route(a.id) !== undefined, 5000, 'E to know a path to A and D');
  const echo = d.node.spawnResource({ iface: Echo, handlers: { echo: ({ text }) => `echo ${text}` } });
  const ref = a.node.ref(echo.id, Echo);
  /** From now on B drops everything A sends D (routes still flow: B still attracts the traffic). */
  const blackHole = () => {
    bToD.mangle = (bytes, packet) => (packet && packet.kind !== PacketKind.route && packet.src.node === a.id ? [] : [bytes]);
  };
  return { a, b, d, e, ref, blackHole };
}

test('a relay that starts dropping an open session is noticed by the session and routed around within 2 s', async () => {
  const { a, b, e, d, ref, blackHole } = await diamond();
  await expect(ref.call('echo', { text: 'through B' })).resolves.toBe('echo through B');
  expect(a.router.route(d.id)?.nextHop).toBe(b.id);
  // B turns: it still routes, and swallows A's traffic for D.
  blackHole();
  const started = Date.now();
  const lost = ref.call('echo', { text: 'swallowed' }, { timeout: 1500 });
  await waitFor(() => a.router.route(d.id)?.nextHop === e.id, 2000, 'A to route to D through E');
  expect(Date.now() - started).toBeLessThan(2000);
  await expect(lost).rejects.toMatchObject({ code: 'timeout' });
  await expect(ref.call('echo', { text: 'through E' })).resolves.toBe('echo through E');
  expect(a.router.stats.sessions!.probesLost).toBeGreaterThan(0);
});
