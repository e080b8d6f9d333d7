import * as v from 'valibot';
import type { NodeId, ResourceId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import { cast, defineInterface, method } from '../../firefly/idl.js';
import { bytes } from '../../firefly/schemas.js';
import { decodeCertificate, encodeCertificate } from '../../transport/certificate.js';
import type { Handlers } from '../resource.js';
import { decodeRemoval, encodeRemoval } from './deviceRemoval.js';
import type { KnownDevice, Trust } from './trust.js';

const DeviceSchema = v.object({
  node: v.string(),
  user: v.string(),
  name: v.string(),
  roles: v.array(v.picklist(['admin', 'member'])),
  expires: v.number(),
  lastSeen: v.number(),
});

/** `glow.Trust/1`: how nodes tell each other who they are and which devices their users removed. */
export const TrustInterface = defineInterface('glow.Trust/1', {
  announce: cast(v.object({ certificate: bytes }), { description: "the sender's own device certificate" }),
  removed: cast(v.object({ removal: bytes }), { description: 'a signed removal of a device from its user' }),
  renewed: cast(v.object({ certificate: bytes }), { description: "a renewal of the receiver's certificate, from an admin device of its user" }),
  whoami: method(v.object({}), DeviceSchema, { description: 'this node as a device of its user' }),
  devices: method(v.object({}), v.array(DeviceSchema), { description: 'the devices of this user this node knows' }),
});

/** What the endpoint needs from its node. */
export interface TrustEndpointHost {
  readonly id: NodeId;
  /** Casts to the trust endpoint of `peer`. */
  send<M extends 'announce' | 'removed' | 'renewed'>(peer: NodeId, member: M, args: M extends 'removed' ? { removal: Uint8Array } : { certificate: Uint8Array }): void;
}

function summary(device: KnownDevice) {
  return { node: device.node, user: device.user, name: device.name, roles: [...device.roles], expires: device.expires, lastSeen: device.lastSeen };
}

/**
 * A node's trust endpoint: it announces this node's certificate to every node that becomes
 * reachable (with every removal it knows, so that a node that was away hears of them), spreads a
 * new removal to every reachable node at once, and takes what others announce. What arrives is
 * checked by the {@link Trust} store; a node announces only itself.
 */
export class TrustEndpoint {
  private readonly reachable = new Set<NodeId>();

  constructor(
    private readonly trust: Trust,
    private readonly host: TrustEndpointHost,
  ) {
    trust.onChange((event) => {
      if (event.type === 'removed') for (const peer of this.reachable) this.host.send(peer, 'removed', { removal: encodeRemoval(event.removal) });
      if (event.type === 'renewed') for (const peer of this.reachable) this.host.send(peer, 'announce', { certificate: encodeCertificate(event.certificate) });
    });
  }

  /** A node became reachable: it learns who we are and what was removed. */
  nodeReachable(peer: NodeId): void {
    if (this.reachable.has(peer) || peer === this.host.id) return;
    this.reachable.add(peer);
    this.host.send(peer, 'announce', { certificate: encodeCertificate(this.trust.certificate) });
    for (const removal of this.trust.removalList()) this.host.send(peer, 'removed', { removal: encodeRemoval(removal) });
  }

  nodeUnreachable(peer: NodeId): void {
    this.reachable.delete(peer);
  }

  /** The endpoint's handlers (`caller` is the sending resource; casts from inside the node carry none). */
  handlers(): Handlers<typeof TrustInterface> {
    const trust = this.trust;
    return {
      announce: ({ certificate }, _ctx, caller?: ResourceId) => {
        const cert = decodeCertificate(certificate);
        // A node speaks for itself only: a certificate relayed by another proves nothing here.
        if (!caller || cert.node !== caller.node) throw new GlowError('denied', 'a node announces only its own certificate');
        const learned = trust.learn(cert);
        if ('refused' in learned) throw new GlowError('denied', `certificate refused: ${learned.refused}`);
      },
      removed: ({ removal }) => {
        trust.remove(decodeRemoval(removal));
      },
      renewed: ({ certificate }, _ctx, caller?: ResourceId) => {
        const from = caller ? trust.deviceOf(caller.node) : undefined;
        if (!from || from.user !== trust.user || !from.roles.includes('admin')) throw new GlowError('denied', 'only an admin device of this user renews its certificates');
        trust.renew(decodeCertificate(certificate));
      },
      whoami: () => summary(trust.device),
      devices: () => trust.ownDevices().map(summary),
    };
  }
}
