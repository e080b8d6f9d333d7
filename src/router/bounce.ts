import type { NodeId } from '../firefly/address.js';
import { encodeValue } from '../firefly/codec.js';
import { errorToWire, GlowError } from '../firefly/errors.js';
import { DEFAULT_HOP_LIMIT, PacketKind, PROTOCOL_VERSION, SEALED, type Packet } from '../firefly/packet.js';
import type { DropReason } from './stats.js';

const MESSAGES: Partial<Record<DropReason, string>> = {
  noroute: 'no route to node',
  hoplimit: 'hop limit exhausted on the way to node',
  notransit: 'a node that carries no transit traffic was asked to relay to node',
  relaydenied: 'a node refused to relay traffic between these nodes to node',
  nosession: 'no end-to-end session could be opened with node',
  tampered: 'a sealed packet failed authentication on its way to node',
};

/**
 * The answer owed to the sender of a packet a router drops, or undefined when none is owed.
 *
 * Only packets that leave something waiting get one, so that the sender fails it now instead of
 * at its timeout:
 * - a `call` or `stream` gets an `error` packet with the same `corr`: `noconnection`, with
 *   `details: { router, reason }` saying which router gave up and why (`noroute`, `hoplimit`,
 *   `notransit`), or `denied` when a relay policy refused it (`relaydenied`). A hop limit that runs out is reported as `noconnection` too: for the caller the
 *   node was not reachable; `badpacket` would wrongly blame what it sent.
 * - a `monitor` signal gets a `down` signal with reason `noconnection`, as a monitor on an
 *   unreachable node does in Erlang.
 *
 * Everything else (replies, errors, casts, stream traffic, other signals) is dropped and counted
 * only: answering an answer could ping-pong, and an error carrying another kind's `corr` would
 * settle an unrelated call of the sender (corr spaces are per kind).
 *
 * The answer's source is the packet's destination: the sender matches answers by (node, corr),
 * and the router answers on that node's behalf. The receiving router accepts this because only a
 * packet that claims to come from the receiving node itself is treated as forged.
 */
export function bounce(packet: Packet, router: NodeId, reason: DropReason): Packet | undefined {
  const message = `${MESSAGES[reason] ?? 'cannot reach node'} ${packet.dst.node}`;
  const base = { version: PROTOCOL_VERSION, src: packet.dst, dst: packet.src, hop: DEFAULT_HOP_LIMIT, corr: packet.corr };
  // A sealed packet's kind is readable (its method is not): a sealed monitor gets no answer.
  switch (packet.kind & ~SEALED) {
    case PacketKind.call:
    case PacketKind.stream: {
      // A refusal is `denied` (the route exists; the relay will not carry this), a packet changed
      // on the way `badpacket`, the rest `noconnection`.
      const code = reason === 'relaydenied' ? 'denied' : reason === 'tampered' ? 'badpacket' : 'noconnection';
      const error = new GlowError(code, message, { router, reason });
      return { ...base, kind: PacketKind.error, method: '', body: encodeValue(errorToWire(error)) };
    }
    case PacketKind.signal:
      if (packet.method !== 'monitor') return undefined;
      return { ...base, kind: PacketKind.signal, method: 'down', body: encodeValue('noconnection') };
    default:
      return undefined;
  }
}
