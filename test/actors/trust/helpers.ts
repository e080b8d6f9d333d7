/**
 * Devices for the trust tests: the shared user meshes (test/helpers/userMeshes.ts), each device
 * holding a safe — what strangers must not open.
 */
import * as v from 'valibot';
import { defineInterface, method } from '../../../src/index.js';
import { linkDevices, testUser, useDevices as useUserDevices, type DeviceOptions, type TestDevice, type TestUser } from '../../helpers/userMeshes.js';
import { waitFor } from '../../helpers/waitFor.js';

/** A resource every device holds. */
export const Safe = defineInterface('test.Safe/1', { open: method(v.object({}), v.string()) });

export { testUser as user, type TestUser as User };

/** Makes devices of a user, friends with other users, each holding a safe (closed after each test). */
export function useDevices() {
  const make = useUserDevices();
  return (owner: TestUser, name: string, options: Omit<DeviceOptions, 'friends'> & { friends?: TestUser[] } = {}) => {
    const device = make(owner, name, { ...options, friends: (options.friends ?? []).map((user) => ({ user })) });
    const safe = device.node.spawnResource({ iface: Safe, handlers: { open: () => `${name}'s gold` } });
    return { ...device, safe };
  };
}

export type Device = TestDevice & { safe: ReturnType<TestDevice['node']['spawnResource']> };

/** Links two devices over memory channels, through the real handshake. */
export const link = linkDevices;

/** Waits until `a` and `b` have routes to each other. */
export async function reachable(a: TestDevice, b: TestDevice, ms = 5000): Promise<void> {
  await waitFor(() => a.mesh.router.isReachable(b.id) && b.mesh.router.isReachable(a.id), ms, `${a.name} and ${b.name} to reach each other`);
}
