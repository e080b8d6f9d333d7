import type { NodeId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import type { UserId } from '../../transport/certificate.js';
import type { NameSpace } from '../nameSpace.js';
import type { Trust } from './trust.js';

/** Characters of a user id that name its namespace when the user has no handle here. */
export const USER_PREFIX_LENGTH = 8;

/**
 * Names in users' namespaces (issue 12, point 5). A name is `NAMESPACE/rest`, where the namespace
 * is a user: this user's handle, a friend's handle, or a prefix of a user id (at least
 * {@link USER_PREFIX_LENGTH} characters) that matches one user this node knows. A name with no
 * namespace in front (`docs`) is this node's user's (`alice/docs`).
 *
 * Handles are petnames, chosen by each node for itself, so they never travel: the key a claim
 * travels and is stored under is `USERID/rest`, and a replica accepts a claim only from a device
 * whose certificate names that user. No one can claim a name in another user's namespace, so
 * the clocks in claims only ever settle races between one user's own devices.
 */
export class UserNameSpace implements NameSpace {
  constructor(private readonly trust: Trust) {}

  key(name: string): string {
    const slash = name.indexOf('/');
    const user = slash > 0 ? this.userOf(name.slice(0, slash)) : undefined;
    return user ? `${user}/${name.slice(slash + 1)}` : `${this.trust.user}/${name}`;
  }

  claim(name: string): string {
    const key = this.key(name);
    if (!key.startsWith(`${this.trust.user}/`)) {
      throw new GlowError('denied', `the namespace of ${JSON.stringify(name.slice(0, 100))} belongs to another user`, { reason: 'namespace of another user' });
    }
    if (key.length === this.trust.user.length + 1) throw new GlowError('badarg', 'a name needs something after its namespace');
    return key;
  }

  accepts(from: NodeId, key: string): boolean {
    const device = this.trust.deviceOf(from);
    if (!device || !key.startsWith(`${device.user}/`) || key.length === device.user.length + 1) return false;
    return device.user === this.trust.user || this.trust.isFriend(device.user);
  }

  show(key: string): string {
    const slash = key.indexOf('/');
    const user = key.slice(0, slash);
    const rest = key.slice(slash + 1);
    if (user === this.trust.user) return rest;
    return `${this.handleOf(user)}/${rest}`;
  }

  /** The handle this node shows `user` under: its own or a friend's, else a prefix of the id. */
  handleOf(user: UserId): string {
    if (user === this.trust.user) return this.trust.handle;
    return this.trust.friendList().find((friend) => friend.user === user)?.handle ?? user.slice(0, USER_PREFIX_LENGTH);
  }

  /**
   * The user a namespace names: this user's handle first, then a friend's handle, then a prefix
   * of exactly one known user's id (ambiguous prefixes name no one: a user who ground a key to
   * share another's prefix gains nothing).
   */
  userOf(namespace: string): UserId | undefined {
    const trust = this.trust;
    if (namespace === trust.handle) return trust.user;
    const friends = trust.friendList();
    const byHandle = friends.find((friend) => friend.handle === namespace);
    if (byHandle) return byHandle.user;
    if (namespace.length < USER_PREFIX_LENGTH) return undefined;
    const matches = [trust.user, ...friends.map((friend) => friend.user)].filter((user) => user.startsWith(namespace));
    return matches.length === 1 ? matches[0] : undefined;
  }
}
