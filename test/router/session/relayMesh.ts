/**
 * Meshes for the session tests: real `Mesh` instances (node keys, sessions on) on memory links
 * whose ends can be tapped. A tapped end records what its node sends, lets a test change,
 * hold, drop or add packets on the way out, and can feed bytes to its node as if they had
 * arrived — a malicious relay made from the library's own parts.
 */
import { Mesh, type MeshOptions } from '../../../src/actors/mesh.js';
import { decodePacket, isSealed, PacketKind, type Packet } from '../../../src/firefly/packet.js';
import type { NodeId } from '../../../src/firefly/address.js';
import { createIdentity } from '../../../src/transport/identity.js';
import type { Link, LinkClose } from '../../../src/transport/link.js';
import { memoryLinkPair, type MemoryLinkControls } from '../../../src/transport/memory.js';

/** The header of `bytes`, or undefined when they are not a packet. */
export function headerOf(bytes: Uint8Array): Packet | undefined {
  try {
    return decodePacket(bytes);
  } catch {
    return undefined;
  }
}

/** What a tap does with bytes its node sends: the bytes to send instead (an empty list drops them). */
export type Mangle = (bytes: Uint8Array, packet: Packet | undefined) => Uint8Array[];

/** A link end that its node uses as any other, with a test in the middle. */
export class TappedLink implements Link {
  /** Everything the node sent on this link, as it sent it (while `recording`). */
  readonly recorded: Uint8Array[] = [];
  recording = true;
  /** Applied to what the node sends; undefined passes everything. */
  mangle: Mangle | undefined;
  private readonly packetListeners: ((packet: Uint8Array) => void)[] = [];

  constructor(readonly inner: Link) {}

  get kind() {
    return this.inner.kind;
  }
  get remote(): NodeId {
    return this.inner.remote;
  }
  get device() {
    return this.inner.device;
  }
  get certificate() {
    return this.inner.certificate;
  }
  get rtt() {
    return this.inner.rtt;
  }
  get bufferedAmount() {
    return this.inner.bufferedAmount;
  }
  get closed() {
    return this.inner.closed;
  }

  send(bytes: Uint8Array): void {
    if (this.recording) this.recorded.push(bytes);
    const out = this.mangle ? this.mangle(bytes, headerOf(bytes)) : [bytes];
    for (const packet of out) this.inner.send(packet);
  }

  /** Sends bytes to the other end as if the node had sent them (not recorded, not mangled). */
  inject(bytes: Uint8Array): void {
    this.inner.send(bytes);
  }

  /** Hands bytes to this end's node at once, as if they had arrived from the other end. */
  receive(bytes: Uint8Array): void {
    for (const listener of this.packetListeners) listener(bytes);
  }

  close(reason?: string): void {
    this.inner.close(reason);
  }
  onPacket(listener: (packet: Uint8Array) => void): void {
    this.packetListeners.push(listener);
    this.inner.onPacket(listener);
  }
  onDrain(listener: () => void): void {
    this.inner.onDrain(listener);
  }
  onClose(listener: (close: LinkClose) => void): void {
    this.inner.onClose(listener);
  }
}

/** Options of a test mesh: anything of `MeshOptions`, router options merged over the test defaults. */
export type TestMeshOptions = Partial<MeshOptions>;

/** Makes a mesh with fast routing and a fresh identity unless one is given. */
export function makeMesh(options: TestMeshOptions = {}): Mesh {
  return new Mesh({
    identity: createIdentity(),
    callTimeout: 2000,
    ...options,
    router: { updateInterval: 500, grace: 100, ...options.router },
  });
}

/** Both tapped ends of a memory link between `a` and `b`, added to their meshes. */
export function link(a: Mesh, b: Mesh): { atA: TappedLink; atB: TappedLink; controls: MemoryLinkControls } {
  const [rawA, rawB, controls] = memoryLinkPair(a.id, b.id);
  const atA = new TappedLink(rawA);
  const atB = new TappedLink(rawB);
  a.addLink(atA);
  b.addLink(atB);
  return { atA, atB, controls };
}

/**
 * Makes meshes that are closed after each test of the calling file (registers `afterEach`).
 * `closeLater` hands over one made elsewhere.
 */
export function useMeshes() {
  const meshes: Mesh[] = [];
  afterEach(async () => {
    await Promise.all(meshes.splice(0).map((mesh) => mesh.close()));
  });
  const make = (options: TestMeshOptions = {}): Mesh => {
    const mesh = makeMesh(options);
    meshes.push(mesh);
    return mesh;
  };
  return make;
}

/** True for sealed traffic from `from` to `to` (not session messages, not route packets). */
export function isSealedBetween(packet: Packet | undefined, from: NodeId, to: NodeId): packet is Packet {
  return packet !== undefined && isSealed(packet.kind) && packet.src.node === from && packet.dst.node === to;
}

/** True for a session message (handshake, probe, reset) from `from` to `to`. */
export function isSessionBetween(packet: Packet | undefined, from: NodeId, to: NodeId): packet is Packet {
  return packet !== undefined && packet.kind === PacketKind.session && packet.src.node === from && packet.dst.node === to;
}

/** Flips bit `bit` of a copy of `bytes`. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

/** True when `marker` (UTF-8) appears anywhere in `bytes`. */
export function contains(bytes: Uint8Array, marker: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(marker);
}
