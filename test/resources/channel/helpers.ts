/**
 * Helpers of the channel tests: meshes over memory links whose packets can be counted, and
 * small readers of subscriptions that never wait without a bound.
 */
import { Mesh } from '../../../src/actors/mesh.js';
import { decodePacket, type PacketKind } from '../../../src/firefly/packet.js';
import { createIdentity } from '../../../src/transport/identity.js';
import type { Link, LinkClose } from '../../../src/transport/link.js';
import { memoryLinkPair, type MemoryLinkControls } from '../../../src/transport/memory.js';
import { channelKind, type ChannelItem } from '../../../src/resources/channel/index.js';
import { within } from '../../helpers/waitFor.js';

/** A link end that counts the packets it sends, by kind, reading only their headers. */
export class CountingLink implements Link {
  readonly sent = new Map<number, number>();

  constructor(private readonly inner: Link) {}

  /** Packets of `kind` sent so far. */
  count(kind: PacketKind): number {
    return this.sent.get(kind) ?? 0;
  }

  get kind() {
    return this.inner.kind;
  }
  get remote() {
    return this.inner.remote;
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
  send(packet: Uint8Array): void {
    const kind = decodePacket(packet).kind;
    this.sent.set(kind, (this.sent.get(kind) ?? 0) + 1);
    this.inner.send(packet);
  }
  close(reason?: string): void {
    this.inner.close(reason);
  }
  onPacket(listener: (packet: Uint8Array) => void): void {
    this.inner.onPacket(listener);
  }
  onDrain(listener: () => void): void {
    this.inner.onDrain(listener);
  }
  onClose(listener: (close: LinkClose) => void): void {
    this.inner.onClose(listener);
  }
}

const meshes: Mesh[] = [];

/** A mesh node that can spawn channels; closed by {@link closeMeshes}. */
export function mesh(): Mesh {
  const created = new Mesh({ identity: createIdentity(), router: { updateInterval: 500, grace: 100 } });
  created.node.registerKind(channelKind);
  meshes.push(created);
  return created;
}

/** Closes every mesh made by {@link mesh} (call from afterEach). */
export async function closeMeshes(): Promise<void> {
  await Promise.all(meshes.splice(0).map((m) => m.close({ timeout: 500 })));
}

/** Links two meshes; `fromA` counts what A sends to B. */
export function link(a: Mesh, b: Mesh): { fromA: CountingLink; controls: MemoryLinkControls } {
  const [atA, atB, controls] = memoryLinkPair(a.id, b.id);
  const fromA = new CountingLink(atA);
  a.addLink(fromA);
  b.addLink(atB);
  return { fromA, controls };
}

/** Takes `n` items from a subscription, failing after `timeout` ms. */
export async function take(iterator: AsyncIterator<ChannelItem>, n: number, timeout = 2000): Promise<ChannelItem[]> {
  const items: ChannelItem[] = [];
  const run = async () => {
    while (items.length < n) {
      const result = await iterator.next();
      if (result.done) throw new Error(`the subscription ended after ${items.length} items`);
      items.push(result.value);
    }
    return items;
  };
  return within(run(), timeout, () => `${n} items (got ${items.length})`);
}

/** The error the subscription ends with next (after skipping items), within `timeout` ms. */
export async function failure(iterator: AsyncIterator<ChannelItem>, timeout = 2000): Promise<unknown> {
  const run = async () => {
    for (;;) {
      try {
        const result = await iterator.next();
        if (result.done) return new Error('ended without an error');
      } catch (error) {
        return error;
      }
    }
  };
  return within(run(), timeout, 'the subscription to fail');
}

/** True when `promise` is still pending after the current macrotask queue ran once. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}
