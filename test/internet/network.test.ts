/**
 * The simulated internet itself (test/helpers/internet): each NAT maps as its kind says, the
 * uplinks delay as set, nothing outside reaches a private address, and a cut uplink leaves the LAN
 * working. The tests of Glow across networks rely on all of it.
 */
import { buildInternet, publicAddress, type Internet } from '../helpers/internet/internet.js';
import { probe, startEcho } from '../helpers/internet/udp.js';

let net: Internet;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  net = await buildInternet();
  stops.push(await startEcho(net.vps, 7001), await startEcho(net.vps, 7002), await startEcho(net.nas, 7003), await startEcho(net.laptop, 7004));
}, 30_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await net?.close();
});

const vps = (port: number) => `198.51.100.2:${port}`;

test('the home NAT maps one socket to one public port whatever the destination (endpoint-independent)', async () => {
  const answers = await probe(net.laptop, [vps(7001), vps(7002)]);
  const seen = [answers[vps(7001)]!.seenAs, answers[vps(7002)]!.seenAs];
  expect(seen[0]).toMatch(new RegExp(`^${publicAddress('home').replaceAll('.', '\\.')}:\\d+$`));
  expect(seen[1]).toBe(seen[0]);
});

test('the office NAT maps one socket to a new public port for each destination (symmetric)', async () => {
  const answers = await probe(net.workstation, [vps(7001), vps(7002)]);
  const seen = [answers[vps(7001)]!.seenAs, answers[vps(7002)]!.seenAs];
  expect(seen.every((address) => address.startsWith(`${publicAddress('office')}:`))).toBe(true);
  expect(seen[1]).not.toBe(seen[0]);
});

test('the phone is seen at the carrier NAT’s public address', async () => {
  const answers = await probe(net.phone, [vps(7001)]);
  expect(answers[vps(7001)]!.seenAs.startsWith(`${publicAddress('carrier')}:`)).toBe(true);
});

test('a round trip takes the uplinks’ delays both ways (home 20 ms + data centre 5 ms, each way)', async () => {
  const { rttMs } = (await probe(net.laptop, [vps(7001)]))[vps(7001)]!;
  console.log(`simulated internet: laptop ↔ vps UDP round trip ${rttMs.toFixed(1)} ms (configured 50 ms)`);
  expect(rttMs).toBeGreaterThanOrEqual(50);
  expect(rttMs).toBeLessThan(150);
});

test('nothing outside reaches a private address or an unsolicited public port', async () => {
  const answers = await probe(net.vps, ['10.1.0.2:7004', `${publicAddress('home')}:7004`], 500);
  expect(answers).toEqual({});
});

test('with the home uplink cut, the laptop still reaches the NAS and no longer the VPS', async () => {
  net.uplink('home', false);
  try {
    const answers = await probe(net.laptop, ['10.1.0.3:7003', vps(7001)], 500);
    expect(answers['10.1.0.3:7003']?.seenAs).toMatch(/^10\.1\.0\.2:\d+$/);
    expect(answers[vps(7001)]).toBeUndefined();
  } finally {
    net.uplink('home', true);
  }
  expect((await probe(net.laptop, [vps(7001)]))[vps(7001)]).toBeDefined();
});
