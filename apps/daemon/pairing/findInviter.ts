/**
 * `glow join CODE` with no address: the joiner looks for the inviter among the daemons mDNS finds
 * on the network (each advertises its HTTP gateway, TXT `http=`; mdns.ts) and pairs with the one
 * that holds the invitation.
 *
 * Trying a daemon that does not hold it costs nothing and gives nothing away: the code's first
 * part (the invite id, public by design) picks the invite, and a daemon without one of that id
 * answers `no such invite` before it counts a try (invites.ts). What else the joiner sends is an
 * OPAQUE login start, which reveals nothing about the secret, and the sealed request goes out
 * only to a daemon that proved it knows the code. Daemons are tried one at a time, so two never
 * spend tries at once; the first one that holds the invite decides (a pairing, or its refusal:
 * wrong code, used, expired), so a wrong code is not tried against anyone else.
 *
 * Signaling servers are not searched: they relay WebRTC offers between registered node ids and
 * know nothing of HTTP gateways, and a stranger's mesh link is refused at the handshake, so the
 * only way to reach an inviter we do not know yet is its HTTP address.
 */
import type { NodeId } from '../../../src/firefly/address.js';
import { GlowError } from '../../../src/firefly/errors.js';
import type { DiscoveredPeer } from '../mdns.js';
import type { InviteCode } from './inviteCode.js';
import { joinInviter, type JoinRequest, type Joined } from './joinClient.js';

/** What the joiner needs of its discovery. */
export interface Nearby {
  peers(): DiscoveredPeer[];
  query(): void;
}

/** Options of {@link joinNearby}. */
export interface JoinNearbyOptions {
  /** How long to look for daemons, ms. @default 4000 */
  wait?: number;
  /** How long one daemon has to answer a login start, ms. @default 3000 */
  startTimeout?: number;
  /** How often the discovered peers are looked at, ms. @default 100 */
  poll?: number;
}

/** The typed error of a search that found nobody holding the invitation. */
export function noInviterFound(tried: number): GlowError {
  return new GlowError('noconnection', 'no daemon on this network holds this invitation; give --connect URL (the inviter\'s HTTP address) or the link', {
    reason: 'no inviter found',
    tried,
  });
}

/**
 * Pairs with the daemon on the network that holds `code`'s invitation, looking for at most
 * `wait` ms. Rejects with {@link noInviterFound} when none does, or with the refusal of the one
 * that holds it.
 */
export async function joinNearby(nearby: Nearby, code: InviteCode, device: JoinRequest, options: JoinNearbyOptions = {}): Promise<Joined & { via: string }> {
  const deadline = Date.now() + (options.wait ?? 4000);
  const startTimeout = options.startTimeout ?? 3000;
  // The login start only: a daemon that does not answer it soon is not worth waiting for, but
  // one that holds the invite takes its time over the finish (OPAQUE, certificate).
  const quickStart: typeof fetch = (input, init) =>
    fetch(input, String(input).endsWith('/api/join/start') ? { ...init, signal: AbortSignal.any([...(init?.signal ? [init.signal] : []), AbortSignal.timeout(startTimeout)]) } : init);
  const tried = new Set<NodeId>();
  nearby.query();
  for (;;) {
    for (const peer of nearby.peers()) {
      // A flood of forged advertisements that never answer must not stretch the search.
      if (Date.now() >= deadline) break;
      if (!peer.http || tried.has(peer.id)) continue;
      tried.add(peer.id);
      try {
        return { ...(await joinInviter(peer.http, code, device, quickStart)), via: peer.http };
      } catch (error) {
        const reason = error instanceof GlowError ? (error.details as { reason?: unknown } | undefined)?.reason : undefined;
        // Not this one: it holds no such invite, or cannot be reached.
        if (reason === 'no such invite' || (error instanceof GlowError && error.code === 'noconnection')) continue;
        throw error;
      }
    }
    if (Date.now() >= deadline) throw noInviterFound(tried.size);
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.poll ?? 100, Math.max(0, deadline - Date.now()))));
  }
}
