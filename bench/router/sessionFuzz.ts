/**
 * `router.session.fuzz`: issue 13's "fuzz the session and handshake packets (1 M in a bench
 * run)". A million mutated and replayed session packets (real initiations, responses, sealed
 * packets, pings and signed resets, bit-flipped, cut, extended, re-typed, re-addressed) are fed
 * to a router with sessions through the link from its neighbour (test/router/session/fuzzRig.ts,
 * the rig of the 100 000-packet test), with the router's default handshake budget. The figure is
 * packets handled per second; the baseline is reading the same packets' headers
 * (`decodePacket`), the least a router does with any packet. Afterwards a real sealed call must
 * still be answered, and the counters must account for every packet; they are printed to stderr.
 */
import '../../src/node.js';
import { decodePacket } from '../../src/firefly/packet.js';
import { balanced, fuzzRig } from '../../test/router/session/fuzzRig.js';
import { now, round, type BenchResult, type Benchmark } from '../harness.js';

/** Packets fed; `FUZZ_COUNT` sets another number (a quicker run). */
const COUNT = Number(process.env.FUZZ_COUNT ?? 1_000_000);
const BATCH = 10_000;

const sessionFuzz: Benchmark = {
  name: 'router.session.fuzz',
  baseline: 'decodePacket of the same packets (header only)',
  better: 'higher',
  note: 'router.session.fuzz: 1 M mutated session packets into one router with sessions (default budget of 500 handshakes/s), in-process; counters on stderr.',
  async run(): Promise<BenchResult> {
    const rig = await fuzzRig(0xb3ec);
    try {
      const before = rig.target.router.stats;
      let routerNs = 0;
      let decodeNs = 0;
      for (let done = 0; done < COUNT; done += BATCH) {
        const batch = Array.from({ length: BATCH }, () => rig.next());
        let start = now();
        for (const bytes of batch) {
          try {
            decodePacket(bytes);
          } catch {
            // Counted as the router would count it; only the time matters here.
          }
        }
        decodeNs += Number(now() - start);
        start = now();
        for (const bytes of batch) rig.feed(bytes);
        routerNs += Number(now() - start);
        // Let timers and answers run between batches, as a router's event loop would.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const after = rig.target.router.stats;
      // N's own traffic (route updates) arrives between batches too: at least every packet fed is counted.
      if (after.received - before.received < COUNT) throw new Error(`router.session.fuzz: ${after.received - before.received} packets counted, ${COUNT} fed`);
      if (!balanced(after)) throw new Error('router.session.fuzz: the router counters do not balance');
      const answer = await rig.realCall('after a million');
      if (answer !== 'echo after a million') throw new Error(`router.session.fuzz: the real call answered ${answer}`);
      const rate = COUNT / (routerNs / 1e9);
      const rawRate = COUNT / (decodeNs / 1e9);
      const dropped = Object.entries(after.dropped)
        .filter(([, count]) => count > 0)
        .map(([reason, count]) => `${reason} ${count}`)
        .join(', ');
      process.stderr.write(
        `router.session.fuzz: ${COUNT} packets in ${(routerNs / 1e6).toFixed(0)} ms (${Math.round(rate)} packets/s); ` +
          `templates ${JSON.stringify(rig.templateKinds)}\n  dropped: ${dropped}\n  sessions: ${JSON.stringify(after.sessions)}\n`,
      );
      return { name: 'router.session.fuzz', value: Math.round(rate), unit: 'packets/s', baseline: Math.round(rawRate), ratio: round(rate / rawRate) };
    } finally {
      await rig.close();
    }
  },
};

export default sessionFuzz;
