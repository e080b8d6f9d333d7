import * as v from 'valibot';
import type { NodeId, ResourceId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import { cast, defineInterface, method } from '../../firefly/idl.js';
import { bytes } from '../../firefly/schemas.js';
import { decodeCertificate, encodeCertificate } from '../../transport/certificate.js';
import type { Handlers } from '../resource.js';
import { decodeRemoval, encodeRemoval } from './deviceRemoval.js';
import { decodeGrant, encodeGrant } from './grant.js';
import { decodeRevocation, encodeRevocation } from './grantRevocation.js';
import type { HeldGrant } from './grants.js';
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
  announce: cast(v.object({ certificate: bytes, ask: v.optional(v.boolean()) }), {
    description: "the sender's own device certificate; `ask`: the sender does not know the receiver's yet",
  }),
  removed: cast(v.object({ removal: bytes }), { description: 'a signed removal of a device from its user' }),
  renewed: cast(v.object({ certificate: bytes }), { description: "a renewal of the receiver's certificate, from an admin device of its user" }),
  grant: cast(v.object({ grant: bytes }), { description: 'a signed grant that concerns the receiver (given by, to, or delegated from its user)' }),
  revokedGrant: cast(v.object({ revocation: bytes }), { description: "a grant's issuer signed that it no longer holds" }),
  whoami: method(v.object({}), DeviceSchema, { description: 'this node as a device of its user' }),
  devices: method(v.object({}), v.array(DeviceSchema), { description: 'the devices of this user this node knows' }),
});

/** The casts an endpoint sends, with their arguments. */
interface Sent {
  announce: { certificate: Uint8Array; ask?: boolean };
  renewed: { certificate: Uint8Array };
  removed: { removal: Uint8Array };
  grant: { grant: Uint8Array };
  revokedGrant: { revocation: Uint8Array };
}

/** What the endpoint needs from its node. */
export interface TrustEndpointHost {
  readonly id: NodeId;
  /** Casts to the trust endpoint of `peer`. */
  send<M extends keyof Sent>(peer: NodeId, member: M, args: Sent[M]): void;
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
      // A device learnt later may be the audience of a grant we hold: it hears of it now.
      if (event.type === 'device' && this.reachable.has(event.device.node)) this.sendGrants(event.device.node);
    });
    trust.grants.onChange((event) => {
      if (event.type === 'revoked') {
        // Revocations go everywhere at once: the holder of the resource may be any node.
        const revocation = encodeRevocation(event.revocation);
        for (const peer of this.reachable) this.host.send(peer, 'revokedGrant', { revocation });
      } else {
        for (const peer of this.reachable) if (this.concerns(event.held, peer)) this.host.send(peer, 'grant', { grant: encodeGrant(event.held.grant) });
      }
    });
  }

  /** A node became reachable: it learns who we are, what was removed and revoked, and the grants that concern it. */
  nodeReachable(peer: NodeId): void {
    if (this.reachable.has(peer) || peer === this.host.id) return;
    this.reachable.add(peer);
    this.announce(peer);
    for (const removal of this.trust.removalList()) this.host.send(peer, 'removed', { removal: encodeRemoval(removal) });
    for (const revocation of this.trust.grants.revocations()) this.host.send(peer, 'revokedGrant', { revocation: encodeRevocation(revocation) });
    this.sendGrants(peer);
  }

  /**
   * Tells `peer` who we are, asking for its certificate when we lack it: an announce lost while
   * routes still settle is then made up by the other side's, whichever of the two arrives.
   */
  private announce(peer: NodeId): void {
    this.host.send(peer, 'announce', { certificate: encodeCertificate(this.trust.certificate), ...(this.trust.deviceOf(peer) ? {} : { ask: true }) });
  }

  private sendGrants(peer: NodeId): void {
    for (const held of this.trust.grants.list()) if (this.concerns(held, peer)) this.host.send(peer, 'grant', { grant: encodeGrant(held.grant) });
  }

  /** A grant concerns a device whose user issued a link of its chain or is an audience in it. */
  private concerns(held: HeldGrant, peer: NodeId): boolean {
    const device = this.trust.deviceOf(peer);
    if (!device) return false;
    return held.verified.chain.some((link) => link.issuer === device.user || link.audience.user === device.user);
  }

  nodeUnreachable(peer: NodeId): void {
    this.reachable.delete(peer);
  }

  /** The endpoint's handlers (`caller` is the sending resource; casts from inside the node carry none). */
  handlers(): Handlers<typeof TrustInterface> {
    const trust = this.trust;
    return {
      announce: ({ certificate, ask }, _ctx, caller?: ResourceId) => {
        const cert = decodeCertificate(certificate);
        // A node speaks for itself only: a certificate relayed by another proves nothing here.
        if (!caller || cert.node !== caller.node) throw new GlowError('denied', 'a node announces only its own certificate');
        const learned = trust.learn(cert);
        if ('refused' in learned) throw new GlowError('denied', `certificate refused: ${learned.refused}`);
        if (ask && this.reachable.has(caller.node)) this.announce(caller.node);
      },
      removed: ({ removal }) => {
        trust.remove(decodeRemoval(removal));
      },
      renewed: ({ certificate }, _ctx, caller?: ResourceId) => {
        const from = caller ? trust.deviceOf(caller.node) : undefined;
        if (!from || from.user !== trust.user || !from.roles.includes('admin')) throw new GlowError('denied', 'only an admin device of this user renews its certificates');
        trust.renew(decodeCertificate(certificate));
      },
      grant: ({ grant }) => {
        const held = trust.grants.add(decodeGrant(grant));
        if (held && 'refused' in held) throw new GlowError('denied', `grant refused: ${held.refused}`);
      },
      revokedGrant: ({ revocation }) => {
        trust.grants.revoke(decodeRevocation(revocation));
      },
      whoami: () => summary(trust.device),
      devices: () => trust.ownDevices().map(summary),
    };
  }
}
