import { decodeValue } from '../firefly/codec.js';
import type { ReceiveLimits } from '../firefly/limits.js';
import { PacketKind, type Packet } from '../firefly/packet.js';

/** The error codes a router answers with for a packet it could not deliver (see `bounce`). */
const NOTICE_CODES = new Set(['noconnection', 'denied', 'badpacket']);

/**
 * True when a packet in the clear is a router's answer for a packet it could not deliver: an
 * `error` with one of the codes `bounce` makes, or a `down` signal for `noconnection`. Such an
 * answer names the unreachable destination as its source and cannot be sealed by the router
 * that makes it, so it is the one thing that may cross relays unsealed; a relay that forges one
 * only fails what it could have dropped. Never throws.
 */
export function isRouterNotice(packet: Packet, limits: ReceiveLimits): boolean {
  if (packet.kind !== PacketKind.error && !(packet.kind === PacketKind.signal && packet.method === 'down')) return false;
  let value: unknown;
  try {
    value = decodeValue(packet.body, limits);
  } catch {
    return false;
  }
  if (packet.kind === PacketKind.signal) return value === 'noconnection';
  return typeof value === 'object' && value !== null && NOTICE_CODES.has((value as { code?: unknown }).code as string);
}
