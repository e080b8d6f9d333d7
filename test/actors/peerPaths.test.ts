/**
 * Peer paths (src/actors/peerPaths.ts): which of the user's devices a node reaches only through
 * the mesh, and via which neighbour; linked nodes, other users' nodes and the node itself are
 * never listed.
 */
import { relayedOwnDevices } from '../../src/actors/peerPaths.js';
import type { NodeId } from '../../src/firefly/address.js';
import type { RouteInfo } from '../../src/router/router.js';
import type { NeighbourInfo } from '../../src/router/neighbours.js';
import { linkDevices, meshed, testUser, useDevices } from '../helpers/userMeshes.js';
import { waitFor } from '../helpers/waitFor.js';

const device = useDevices();

test("a device behind another of the user's is relayed via it; a friend's device behind it is not listed", async () => {
  const alice = testUser();
  const bob = testUser();
  const laptop = device(alice, 'laptop', { friends: [{ user: bob }] });
  const vps = device(alice, 'vps', { friends: [{ user: bob }], mesh: { transit: 'friends' } });
  const desk = device(alice, 'desk');
  const bobs = device(bob, 'bobs', { friends: [{ user: alice }] });
  await linkDevices(laptop, vps);
  await linkDevices(vps, desk);
  await linkDevices(vps, bobs);
  await meshed(laptop, vps, desk);
  // The friend's device is reachable too (routes are advertised to all), so leaving it out is the filter's doing.
  await waitFor(() => laptop.mesh.router.route(bobs.id)?.nextHop === vps.id, 5000, 'a route laptop → bobs via the vps');

  expect(relayedOwnDevices(laptop.mesh.router, laptop.trust)).toEqual([{ node: desk.id, via: vps.id }]);
  // Every one of the vps's devices is a neighbour: nothing is relayed.
  expect(relayedOwnDevices(vps.mesh.router, vps.trust)).toEqual([]);
});

test('leaves out this node, linked nodes, routes that lost their link and nodes of no known device of the user', () => {
  const user = 'U';
  const route = (destination: NodeId, nextHop: NodeId): RouteInfo => ({ destination, nextHop, metric: 10, hops: 2, seqno: 1 });
  const neighbour = (node: NodeId) => ({ node, kind: 'websocket', rtt: 1, cost: 10, links: 1, bytesIn: 0, bytesOut: 0 }) as NeighbourInfo;
  const router = {
    id: 'self' as NodeId,
    neighbours: () => [neighbour('hub' as NodeId)],
    routes: () => ['self', 'hub', 'far2', 'far1', 'gone', 'friend', 'unknown'].map((node) => route(node as NodeId, (node === 'gone' ? 'gone' : 'hub') as NodeId)),
  };
  const users: Record<string, string> = { self: user, hub: user, far1: user, far2: user, gone: user, friend: 'F' };
  const trust = { user, deviceOf: (node: NodeId) => (users[node] ? { user: users[node] } : undefined) } as unknown as Parameters<typeof relayedOwnDevices>[1];

  expect(relayedOwnDevices(router, trust)).toEqual([
    { node: 'far1', via: 'hub' },
    { node: 'far2', via: 'hub' },
  ]);
});
