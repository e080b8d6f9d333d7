import type { Device } from '../../transport/certificate.js';
import { DIRECTORY_RESOURCE } from '../directory.js';
import { RTC_RESOURCE } from '../meshSignals.js';
import { ADMIT, deny, type Denial, type PeerPolicy, type PeerRequest } from '../policy.js';
import type { KnownDevice, Trust } from './trust.js';

/** The local id of every node's trust endpoint (`glow.Trust/1`). */
export const TRUST_RESOURCE = 'trust';

/**
 * Decides what another user's device may do: the grants it holds (see the grants module).
 * Answers ADMIT or a denial; asked only for friends' devices.
 */
export type GrantCheck = (device: KnownDevice, request: PeerRequest) => typeof ADMIT | Denial;

/** Without grants, a friend reaches nothing of ours. */
const NO_GRANTS: GrantCheck = () => deny('no grant gives this user access to this resource');

/**
 * The door policy of a node whose resources belong to a user (the trust model of GLOW.md):
 * - the user's own devices may do everything;
 * - anyone who reached the node may announce its certificate and hand over signed removals and
 *   grants to the trust endpoint, which checks each signature itself;
 * - friends' devices may sync names (the directory accepts only names of their own namespace)
 *   and negotiate WebRTC links, and reach a resource only through a grant;
 * - every other node — no certificate, a removed device, a stranger's device — gets `denied`.
 */
export function trustPolicy(trust: Trust, grants: GrantCheck = NO_GRANTS): PeerPolicy {
  return (request) => {
    const relation = trust.relation(request.from);
    if (relation === 'own' || relation === 'self') return ADMIT;
    const local = request.target.local;
    if (local === TRUST_RESOURCE && request.action === 'cast') return ADMIT;
    if (relation === 'stranger') {
      return deny(trust.isRemoved(request.from) ? 'this device was removed by its user' : 'not a device of this user or of a friend');
    }
    if ((local === DIRECTORY_RESOURCE || local === RTC_RESOURCE) && request.action === 'cast') return ADMIT;
    return grants(trust.deviceOf(request.from)!, request);
  };
}

/** The link policy of such a node: its user's devices and friends' devices link; nothing else does. */
export function trustLinkPolicy(trust: Trust): (id: string, device: Device | undefined) => boolean {
  return (id, device) => device?.node === id && (trust.relationOf(device) === 'own' || trust.relationOf(device) === 'friend');
}
