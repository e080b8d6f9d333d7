/**
 * The Link compliance suite: one set of behaviour checks that every {@link Link} implementation
 * passes, whatever it runs over. It is transport-agnostic: it only sees two connected Links.
 *
 * Use it from a test file (it declares a `describe` block):
 *
 * ```ts
 * import { linkCompliance } from './compliance.js';
 *
 * linkCompliance('my transport', async () => {
 *   const { a, b, server } = await connectTwoEnds();  // a fresh, connected pair for each test
 *   return {
 *     a, b,                                           // a.remote is b's node, and vice versa
 *     killB: async () => server.destroyBAbruptly(),   // optional: B vanishes with no close frame
 *     cleanup: async () => { a.close(); b.close(); await server.close(); },
 *   };
 * }, { backpressure: true, deathTimeout: 2000 });
 * ```
 *
 * `makePair` runs once per check; `cleanup` runs after each, pass or fail, and must release every
 * socket, server, timer and child process so that jest exits on its own. A link that never
 * buffers says why (`backpressure: 'reason'`) and is checked for that instead. Every link must
 * give `killB`: abrupt death of the peer is part of the contract.
 */
import type { NodeId } from '../../src/firefly/address.js';
import { isIdSegment } from '../../src/firefly/address.js';
import type { Link } from '../../src/transport/link.js';
import { waitFor, within } from '../helpers/waitFor.js';
import { nextClose, patterned, quietPeriod, receive, seedOf } from './helpers.js';

/** What `makePair` gives the suite. */
export interface LinkPair {
  a: Link;
  b: Link;
  /** The ends' node ids, when known: the suite then checks `remote` on both. */
  ids?: { a: NodeId; b: NodeId };
  /** Makes B vanish abruptly (no close frame): kill its socket or its process. */
  killB?: () => Promise<void>;
  /** Releases everything the pair holds. */
  cleanup: () => Promise<void>;
}

/** How the suite adapts to a transport. */
export interface ComplianceOptions {
  /**
   * `true` to check backpressure, or the reason this link never buffers (then that is checked).
   * @default true
   */
  backpressure?: true | string;
  /**
   * Longest time, in ms, the survivor may take to see `killB`'s close: the heartbeat timeout
   * plus one interval plus a margin, for links that detect death by heartbeat.
   * @default 2000
   */
  deathTimeout?: number;
  /**
   * Size of the large packet (larger than any transport message).
   * @default 3 MiB
   */
  largePacketBytes?: number;
  /**
   * Longest time, in ms, for the 10 000-packet burst to arrive both ways: enough on an idle
   * machine by default; a run under deliberate CPU load allows for the slowdown (a link that
   * stalls still fails it: one that stops delivering does not catch up).
   * @default 15000
   */
  burstTimeout?: number;
}

const ORDERED_PACKETS = 10_000;

/** A deterministic size: mostly small, some a few KiB, every 997th larger than 64 KiB. */
function sizeOf(i: number): number {
  if (i % 997 === 996) return 100 * 1024 + (i % 13);
  const r = (Math.imul(i + 1, 2654435761) >>> 0) % 1000;
  return r < 900 ? 4 + (r % 200) : 4 + r * 8;
}

/** Runs the compliance checks against links made by `makePair`. */
export function linkCompliance(name: string, makePair: () => Promise<LinkPair>, options: ComplianceOptions = {}): void {
  const backpressure = options.backpressure ?? true;
  const deathTimeout = options.deathTimeout ?? 2000;
  const largeBytes = options.largePacketBytes ?? 3 * 1024 * 1024;
  const burstTimeout = options.burstTimeout ?? 15_000;

  describe(`${name} link (compliance)`, () => {
    let pair: LinkPair | undefined;
    const open = async (): Promise<LinkPair> => (pair = await within(makePair(), 10_000, 'makePair did not finish'));
    afterEach(async () => {
      await pair?.cleanup();
      pair = undefined;
    });

    it('names the proven peer on each end and measures a round-trip time', async () => {
      const { a, b, ids } = await open();
      expect(isIdSegment(a.remote) && isIdSegment(b.remote)).toBe(true);
      if (ids) {
        expect(a.remote).toBe(ids.b);
        expect(b.remote).toBe(ids.a);
      }
      await waitFor(() => a.rtt !== undefined && b.rtt !== undefined, 3000, 'rtt measured');
      for (const rtt of [a.rtt!, b.rtt!]) expect(rtt >= 0 && Number.isFinite(rtt)).toBe(true);
    });

    it(`delivers ${ORDERED_PACKETS} packets of varying sizes in order, both ways at once`, async () => {
      const { a, b } = await open();
      const check = (packets: Uint8Array[]) =>
        packets.findIndex((packet, i) => packet.length !== sizeOf(i) || seedOf(packet) !== i);
      const atB = receive(b, ORDERED_PACKETS, burstTimeout);
      const atA = receive(a, ORDERED_PACKETS, burstTimeout);
      for (let i = 0; i < ORDERED_PACKETS; i++) {
        a.send(patterned(i, sizeOf(i)));
        b.send(patterned(i, sizeOf(i)));
      }
      expect(check(await atB)).toBe(-1);
      expect(check(await atA)).toBe(-1);
    }, burstTimeout + 15_000);

    it('delivers a packet larger than any transport message whole, in order with its neighbours', async () => {
      const { a, b } = await open();
      const arrived = receive(b, 3, 10_000);
      a.send(patterned(1, 10));
      a.send(patterned(2, largeBytes));
      a.send(patterned(3, 10));
      const packets = await arrived;
      expect(packets.map((p) => p.length)).toEqual([10, largeBytes, 10]);
      expect(packets.map(seedOf)).toEqual([1, 2, 3]);
    });

    const signalsBackpressure = 'reports buffered bytes under a burst and signals drain';
    if (backpressure === true) {
      it(signalsBackpressure, async () => {
        const { a, b } = await open();
        const drained = within(new Promise<void>((resolve) => a.onDrain(resolve)), 10_000, 'no drain');
        const arrived = receive(b, 64, 10_000);
        for (let i = 0; i < 64; i++) a.send(patterned(i, 64 * 1024));
        expect(a.bufferedAmount).toBeGreaterThanOrEqual(256 * 1024);
        await drained;
        expect((await arrived).map(seedOf)).toEqual(Array.from({ length: 64 }, (_, i) => i));
      });
    } else {
      // A link that never buffers has no backpressure to signal; what it owes instead is that
      // a burst is handed over whole, with nothing held back.
      it(`never buffers (${backpressure}): a burst leaves bufferedAmount at 0 and arrives whole`, async () => {
        const { a, b } = await open();
        const arrived = receive(b, 64, 10_000);
        for (let i = 0; i < 64; i++) a.send(patterned(i, 64 * 1024));
        expect(a.bufferedAmount).toBe(0);
        expect((await arrived).map(seedOf)).toEqual(Array.from({ length: 64 }, (_, i) => i));
      });
    }

    for (const side of ['a', 'b'] as const) {
      it(`closes from ${side}: each end gets one close event with the reason, by local and remote`, async () => {
        const p = await open();
        const [closer, other] = side === 'a' ? [p.a, p.b] : [p.b, p.a];
        let events = 0;
        for (const link of [closer, other]) link.onClose(() => events++);
        const closes = Promise.all([nextClose(closer), nextClose(other)]);
        closer.close(`bye from ${side}`);
        expect(await closes).toEqual([
          { reason: `bye from ${side}`, by: 'local' },
          { reason: `bye from ${side}`, by: 'remote' },
        ]);
        expect(closer.closed && other.closed).toBe(true);
        other.close('late');
        await quietPeriod();
        expect(events).toBe(2);
      });
    }

    it('delivers packets sent before close, then the close', async () => {
      const { a, b } = await open();
      const events: string[] = [];
      b.onPacket((packet) => events.push(`packet ${seedOf(packet)}`));
      const closed = nextClose(b);
      for (let i = 0; i < 3; i++) a.send(patterned(i, 100));
      a.close('done');
      await closed;
      expect(events).toEqual(['packet 0', 'packet 1', 'packet 2']);
    });

    it(`sees the abrupt death of the peer within ${deathTimeout} ms`, async () => {
      const { a, killB } = await open();
      if (!killB) throw new Error('makePair gave no killB: abrupt death of the peer is part of the link contract');
      const closed = nextClose(a, deathTimeout);
      await killB();
      const close = await closed;
      expect(close.by).toBe('transport');
      expect(a.closed).toBe(true);
    });

    it('drops sends after close without throwing', async () => {
      const { a, b } = await open();
      const received: Uint8Array[] = [];
      b.onPacket((packet) => received.push(packet));
      const closes = Promise.all([nextClose(a), nextClose(b)]);
      a.close('over');
      await closes;
      expect(() => a.send(patterned(1, 10))).not.toThrow();
      expect(() => b.send(patterned(2, 10))).not.toThrow();
      expect(() => a.close('again')).not.toThrow();
      await quietPeriod();
      expect(received).toEqual([]);
      expect(a.bufferedAmount).toBe(0);
    });
  });
}
