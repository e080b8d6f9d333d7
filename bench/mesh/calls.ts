/**
 * Remote `call` over the mesh, 1 and 2 hops, for each link transport: throughput (calls/s with
 * a window of calls in flight) and round trip (sequential calls), beside the raw transport
 * measured in the same run — messages of the same size echoed by a plain `ws` server or over a
 * plain data channel, one transport message per message, directly (1 hop) or through a relay
 * that forwards each message (2 hops). A call is a round trip, and so is an echo: calls/s and
 * echoes/s compare alike. All nodes live in this one process on loopback, so both ends of
 * every hop share its CPU — Glow and raw alike, in alternating rounds.
 */
import type { Mesh } from '../../src/actors/mesh.js';
import { hasNodeDataChannel, loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import type { WebRtcBackend } from '../../src/transport/webrtcPeer.js';
import { alternate, BenchSkipped, round, type BenchResult, type Benchmark, type Goal } from '../harness.js';
import { callPacketSize, callRate, callRtt, channelEcho, echoOn, once, rawRate, rawRtt, rtcLine, wsEcho, wsLine, type EchoPipe, type Line } from './fixtures.js';

/** Calls (and raw messages) in flight in the throughput rounds. */
const WINDOW = 64;

type Transport = 'ws' | 'werift' | 'ndc';

/** How one transport is set up and how long its rounds are. */
interface Plan {
  /** Calls (echoes) per throughput round and per round-trip round. */
  rateOps: number;
  rttOps: number;
  rounds: number;
  line(): Promise<Line>;
  pipe(hops: 1 | 2): Promise<EchoPipe>;
}

async function backend(name: 'werift' | 'node-datachannel'): Promise<WebRtcBackend> {
  if (name === 'node-datachannel' && !(await hasNodeDataChannel())) throw new BenchSkipped('node-datachannel is not installed (optional dependency)');
  return loadWebRtcBackend(name);
}

/** Made when first needed, so that a missing optional backend skips its rows only. */
const PLANS: Record<Transport, () => Promise<Plan>> = {
  // Round trips over loopback WebSocket are ~20–30 µs: rounds long enough (~0.15 s) that a
  // stall of the machine moves one round, not the median.
  ws: async () => ({ rateOps: 20_000, rttOps: 5_000, rounds: 9, line: wsLine, pipe: wsEcho }),
  werift: async () => {
    const werift = await backend('werift');
    // werift carries ~6–7 k echoes/s whatever the window: shorter rounds, and more of them, as
    // its round trips vary by ±15 % from round to round here.
    return { rateOps: 5_000, rttOps: 1_000, rounds: 9, line: () => rtcLine(werift), pipe: (hops) => channelEcho(werift, hops) };
  },
  ndc: async () => {
    const ndc = await backend('node-datachannel');
    return { rateOps: 20_000, rttOps: 2_000, rounds: 7, line: () => rtcLine(ndc), pipe: (hops) => channelEcho(ndc, hops) };
  },
};

/** Median nanoseconds per call (echo), index 0 for 1 hop and 1 for 2 hops. */
interface Figures {
  glowRate: number[];
  rawRate: number[];
  glowRtt: number[];
  rawRtt: number[];
}

async function measure(plan: Plan): Promise<Figures> {
  const line = await plan.line();
  const [a, b, c] = line.nodes as [Mesh, Mesh, Mesh];
  // Calls from A: to B is one hop, to C two (through B).
  const refs = [echoOn(b, a), echoOn(c, a)];
  const message = new Uint8Array(callPacketSize(a, refs[1]!)).fill(7);
  const pipes: EchoPipe[] = [];
  try {
    pipes.push(await plan.pipe(1), await plan.pipe(2));
    const { rateOps, rttOps, rounds } = plan;
    const hops = [0, 1];
    const rates = await alternate(
      hops.flatMap((hop) => [() => callRate(refs[hop]!, rateOps, WINDOW), () => rawRate(pipes[hop]!, message, rateOps, WINDOW)]),
      { rounds },
    );
    const rtts = await alternate(
      hops.flatMap((hop) => [() => callRtt(refs[hop]!, rttOps), () => rawRtt(pipes[hop]!, message, rttOps)]),
      { rounds },
    );
    return {
      glowRate: [rates[0]! / rateOps, rates[2]! / rateOps],
      rawRate: [rates[1]! / rateOps, rates[3]! / rateOps],
      glowRtt: [rtts[0]! / rttOps, rtts[2]! / rttOps],
      rawRtt: [rtts[1]! / rttOps, rtts[3]! / rttOps],
    };
  } finally {
    await Promise.all(pipes.map((pipe) => pipe.close()));
    await line.close();
  }
}

/** Goals from the mesh issue. */
const GOALS: Record<Transport, { rate?: Goal; rtt?: Goal }> = {
  ws: { rate: { of: 'ratio', atLeast: 1, label: 'the raw unbatched ws message rate' }, rtt: { of: 'ratio', atMost: 1.5 } },
  werift: { rate: { of: 'ratio', atLeast: 3, label: "3× raw werift's message rate" } },
  ndc: {},
};

const RAW: Record<Transport, string> = {
  ws: 'plain ws echo, 1 send per message',
  werift: 'plain werift data channel echo',
  ndc: 'plain node-datachannel echo',
};

/** The rows of one transport; they all read one run, made when the first of them runs. */
function rows(transport: Transport): Benchmark[] {
  const run = once(async () => measure(await PLANS[transport]()));
  const note = `mesh.${transport}: nodes A—B—C in this process on loopback, calls from A; window ${WINDOW}; raw messages as large as a Glow call packet`;
  const raw = RAW[transport];
  const row = (suffix: string, baseline: string, result: (f: Figures) => Omit<BenchResult, 'name'>, extra: Partial<Benchmark> = {}): Benchmark => {
    const name = `mesh.${transport}.${suffix}`;
    return { name, baseline, note, ...extra, run: async () => ({ name, ...result(await run()) }) };
  };
  const rate = (hop: number) => (f: Figures) => ({
    value: round(1e9 / f.glowRate[hop]!),
    unit: 'calls/s',
    baseline: round(1e9 / f.rawRate[hop]!),
    ratio: round(f.rawRate[hop]! / f.glowRate[hop]!),
  });
  const rtt = (hop: number) => (f: Figures) => ({
    value: round(f.glowRtt[hop]! / 1000),
    unit: 'µs/call',
    baseline: round(f.rawRtt[hop]! / 1000),
    ratio: round(f.glowRtt[hop]! / f.rawRtt[hop]!),
  });
  const { rate: rateGoal, rtt: rttGoal } = GOALS[transport];
  return [
    row('call.1hop', `${raw} (echoes/s)`, rate(0), { better: 'higher', ...(rateGoal && { goal: rateGoal }) }),
    row('rtt.1hop', `${raw}, sequential`, rtt(0), rttGoal && { goal: rttGoal }),
    row('call.2hop', `${raw} through a relay (echoes/s)`, rate(1), { better: 'higher' }),
    row('rtt.2hop', `${raw} through a relay, sequential`, rtt(1)),
    row(
      'rtt.hops',
      'glow 1-hop RTT (ratio: 2-hop RTT / 1-hop RTT)',
      (f) => ({ value: round(f.glowRtt[1]! / 1000), unit: 'µs/call', baseline: round(f.glowRtt[0]! / 1000), ratio: round(f.glowRtt[1]! / f.glowRtt[0]!) }),
      { goal: { of: 'ratio', atMost: 2.2, label: "the extra hop adds ≤ 1.2× one hop's RTT" } },
    ),
  ];
}

export const wsCalls = rows('ws');
export const weriftCalls = rows('werift');
export const ndcCalls = rows('ndc');

/** Median nanoseconds per call over encrypted links (index 0) and clear ones (index 1). */
interface SealingFigures {
  rate: [number, number];
  rtt: [number, number];
}

/**
 * What link encryption costs: one-hop calls over two lines of the same build, one with sealed
 * WebSocket links (the default) and one with encryption off, in alternating rounds.
 */
async function measureSealing(): Promise<SealingFigures> {
  const lines = [await wsLine(), await wsLine({ encryption: false })];
  try {
    const refs = lines.map(({ nodes: [a, b] }) => echoOn(b!, a!));
    const { rateOps, rttOps, rounds } = await PLANS.ws();
    const rates = await alternate(refs.map((ref) => () => callRate(ref, rateOps, WINDOW)), { rounds });
    const rtts = await alternate(refs.map((ref) => () => callRtt(ref, rttOps)), { rounds });
    return { rate: [rates[0]! / rateOps, rates[1]! / rateOps], rtt: [rtts[0]! / rttOps, rtts[1]! / rttOps] };
  } finally {
    await Promise.all(lines.map((line) => line.close()));
  }
}

/** Sealed against clear WebSocket links: calls/s and round trips, with the ratios the issue bounds. */
function sealingRows(): Benchmark[] {
  const run = once(measureSealing);
  const note = 'mesh.ws.sealed: two lines A—B—C in this process, WebSocket links sealed (default) vs encryption off, same build; one-hop calls from A';
  const calls: Benchmark = {
    name: 'mesh.ws.sealed.call.1hop',
    baseline: 'the same calls over links in clear (calls/s)',
    better: 'higher',
    note,
    goal: { of: 'ratio', atLeast: 0.85 },
    run: async () => {
      const { rate } = await run();
      return { name: calls.name, value: round(1e9 / rate[0]), unit: 'calls/s', baseline: round(1e9 / rate[1]), ratio: round(rate[1] / rate[0]) };
    },
  };
  const rtt: Benchmark = {
    name: 'mesh.ws.sealed.rtt.1hop',
    baseline: 'the same calls over links in clear, sequential',
    note,
    goal: { of: 'ratio', atMost: 1.15 },
    run: async () => {
      const { rtt: [sealed, clear] } = await run();
      return { name: rtt.name, value: round(sealed / 1000), unit: 'µs/call', baseline: round(clear / 1000), ratio: round(sealed / clear) };
    },
  };
  return [calls, rtt];
}

export const wsSealing = sealingRows();
