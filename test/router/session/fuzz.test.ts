/**
 * Issue 13: "Fuzz the session and handshake packets (100 000 in the suite): nothing but typed
 * errors and counters." 100 000 mutations of real initiations, responses, sealed packets,
 * probes and resets reach a router with sessions through the link from its neighbour: nothing
 * throws, every packet is counted, the counters still balance, and a real sealed call works
 * afterwards. (bench/router/sessionFuzz.ts runs 1 M of the same.)
 */
import { balanced, fuzzRig, type FuzzRig } from './fuzzRig.js';

const COUNT = 100_000;

let rig: FuzzRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

it(`survives ${COUNT} mutated and replayed session packets and still serves sealed calls`, async () => {
  // A budget of 100 first messages answered per second (500 by default) keeps the run short:
  // each one answered is a handshake's work; the rest are refused as busy, and counted.
  rig = await fuzzRig(0x5e55, { handshakesPerSecond: 100 });
  const { target, templateKinds } = rig;
  // Every kind of session traffic is among the templates.
  for (const kind of ['sealed', 'session.initiation', 'session.response', 'session.ping', 'session.reset']) expect(templateKinds[kind] ?? 0).toBeGreaterThan(0);
  expect(balanced(target.router.stats)).toBe(true);
  const before = target.router.stats;

  const started = performance.now();
  for (let i = 0; i < COUNT; i++) rig.feed(rig.next());
  const took = performance.now() - started;

  const after = target.router.stats;
  expect(after.received - before.received).toBe(COUNT);
  // Every packet went one way or another: the sum still balances with nothing unaccounted.
  expect(balanced(after)).toBe(true);
  const dropped = (reason: keyof typeof after.dropped) => after.dropped[reason] - before.dropped[reason];
  for (const reason of ['badpacket', 'tampered', 'replayed', 'nosession', 'forged', 'unsealed', 'busy'] as const) expect(dropped(reason)).toBeGreaterThan(0);
  expect(dropped('local')).toBe(0);
  expect(after.sessions!.tampered - before.sessions!.tampered).toBeGreaterThan(0);
  console.log(`session fuzz: ${COUNT} packets in ${took.toFixed(0)} ms (${Math.round((COUNT / took) * 1000)}/s); templates ${JSON.stringify(templateKinds)}; dropped ${JSON.stringify(after.dropped)}; sessions ${JSON.stringify(after.sessions)}`);

  // The router still works: a real call through the relay, sealed, answered.
  await expect(rig.realCall('after the storm')).resolves.toBe('echo after the storm');
  expect(balanced(target.router.stats)).toBe(true);
}, 30_000);
