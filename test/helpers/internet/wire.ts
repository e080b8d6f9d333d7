/**
 * A wire between two namespaces with delay, loss and a switch: what `tc netem` on a veth would
 * give, built without it (this machine's kernel has no sch_netem). Each end is a VXLAN device made
 * in an underlay namespace and moved into its host: its UDP socket stays in the underlay and sends
 * every frame across a cable to a relay in this process, which holds it for the delay, drops it
 * by the loss rate or while the wire is cut, and hands it to the other end. (The underlay is not
 * this process's own namespace because VXLAN never puts a frame for a local address on the wire.)
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Namespace } from './namespace.js';
import { run } from './namespace.js';

/** How a wire behaves; every field can be changed while it runs. */
export interface WireSettings {
  /** One-way delay, ms. @default 0 */
  delayMs?: number;
  /** Share of frames dropped, 0–1, each way. @default 0 */
  loss?: number;
  /** False: every frame is dropped, as with the cable pulled. @default true */
  up?: boolean;
}

/**
 * Where wires' VXLAN sockets live: a namespace with a cable to this process, `address` its end of
 * the cable and `relay` this process's.
 */
export interface Underlay {
  ns: Namespace;
  address: string;
  relay: string;
}

/** One end of a wire: a namespace and the interface name it gets there. */
export interface WireEnd {
  ns: Namespace;
  ifname: string;
  /** Addresses in CIDR form (`10.1.0.2/24`), added when the wire is made. */
  addresses?: string[];
}

/** A running wire. */
export interface Wire {
  settings(): Required<WireSettings>;
  set(settings: WireSettings): void;
  /** Frames carried and dropped so far, both ways. */
  readonly carried: number;
  readonly dropped: number;
  close(): Promise<void>;
}

let made = 0;
let nextPort = 20_000;

function bindUdp(address: string): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve(socket));
  });
}

/**
 * Gives an end its addresses and brings it up. Checksums are computed at once, not left to the
 * "hardware": a frame that crosses the relay in user space would otherwise arrive with the inner
 * checksum never filled in, and be dropped.
 */
async function setUp(end: WireEnd): Promise<void> {
  await end.ns.run('ethtool', ['-K', end.ifname, 'tx', 'off']);
  for (const address of end.addresses ?? []) await end.ns.ip('addr', 'add', address, 'dev', end.ifname);
  await end.ns.ip('link', 'set', end.ifname, 'up');
}

/** Makes a wire between `a` and `b` over `underlay`, their interfaces up with their addresses. */
export async function createWire(underlay: Underlay, a: WireEnd, b: WireEnd, initial: WireSettings = {}): Promise<Wire> {
  const current: Required<WireSettings> = { delayMs: 0, loss: 0, up: true, ...initial };
  const relays = [await bindUdp(underlay.relay), await bindUdp(underlay.relay)] as const;
  // The underlay is this wire set's own namespace: its ports are ours to number.
  const listen = [nextPort++, nextPort++] as const;
  const id = `${process.pid % 100_000}x${++made}`;
  const devices = [`gw${id}a`, `gw${id}b`] as const;
  let carried = 0;
  let dropped = 0;
  // Frames from end i arrive at relay i and go to end 1-i's device.
  relays.forEach((relay, i) => {
    relay.on('message', (frame) => {
      if (!current.up || Math.random() < current.loss) {
        dropped++;
        return;
      }
      carried++;
      const deliver = () => relays[1 - i]!.send(frame, listen[1 - i]!, underlay.address, () => undefined);
      if (current.delayMs > 0) setTimeout(deliver, current.delayMs);
      else deliver();
    });
    relay.on('error', () => undefined);
  });
  const ends = [a, b] as const;
  try {
    for (const [i, end] of ends.entries()) {
      const device = devices[i]!;
      await underlay.ns.ip('link', 'add', device, 'type', 'vxlan', 'id', '42', 'dstport', String(listen[i]), 'local', underlay.address, 'nolearning');
      await underlay.ns.run('bridge', ['fdb', 'append', '00:00:00:00:00:00', 'dev', device, 'dst', underlay.relay, 'port', String(relays[i]!.address().port)]);
      await underlay.ns.ip('link', 'set', device, 'netns', String(end.ns.pid));
      await end.ns.ip('link', 'set', device, 'name', end.ifname, 'mtu', '1500');
      await setUp(end);
    }
  } catch (error) {
    for (const relay of relays) relay.close();
    throw error;
  }
  return {
    settings: () => ({ ...current }),
    set(settings) {
      Object.assign(current, settings);
    },
    get carried() {
      return carried;
    },
    get dropped() {
      return dropped;
    },
    async close() {
      current.up = false;
      // The devices go with their namespaces; deleting them here ends the wire at once.
      for (const end of ends) await end.ns.ip('link', 'del', end.ifname).catch(() => undefined);
      await Promise.all(relays.map((relay) => new Promise<void>((resolve) => relay.close(() => resolve()))));
    },
  };
}

/**
 * A plain cable (a veth pair) between two namespaces: for a LAN, where no delay is wanted and
 * multicast (mDNS) must pass as on a switch. Closing it pulls the cable.
 */
export async function createCable(a: WireEnd, b: WireEnd): Promise<{ close(): Promise<void> }> {
  const id = `${process.pid % 100_000}x${++made}`;
  const devices = [`gc${id}a`, `gc${id}b`] as const;
  await run('ip', ['link', 'add', devices[0], 'type', 'veth', 'peer', 'name', devices[1]]);
  const ends = [a, b] as const;
  for (const [i, end] of ends.entries()) {
    await run('ip', ['link', 'set', devices[i]!, 'netns', String(end.ns.pid)]);
    await end.ns.ip('link', 'set', devices[i]!, 'name', end.ifname);
    await setUp(end);
  }
  return {
    // Deleting one end of a veth deletes both.
    close: () => a.ns.ip('link', 'del', a.ifname).then(() => undefined, () => undefined),
  };
}
