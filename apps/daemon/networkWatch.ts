/**
 * Noticing that this machine's network changed: a phone that walks from the carrier onto the home
 * WiFi, a laptop unplugged. Node has no event for it, so the interfaces' addresses are looked at
 * four times a second (a cheap call: 66 µs measured). The daemon then has every link prove itself
 * at once, redials what it keeps connected and tries direct paths again, instead of waiting for
 * heartbeats to time out and backoffs to run down.
 */
import { networkInterfaces } from 'node:os';

/** What changed, as addresses. */
export interface NetworkChange {
  added: string[];
  removed: string[];
}

/** Options of {@link watchNetwork}. */
export interface NetworkWatchOptions {
  onChange(change: NetworkChange): void;
  /** How often the addresses are looked at, ms. @default 250 */
  every?: number;
  /** This machine's addresses (loopback left out). @default from os.networkInterfaces() */
  addresses?: () => string[];
}

function ownAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((entry) => !entry.internal).map((entry) => entry.address));
}

/** Starts watching; returns a function that stops. */
export function watchNetwork(options: NetworkWatchOptions): () => void {
  const read = options.addresses ?? ownAddresses;
  let known = new Set(read());
  const timer = setInterval(() => {
    const now = new Set(read());
    const added = [...now].filter((address) => !known.has(address));
    const removed = [...known].filter((address) => !now.has(address));
    known = now;
    if (added.length > 0 || removed.length > 0) options.onChange({ added, removed });
  }, options.every ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
