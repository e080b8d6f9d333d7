/**
 * In-process meshes of users' devices for tests: users (keys that certify devices), devices
 * (a Mesh with a Trust), links through the real handshake over memory channels. Every mesh made
 * here is closed after each test.
 */
import { Mesh, type MeshOptions } from '../../src/actors/mesh.js';
import { Trust, type TrustOptions } from '../../src/actors/trust/trust.js';
import { issueCertificate, type DeviceRole } from '../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';
import { memoryChannelPair } from '../../src/transport/memoryChannel.js';
import { waitFor } from './waitFor.js';

const DAY = 86_400_000;

/** A user: a key that certifies devices. */
export function testUser() {
  const key = createIdentity();
  return {
    key,
    id: key.id,
    certify(node: NodeIdentity, name: string, roles: DeviceRole[] = ['member']) {
      return issueCertificate({ user: key.id, node: node.id, name, roles, issued: Date.now() - 1000, expires: Date.now() + DAY }, key);
    },
  };
}

export type TestUser = ReturnType<typeof testUser>;

/** What a device is made with besides its user. */
export interface DeviceOptions {
  /** Friends, each with the handle this device knows them by. */
  friends?: { user: TestUser; handle?: string }[];
  handle?: string;
  roles?: DeviceRole[];
  mesh?: Partial<MeshOptions>;
  /** Anything else of its trust store (a wall clock…). */
  trust?: Partial<TrustOptions>;
}

/** Makes devices (closed after each test, registered with `afterEach` where this is called). */
export function useDevices() {
  const meshes: Mesh[] = [];
  afterEach(async () => {
    await Promise.all(meshes.splice(0).map((mesh) => mesh.close()));
  });
  return (owner: TestUser, name: string, options: DeviceOptions = {}) => {
    const identity = createIdentity();
    const certificate = owner.certify(identity, name, options.roles);
    const friends = (options.friends ?? []).map((friend) => ({ user: friend.user.id, ...(friend.handle ? { handle: friend.handle } : {}) }));
    const trust = new Trust({ certificate, friends, ...(options.handle ? { handle: options.handle } : {}), ...options.trust });
    const mesh = new Mesh({ identity, trust, router: { updateInterval: 500, grace: 100 }, ...options.mesh });
    meshes.push(mesh);
    return { mesh, trust, identity, certificate, name, node: mesh.node, id: mesh.id };
  };
}

export type TestDevice = ReturnType<ReturnType<typeof useDevices>>;

/** Links two devices over memory channels, through the real handshake. */
export async function linkDevices(a: TestDevice, b: TestDevice): Promise<void> {
  const [channelA, channelB] = memoryChannelPair();
  await Promise.all([a.mesh.linkChannel(channelA, b.id), b.mesh.linkChannel(channelB, a.id)]);
}

/** Waits until each of `devices` has a route to every other one and knows its certificate. */
export async function meshed(...devices: TestDevice[]): Promise<void> {
  const pairs = devices.flatMap((a) => devices.filter((b) => b !== a).map((b) => [a, b] as const));
  await waitFor(
    () => pairs.every(([a, b]) => a.mesh.router.isReachable(b.id) && a.trust.deviceOf(b.id) !== undefined),
    5000,
    () => `devices to reach and know each other (${pairs.filter(([a, b]) => !a.mesh.router.isReachable(b.id) || !a.trust.deviceOf(b.id)).map(([a, b]) => `${a.name}→${b.name}`).join(', ')})`,
  );
}
