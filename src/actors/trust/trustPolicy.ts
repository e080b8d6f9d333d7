import type { MemberSpec } from '../../firefly/idl.js';
import type { Device } from '../../transport/certificate.js';
import { DIRECTORY_RESOURCE } from '../directory.js';
import { RTC_RESOURCE } from '../meshSignals.js';
import { ADMIT, deny, type PeerPolicy, type PeerRequest } from '../policy.js';
import type { GrantNames, MemberAccess } from './grants.js';
import type { Trust } from './trust.js';

const NO_NAMES: GrantNames = { whereis: () => undefined, namesOf: () => [] };

/** The local id of every node's trust endpoint (`glow.Trust/1`). */
export const TRUST_RESOURCE = 'trust';

const READ: MemberAccess = { access: 'read', paths: [] };
const WRITE: MemberAccess = { access: 'write', paths: [] };
const accessOfSpec = new WeakMap<MemberSpec, MemberAccess>();

/** How a request reads, as far as grants care: from its member's declaration; signals that end or tie a resource write. */
function memberAccess(request: PeerRequest): MemberAccess {
  if (request.action === 'monitor' || request.action === 'unlink') return READ;
  if (request.action === 'link' || request.action === 'exit') return WRITE;
  if (request.member === 'describe') return READ;
  const spec = request.iface?.members[request.member];
  if (!spec) return WRITE;
  let access = accessOfSpec.get(spec);
  if (!access) accessOfSpec.set(spec, (access = { access: spec.access ?? 'write', paths: spec.paths ?? [] }));
  return access;
}

/**
 * The door policy of a node whose resources belong to a user (the trust model of GLOW.md):
 * - the user's own devices may do everything;
 * - anyone who reached the node may announce its certificate and hand over signed removals and
 *   grants to the trust endpoint, which checks each signature itself;
 * - friends' devices may sync names (the directory accepts only names of their own namespace)
 *   and negotiate WebRTC links, and reach a resource only through a grant this node holds
 *   (`resolve` finds what a grant's name names);
 * - every other node — no certificate, a removed device, a stranger's device — gets `denied`.
 */
export function trustPolicy(trust: Trust, names: GrantNames = NO_NAMES): PeerPolicy {
  return (request) => {
    const relation = trust.relation(request.from);
    if (relation === 'own' || relation === 'self') return ADMIT;
    const local = request.target.local;
    if (local === TRUST_RESOURCE && request.action === 'cast') return ADMIT;
    if (relation === 'stranger') {
      return deny(trust.isRemoved(request.from) ? 'this device was removed by its user' : 'not a device of this user or of a friend');
    }
    if ((local === DIRECTORY_RESOURCE || local === RTC_RESOURCE) && request.action === 'cast') return ADMIT;
    const device = trust.deviceOf(request.from)!;
    return trust.grants.check(device, request, memberAccess(request), names);
  };
}

/** The link policy of such a node: its user's devices and friends' devices link; nothing else does. */
export function trustLinkPolicy(trust: Trust): (id: string, device: Device | undefined) => boolean {
  return (id, device) => device?.node === id && (trust.relationOf(device) === 'own' || trust.relationOf(device) === 'friend');
}
