import type { Link, LinkClose } from '../../src/transport/link.js';
import { within } from '../helpers/waitFor.js';

/** Resolves with the link's close event, or rejects if it does not come within `timeout` ms. */
export function nextClose(link: Link, timeout = 2000): Promise<LinkClose> {
  return within(new Promise<LinkClose>((resolve) => link.onClose(resolve)), timeout, 'link did not close');
}

/** Collects the next `count` packets the link receives (rejects after `timeout` ms). */
export function receive(link: Link, count: number, timeout = 2000): Promise<Uint8Array[]> {
  const packets: Uint8Array[] = [];
  // Said in the failure: a link that closed mid-way and one that merely stalled are different bugs.
  let closed = '';
  link.onClose((close) => (closed = `; the link closed by ${close.by}: ${close.reason}`));
  return within(
    new Promise<Uint8Array[]>((resolve) => {
      link.onPacket((packet) => {
        if (packets.length < count && packets.push(packet) === count) resolve(packets);
      });
    }),
    timeout,
    () => `${count} packets did not arrive (got ${packets.length}${closed})`,
  );
}

/** A packet of `size` bytes whose content depends on `seed`: the first 4 bytes hold the seed. */
export function patterned(seed: number, size: number): Uint8Array {
  const packet = new Uint8Array(size);
  for (let i = 0; i < size; i++) packet[i] = (seed + i * 31) & 0xff;
  if (size >= 4) new DataView(packet.buffer).setUint32(0, seed);
  return packet;
}

/** The seed of a {@link patterned} packet, or -1 when its content does not match its seed. */
export function seedOf(packet: Uint8Array): number {
  if (packet.length < 4) return -1;
  const seed = new DataView(packet.buffer, packet.byteOffset, 4).getUint32(0);
  const expected = patterned(seed, packet.length);
  for (let i = 4; i < packet.length; i++) if (packet[i] !== expected[i]) return -1;
  return seed;
}

/** Settles after two event-loop turns and `ms` more: for checking that something did *not* happen. */
export function quietPeriod(ms = 20): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(() => setTimeout(resolve, ms))));
}
