/**
 * Users and their devices for in-process meshes: a user is a key that certifies devices; a device
 * is a mesh whose node belongs to that user, linked to others over memory channels through the
 * real handshake.
 */
import * as v from 'valibot';
import { defineInterface, method, type NodeIdentity } from '../../../src/index.js';
import { Mesh, type MeshOptions } from '../../../src/actors/mesh.js';
import { Trust, type TrustOptions } from '../../../src/actors/trust/trust.js';
import { issueCertificate, type DeviceRole } from '../../../src/transport/certificate.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { memoryChannelPair } from '../../../src/transport/memoryChannel.js';
import { waitFor } from '../../helpers/waitFor.js';

/** A resource every device holds: what strangers must not open. */
export const Safe = defineInterface('test.Safe/1', { open: method(v.object({}), v.string()) });
const DAY = 86_400_000;

/** A user: a key that certifies devices. */
export function user() {
  const key = createIdentity();
  return {
    key,
    id: key.id,
    certify(node: NodeIdentity, name: string, roles: DeviceRole[] = ['member']) {
      return issueCertificate({ user: key.id, node: node.id, name, roles, issued: Date.now() - 1000, expires: Date.now() + DAY }, key);
    },
  };
}

export type User = ReturnType<typeof user>;

/** Makes devices and closes them all in `afterEach`. */
export function useDevices() {
  const meshes: Mesh[] = [];
  afterEach(async () => {
    await Promise.all(meshes.splice(0).map((mesh) => mesh.close()));
  });
  /** A device of `owner`, friends with `friends`, holding a safe. */
  return function device(owner: User, name: string, options: { friends?: User[]; roles?: DeviceRole[]; mesh?: Partial<MeshOptions>; trust?: Partial<TrustOptions> } = {}) {
    const identity = createIdentity();
    const certificate = owner.certify(identity, name, options.roles);
    const trust = new Trust({ certificate, friends: (options.friends ?? []).map((friend) => ({ user: friend.id })), ...options.trust });
    const mesh = new Mesh({ identity, trust, router: { updateInterval: 500, grace: 100 }, ...options.mesh });
    meshes.push(mesh);
    const safe = mesh.node.spawnResource({ iface: Safe, handlers: { open: () => `${name}'s gold` } });
    return { mesh, trust, safe, identity, certificate, name };
  };
}

export type Device = ReturnType<ReturnType<typeof useDevices>>;

/** Links two devices over memory channels, through the real handshake. */
export async function link(a: Device, b: Device): Promise<void> {
  const [channelA, channelB] = memoryChannelPair();
  await Promise.all([a.mesh.linkChannel(channelA, b.mesh.id), b.mesh.linkChannel(channelB, a.mesh.id)]);
}

/** Waits until `a` and `b` have routes to each other. */
export async function reachable(a: Device, b: Device, ms = 5000): Promise<void> {
  await waitFor(() => a.mesh.router.isReachable(b.mesh.id) && b.mesh.router.isReachable(a.mesh.id), ms, `${a.name} and ${b.name} to reach each other`);
}
