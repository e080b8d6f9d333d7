import type { NodeId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import { isDevice, verifyCertificate, type Device, type DeviceCertificate, type UserId } from '../../transport/certificate.js';
import { verifyRemoval, type DeviceRemoval } from './deviceRemoval.js';
import type { Grant } from './grant.js';
import type { GrantRevocation } from './grantRevocation.js';
import { Grants } from './grants.js';
import { notifyAll } from '../../firefly/listeners.js';

/** How a node stands to this one. */
export type Relation = 'self' | 'own' | 'friend' | 'stranger';

/** A device this node has seen a valid certificate of. */
export interface KnownDevice extends Device {
  readonly certificate: DeviceCertificate;
  /** When its certificate last reached us (a link or an announcement), ms since the epoch. */
  readonly lastSeen: number;
}

/** Options of a {@link Trust}. */
export interface TrustOptions {
  /** This node's own device certificate. */
  certificate: DeviceCertificate;
  /**
   * Other users whose devices may link to this node, each with the handle its names use.
   * @default none
   */
  friends?: Iterable<{ user: UserId; handle?: string }>;
  /**
   * The handle this user's names are shown and typed under here (`alice` in `alice/docs`):
   * 1–64 characters, no `/`.
   * @default the first 8 characters of the user id
   */
  handle?: string;
  /**
   * Devices their user removed (checked; invalid ones are ignored).
   * @default none
   */
  removals?: Iterable<DeviceRemoval>;
  /**
   * Grants given and received, kept from an earlier run (checked again; invalid ones are dropped).
   * @default none
   */
  grants?: Iterable<Grant>;
  /**
   * Revocations of grants, kept from an earlier run (checked again).
   * @default none
   */
  revocations?: Iterable<GrantRevocation>;
  /**
   * Wall clock (ms since the epoch) against which certificates are checked.
   * @default Date.now
   */
  wallClock?: () => number;
}

/**
 * What one node knows about users and devices: its own user and device, the devices of every
 * node it heard a valid certificate from, the users it calls friends, and the devices their
 * users removed. Everything in it was verified on the way in; asking it is a lookup.
 */
export class Trust {
  private currentUser: UserId;
  /** The grants this node holds: given by its user, to its user, and delegated from them. */
  readonly grants: Grants;
  private readonly chosenHandle: string | undefined;
  private own: DeviceCertificate;
  private readonly now: () => number;
  private readonly devices = new Map<NodeId, KnownDevice>();
  private readonly friends = new Map<UserId, { handle?: string }>();
  private readonly removals = new Map<NodeId, DeviceRemoval>();
  private readonly listeners = new Set<(event: TrustEvent) => void>();

  constructor(options: TrustOptions) {
    this.now = options.wallClock ?? Date.now;
    const own = verifyCertificate(options.certificate, this.now());
    if (!isDevice(own)) throw new GlowError('badarg', `this node's certificate is refused: ${own.refused}`);
    this.currentUser = own.user;
    this.chosenHandle = options.handle;
    if (options.handle !== undefined && (options.handle.length === 0 || options.handle.length > 64 || options.handle.includes('/'))) {
      throw new GlowError('badarg', 'a handle has 1–64 characters and no "/"');
    }
    this.own = options.certificate;
    for (const friend of options.friends ?? []) this.friends.set(friend.user, { handle: friend.handle });
    for (const removal of options.removals ?? []) if (verifyRemoval(removal, this.now()) === true && removal.user === this.user) this.removals.set(removal.node, removal);
    this.devices.set(own.node, { ...own, certificate: options.certificate, lastSeen: this.now() });
    // The user can change (pairing): the store asks each time.
    this.grants = new Grants({ user: () => this.user, now: this.now, isRemoved: (node) => this.isRemoved(node) });
    for (const revocation of options.revocations ?? []) {
      try {
        this.grants.revoke(revocation);
      } catch {
        // A stored revocation that no longer verifies (its signer removed since) is dropped.
      }
    }
    for (const grant of options.grants ?? []) this.grants.add(grant);
  }

  /** The handle of this user's namespace on this node (see {@link TrustOptions.handle}; default: the user id's first 8 characters). */
  get handle(): string {
    return this.chosenHandle ?? this.user.slice(0, 8);
  }

  /** This node's user (it changes only when the node joins another user: {@link changeUser}). */
  get user(): UserId {
    return this.currentUser;
  }

  /** This node's certificate (presented in every handshake). */
  get certificate(): DeviceCertificate {
    return this.own;
  }

  /** This node as a device. */
  get device(): KnownDevice {
    return this.devices.get(this.own.node)!;
  }

  /** Replaces this node's certificate with a renewed one (same user and node, valid). */
  renew(certificate: DeviceCertificate): void {
    const checked = verifyCertificate(certificate, this.now());
    if (!isDevice(checked) || checked.user !== this.user || checked.node !== this.own.node) {
      throw new GlowError('denied', `not a renewal of this node's certificate: ${isDevice(checked) ? 'another user or node' : checked.refused}`);
    }
    this.own = certificate;
    this.devices.set(checked.node, { ...checked, certificate, lastSeen: this.now() });
    this.emit({ type: 'renewed', certificate });
  }

  /**
   * This node joined another user (pairing): `certificate` makes the same node a device of it.
   * What this store knew belonged to the old user's world — its devices, friends and removals —
   * so it is dropped, and listeners hear `user` (the mesh cuts every link: each was accepted as
   * the old user's). `denied` when the certificate is not a valid one for this node.
   */
  changeUser(certificate: DeviceCertificate): void {
    const checked = verifyCertificate(certificate, this.now());
    if (!isDevice(checked) || checked.node !== this.own.node) {
      throw new GlowError('denied', `not a certificate for this node: ${isDevice(checked) ? 'another node' : checked.refused}`, { reason: 'certificate refused' });
    }
    this.currentUser = checked.user;
    this.own = certificate;
    this.devices.clear();
    this.friends.clear();
    this.removals.clear();
    this.grants.clear();
    this.devices.set(checked.node, { ...checked, certificate, lastSeen: this.now() });
    this.emit({ type: 'user', certificate });
  }

  /**
   * A certificate arrived (a link, an announcement): remembered when it verifies and its device
   * was not removed. Answers the device, or why the certificate is refused.
   */
  learn(certificate: DeviceCertificate): KnownDevice | { refused: string } {
    const checked = verifyCertificate(certificate, this.now(), (node) => this.isRemoved(node));
    if (!isDevice(checked)) return checked;
    const known = this.devices.get(checked.node);
    // An older certificate does not replace a newer one (a renewal that crossed a stale copy).
    if (known && known.certificate.issued > certificate.issued) return known;
    const device: KnownDevice = { ...checked, certificate, lastSeen: this.now() };
    this.devices.set(checked.node, device);
    if (!known) this.emit({ type: 'device', device });
    return device;
  }

  /** The device a node is, if its certificate was seen, is still valid and was not removed. */
  deviceOf(node: NodeId): KnownDevice | undefined {
    const device = this.devices.get(node);
    if (!device) return undefined;
    if (device.expires <= this.now() || this.isRemovedDevice(device)) {
      this.devices.delete(node);
      return undefined;
    }
    return device;
  }

  /**
   * The name a person is shown for `node`: its device name when it is one of this user's devices
   * (this one included); another user's device carries its user, as `name@handle` or with the
   * start of the user id, so that it never passes for one of ours. Undefined for a node whose
   * certificate is not known.
   */
  deviceLabel(node: NodeId): string | undefined {
    if (node === this.own.node) return this.own.name;
    const device = this.deviceOf(node);
    if (!device) return undefined;
    if (device.user === this.user) return device.name;
    return `${device.name}@${this.friends.get(device.user)?.handle ?? device.user.slice(0, 8)}`;
  }

  /** How `node` stands to this node. */
  relation(node: NodeId): Relation {
    if (node === this.own.node) return 'self';
    const device = this.deviceOf(node);
    if (!device) return 'stranger';
    if (device.user === this.user) return 'own';
    return this.friends.has(device.user) ? 'friend' : 'stranger';
  }

  /** How a device (from a handshake) stands to this node. */
  relationOf(device: Device | undefined): Relation {
    if (!device || this.isRemovedDevice(device)) return 'stranger';
    if (device.node === this.own.node) return 'self';
    if (device.user === this.user) return 'own';
    return this.friends.has(device.user) ? 'friend' : 'stranger';
  }

  /** Every device this node knows a valid certificate of (its own user's and friends'). */
  knownDevices(): KnownDevice[] {
    return [...this.devices.keys()].map((node) => this.deviceOf(node)).filter((device): device is KnownDevice => device !== undefined);
  }

  /**
   * Devices of this node's user (this one included), as far as this node knows them: one entry
   * per device, so a tab that reloaded (a new node under the same device key) is listed once, as
   * the node it was seen as last.
   */
  ownDevices(): KnownDevice[] {
    const latest = new Map<NodeId, KnownDevice>();
    for (const node of [...this.devices.keys()]) {
      const device = this.deviceOf(node);
      if (device?.user !== this.user) continue;
      const seen = latest.get(deviceIdOf(device));
      if (!seen || seen.lastSeen <= device.lastSeen) latest.set(deviceIdOf(device), device);
    }
    return [...latest.values()];
  }

  // ---- friends ------------------------------------------------------------------------------

  addFriend(user: UserId, handle?: string): void {
    if (user === this.user) throw new GlowError('badarg', 'you are not your own friend: your devices trust each other already');
    this.friends.set(user, { handle });
    this.emit({ type: 'friends' });
  }

  removeFriend(user: UserId): boolean {
    const removed = this.friends.delete(user);
    if (removed) this.emit({ type: 'friends' });
    return removed;
  }

  isFriend(user: UserId): boolean {
    return this.friends.has(user);
  }

  /** Friends with their handles. */
  friendList(): { user: UserId; handle?: string }[] {
    return [...this.friends].map(([user, { handle }]) => (handle ? { user, handle } : { user }));
  }

  // ---- removed devices ----------------------------------------------------------------------

  /**
   * A device of this node's user was removed: checked, remembered, and every listener told (the
   * mesh drops its links). False when it was known already; `denied` when it does not verify
   * or is about another user's device.
   */
  remove(removal: DeviceRemoval): boolean {
    // Every node passes a new removal on to every other: the copies after the first cost a lookup.
    if (this.removals.has(removal.node)) return false;
    const verdict = verifyRemoval(removal, this.now());
    if (verdict !== true) throw new GlowError('denied', `device removal refused: ${verdict.refused}`);
    if (removal.user !== this.user && !this.friends.has(removal.user)) throw new GlowError('denied', 'device removal refused: not about a device of this user or a friend');
    this.removals.set(removal.node, removal);
    for (const [node, device] of this.devices) if (deviceIdOf(device) === removal.node) this.devices.delete(node);
    this.emit({ type: 'removed', removal });
    return true;
  }

  isRemoved(node: NodeId): boolean {
    return this.removals.has(node);
  }

  /** True when the device was removed: its node, or the device key it runs under. */
  private isRemovedDevice(device: Device): boolean {
    return this.removals.has(device.node) || (device.key !== undefined && this.removals.has(device.key));
  }

  /** Every removal known, to hand to a node that may not have heard of them. */
  removalList(): DeviceRemoval[] {
    return [...this.removals.values()];
  }

  // ---- events -------------------------------------------------------------------------------

  /** Listens for what changes (a new device, a removal, friends, a renewal); returns a function that stops. */
  onChange(listener: (event: TrustEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: TrustEvent): void {
    notifyAll(this.listeners, event);
  }
}

/**
 * What names a device across the nodes it runs as: its device key when its certificate is a
 * delegation (a tab's), else its node id. A removal names it.
 */
export function deviceIdOf(device: Device): NodeId {
  return device.key ?? device.node;
}

/** What changed in a {@link Trust}. */
export type TrustEvent =
  | { type: 'device'; device: KnownDevice }
  | { type: 'removed'; removal: DeviceRemoval }
  | { type: 'friends' }
  | { type: 'renewed'; certificate: DeviceCertificate }
  | { type: 'user'; certificate: DeviceCertificate };
