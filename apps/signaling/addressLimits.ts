/**
 * The signaling server's limits per remote address: connections open at once, and
 * registrations over time (a token bucket per address, then one for the whole server). One
 * process can open many sockets and sign a fresh id on each; these bound what it gets.
 */
import { TokenBucket } from './rateLimiter.js';

/** The limits, as in `SignalingServerOptions`. */
export interface AddressLimitSettings {
  maxConnectionsPerAddress: number;
  registrationsPerSecond: number;
  registrationBurst: number;
  globalRegistrationsPerSecond: number;
  globalRegistrationBurst: number;
}

/**
 * Addresses whose registration bucket is remembered at once; beyond that the least recently
 * seen is forgotten, so a sweep over many addresses cannot grow the table without bound.
 */
const MAX_TRACKED = 10_000;

/** Connection counts and registration buckets by remote address. */
export class AddressLimits {
  private readonly open = new Map<string, number>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly global: TokenBucket;

  constructor(
    private readonly settings: AddressLimitSettings,
    private readonly now: () => number,
  ) {
    this.global = new TokenBucket(settings.globalRegistrationsPerSecond, settings.globalRegistrationBurst, now);
  }

  /** Counts a new connection from `address`; false (not counted) when it has too many already. */
  connect(address: string): boolean {
    const count = this.open.get(address) ?? 0;
    if (count >= this.settings.maxConnectionsPerAddress) return false;
    this.open.set(address, count + 1);
    return true;
  }

  /** A counted connection from `address` closed. */
  disconnect(address: string): void {
    const count = (this.open.get(address) ?? 1) - 1;
    if (count <= 0) this.open.delete(address);
    else this.open.set(address, count);
  }

  /** Takes a registration for `address`: from its own bucket, then the server's; false when either is empty. */
  register(address: string): boolean {
    let bucket = this.buckets.get(address);
    if (bucket) this.buckets.delete(address);
    else bucket = new TokenBucket(this.settings.registrationsPerSecond, this.settings.registrationBurst, this.now);
    this.buckets.set(address, bucket);
    if (this.buckets.size > MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket.take() && this.global.take();
  }
}

/** The address a socket came from, IPv4-mapped IPv6 written as IPv4 (one host, one address). */
export function remoteAddress(address: string | undefined): string {
  const text = address ?? '';
  return text.startsWith('::ffff:') && text.includes('.') ? text.slice('::ffff:'.length) : text;
}
