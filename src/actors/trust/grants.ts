import { formatResourceId, type NodeId, type ResourceId } from '../../firefly/address.js';
import { GlowError } from '../../firefly/errors.js';
import type { UserId } from '../../transport/certificate.js';
import { ADMIT, deny, type Denial, type PeerRequest } from '../policy.js';
import { grantId, isVerifiedGrant, normalizeGrantPath, verifyGrant, withinPath, type Grant, type VerifiedGrant } from './grant.js';
import { verifyRevocation, type GrantRevocation } from './grantRevocation.js';
import { notifyAll } from '../../firefly/listeners.js';

/** A grant this node keeps, verified on the way in. */
export interface HeldGrant {
  readonly id: string;
  readonly grant: Grant;
  readonly verified: VerifiedGrant;
}

/** What a {@link Grants} store needs from the node's trust. */
export interface GrantsHost {
  /** This node's user now. */
  user(): UserId;
  /** Wall clock, ms since the epoch. */
  now(): number;
  /** Devices their user removed sign nothing any more. */
  isRemoved(node: NodeId): boolean;
}

/** The requester, as the door knows it. */
export interface Requester {
  readonly user: UserId;
  readonly node: NodeId;
  /** The device key the node runs under (a tab's): a grant to that device reaches every node it runs as. */
  readonly key?: NodeId;
}

/** How a request's member reads and which of its arguments are paths (from the interface). */
export interface MemberAccess {
  readonly access: 'read' | 'write';
  readonly paths: readonly string[];
}

/** How many grants and revocations one node keeps at most: a peer cannot fill its memory. */
const MAX_GRANTS = 10_000;
const MAX_REVOCATIONS = 10_000;
/** Request verdicts remembered per store (emptied on any change and when full). */
const MAX_VERDICTS = 4096;
/** How far a peer's clock may run ahead of ours before its fresh grant looks "not yet valid". */
const CLOCK_SKEW = 5 * 60_000;
/** How long a verdict that rests on a name (which may come to name another resource) is kept. */
const NAME_VERDICT_MS = 1000;

/**
 * The grants a node knows: those its user gave, those given to its user, and chains delegated
 * from its user's grants (which it must hold to check them). Everything is verified on the way
 * in; a request is then judged by a lookup, and the verdict for (requester, resource, member) is
 * cached until something changes or the deciding grant expires.
 */
export class Grants {
  private readonly held = new Map<string, HeldGrant>();
  /** Revocations by `issuer grantId`: only the grant's issuer can revoke it. */
  private readonly revoked = new Map<string, GrantRevocation>();
  private readonly verdicts = new Map<string, { verdict: typeof ADMIT | Denial; until: number }>();
  private readonly listeners = new Set<(event: GrantsEvent) => void>();

  constructor(private readonly host: GrantsHost) {}

  /**
   * A grant arrived (made here, or from a peer): verified, and kept when it concerns this node's
   * user (given by it, to it, or delegated from one of its grants). Answers its id, or why it is
   * refused; false when it does not concern us (dropped, not an error).
   */
  add(grant: Grant): HeldGrant | { refused: string } | false {
    const id = grantId(grant);
    const known = this.held.get(id);
    if (known) return known;
    const verified = verifyGrant(grant, this.host.now(), (node) => this.host.isRemoved(node));
    if (!isVerifiedGrant(verified)) return verified;
    const user = this.host.user();
    if (!verified.chain.some((link) => link.issuer === user || link.audience.user === user)) return false;
    if (verified.expires <= this.host.now()) return { refused: 'grant expired' };
    if (this.held.size >= MAX_GRANTS) this.prune();
    if (this.held.size >= MAX_GRANTS) return { refused: 'too many grants' };
    const held: HeldGrant = { id, grant, verified };
    this.held.set(id, held);
    this.changed({ type: 'grant', held });
    return held;
  }

  /** A signed revocation arrived: kept when it verifies. True when it is new. */
  revoke(revocation: GrantRevocation): boolean {
    const key = `${revocation.issuer} ${revocation.grant}`;
    // Every node passes a new revocation on to every other: the copies after the first cost a lookup.
    if (this.revoked.has(key)) return false;
    const verdict = verifyRevocation(revocation, this.host.now(), (node) => this.host.isRemoved(node));
    if (verdict !== true) throw new GlowError('denied', `grant revocation refused: ${verdict.refused}`);
    if (this.revoked.size >= MAX_REVOCATIONS) throw new GlowError('busy', 'too many revocations held');
    this.revoked.set(key, revocation);
    this.changed({ type: 'revoked', revocation });
    return true;
  }

  /** True when a link of the chain was revoked by its issuer. */
  isRevoked(held: HeldGrant): boolean {
    return held.verified.chain.some((link) => this.revoked.has(`${link.issuer} ${grantId(link)}`));
  }

  /**
   * Whether `user` holds a live, unrevoked grant of write from this node's user on what is named
   * `name` here (the name itself, or a prefix of it ending with `/`): what a resource that calls
   * another user's resources back (a synced folder's replica) asks before it does.
   */
  writable(user: UserId, name: string): boolean {
    const now = this.host.now();
    return this.list().some((held) => {
      const { verified, grant } = held;
      if (grant.audience.user !== user || verified.owner !== this.host.user() || this.lapsed(held, now)) return false;
      return verified.chain.every((link) => link.abilities.access === 'write' && link.subject.name !== undefined && nameCovers(link.subject.name, name));
    });
  }

  /** A held grant by id (or a unique prefix of one). */
  find(id: string): HeldGrant | undefined {
    const exact = this.held.get(id);
    if (exact) return exact;
    const matches = [...this.held.values()].filter((held) => held.id.startsWith(id));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Every grant held (revoked ones included: the caller shows them as such). */
  list(): HeldGrant[] {
    return [...this.held.values()];
  }

  /** Every revocation held. */
  revocations(): GrantRevocation[] {
    return [...this.revoked.values()];
  }

  /**
   * Whether `who` may do `request` on a resource of this node: some held, live, unrevoked chain
   * rooted in this node's user is for `who` and each of its links allows the request. `names`
   * finds the resource a name names, and the names a resource of this node has (a grant on a name
   * that ends with `/` covers every resource named under it: `sync/docs/` is every replica of the
   * synced folder `docs`); `access` says how the member reads (the request's arguments are
   * decoded only when a grant limits paths).
   */
  check(who: Requester, request: PeerRequest, access: MemberAccess, names: GrantNames): typeof ADMIT | Denial {
    const cacheKey = access.paths.length === 0 ? `${who.node} ${request.target.local} ${request.member}` : undefined;
    const now = this.host.now();
    if (cacheKey) {
      const cached = this.verdicts.get(cacheKey);
      if (cached && cached.until > now) return cached.verdict;
    }
    let best: { rank: number; denial: Denial } | undefined;
    let until = Infinity;
    for (const held of this.held.values()) {
      const leaf = held.grant;
      if (leaf.audience.user !== who.user || (leaf.audience.node !== undefined && leaf.audience.node !== who.node && leaf.audience.node !== who.key)) continue;
      if (held.verified.owner !== this.host.user()) continue;
      const verdict = this.judge(held, request, access, names, now);
      if (verdict === ADMIT) {
        // A name can come to name another resource: what a name decided is asked again soon.
        const named = held.verified.chain.some((link) => link.subject.name !== undefined);
        if (cacheKey) this.remember(cacheKey, ADMIT, Math.min(held.verified.expires, named ? now + NAME_VERDICT_MS : Infinity));
        return ADMIT;
      }
      if (!best || verdict.rank > best.rank) best = verdict;
      if (held.verified.notBefore > now) until = Math.min(until, held.verified.notBefore - CLOCK_SKEW);
    }
    const denial = best?.denial ?? deny('no grant gives this user access to this resource');
    if (cacheKey) this.remember(cacheKey, denial, Math.min(until, now + NAME_VERDICT_MS));
    return denial;
  }

  private judge(held: HeldGrant, request: PeerRequest, access: MemberAccess, names: GrantNames, now: number): typeof ADMIT | { rank: number; denial: Denial } {
    const denied = (rank: number, reason: string) => ({ rank, denial: deny(reason) });
    const { verified } = held;
    // A grant about another resource says nothing about this one: the weakest reason.
    for (const link of verified.chain) if (!covers(link, request.target, names)) return denied(0, 'no grant gives this user access to this resource');
    const lapse = this.lapsed(held, now);
    if (lapse) return denied(lapse.rank, lapse.reason);
    for (const link of verified.chain) {
      const { access: level, methods } = link.abilities;
      const allowed = level === 'write' || (level === 'read' && access.access === 'read') || (methods ?? []).includes(request.member);
      if (!allowed) return denied(2, level === 'read' ? 'the grant allows reading only' : `the grant does not allow ${request.member}`);
    }
    const prefixes = verified.chain.flatMap((link) => (link.subject.path !== undefined ? [link.subject.path] : []));
    if (prefixes.length > 0) {
      if (access.paths.length === 0) return denied(3, `${request.member} takes no path, and the grant covers a path`);
      const values = request.args();
      for (const field of access.paths) {
        const raw = values && typeof values === 'object' ? (values as Record<string, unknown>)[field] : undefined;
        if (raw === undefined) continue;
        const path = typeof raw === 'string' ? normalizeGrantPath(raw) : undefined;
        if (path === undefined || !prefixes.every((prefix) => withinPath(path, prefix))) return denied(3, 'outside the path the grant covers');
      }
    }
    return ADMIT;
  }

  /** Why a held grant does not hold at `now` (revoked, expired, not valid yet), ranked by how much it tells; undefined while it holds. */
  private lapsed(held: HeldGrant, now: number): { rank: number; reason: string } | undefined {
    if (this.isRevoked(held)) return { rank: 5, reason: 'the grant was revoked' };
    if (held.verified.expires <= now) return { rank: 4, reason: 'the grant expired' };
    if (held.verified.notBefore > now + CLOCK_SKEW) return { rank: 4, reason: 'the grant is not valid yet' };
    return undefined;
  }

  private remember(key: string, verdict: typeof ADMIT | Denial, until: number): void {
    if (this.verdicts.size >= MAX_VERDICTS) this.verdicts.clear();
    this.verdicts.set(key, { verdict, until });
  }

  /** Drops grants that expired. */
  private prune(): void {
    const now = this.host.now();
    for (const [id, held] of this.held) if (held.verified.expires <= now) this.held.delete(id);
  }

  /** Forgets every grant and revocation (the node joined another user: they were the old user's). */
  clear(): void {
    this.held.clear();
    this.revoked.clear();
    this.verdicts.clear();
  }

  /** Forgets every cached verdict (names moved, a friend left: anything a verdict depended on). */
  invalidate(): void {
    this.verdicts.clear();
  }

  /** Listens for new grants and revocations; returns a function that stops. */
  onChange(listener: (event: GrantsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(event: GrantsEvent): void {
    this.verdicts.clear();
    notifyAll(this.listeners, event);
  }
}

/** What changed in a {@link Grants} store. */
export type GrantsEvent = { type: 'grant'; held: HeldGrant } | { type: 'revoked'; revocation: GrantRevocation };

/** How a grant's names are read on the node that holds the resource. */
export interface GrantNames {
  /** The resource a name names. */
  whereis(name: string): ResourceId | undefined;
  /** The names a resource of this node is registered under. */
  namesOf(id: ResourceId): readonly string[];
}

/** Whether one link of a chain is about `target`: its resource, the resource its name names, or one named under its `name/` prefix. */
function covers(link: Grant, target: ResourceId, names: GrantNames): boolean {
  const { resource, name } = link.subject;
  if (resource !== undefined) return resource === formatResourceId(target);
  if (name!.endsWith('/')) return names.namesOf(target).some((own) => nameCovers(name!, own));
  const named = names.whereis(name!);
  return named !== undefined && named.node === target.node && named.local === target.local;
}

/** Whether a grant's subject name covers `name`: the name itself, or one under it when it ends with `/`. */
function nameCovers(subject: string, name: string): boolean {
  return subject === name || (subject.endsWith('/') && name.length > subject.length && name.startsWith(subject));
}
