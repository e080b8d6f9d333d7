/**
 * The signaling server's refusals (apps/signaling/server.ts): pages of other origins (403 before
 * the upgrade), too many connections from one address (`address-full`, 1013), and registrations
 * over the rate of one address or of the whole server (`register-rate`, 1013), each logged.
 * The rate limits run on a ManualClock, so no token is refilled while a test runs: the counts
 * are exact. Other addresses are other loopback addresses (127.0.0.2, …), bound by the client.
 */
import { startSignalingServer, type SignalingServer } from '../../../apps/signaling/server.js';
import type { SignalingLogEvent, SignalingServerOptions } from '../../../apps/signaling/settings.js';
import { ManualClock } from '../../../src/firefly/clock.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { allowOrigins } from '../../../src/transport/originCheck.js';
import { upgradeStatus } from '../../fixtures/originProbe.js';
import { rawSignaling, type RawSignaling } from '../../fixtures/rawSignaling.js';

let server: SignalingServer | undefined;
const clients: RawSignaling[] = [];
const events: SignalingLogEvent[] = [];

async function start(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  server = await startSignalingServer({ port: 0, stun: false, clock: new ManualClock(), log: (event) => events.push(event), ...options });
  return server;
}

async function connect(address = '127.0.0.1'): Promise<RawSignaling> {
  const client = await rawSignaling(server!.url, { localAddress: address });
  clients.push(client);
  return client;
}

/** One connection from `address` that registers a fresh id: the server's answer. */
async function registerOnce(address: string): Promise<{ reply: string; close?: { code: number; reason: string } }> {
  const client = await connect(address);
  const reply = await client.register(createIdentity());
  if (reply.t === 'registered') {
    client.socket.terminate();
    return { reply: 'registered' };
  }
  return { reply: reply.t === 'error' ? reply.code : reply.t, close: await client.closed };
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await server?.close();
  server = undefined;
  events.length = 0;
});

test('refuses a page of another origin with 403 before the upgrade, and logs it; no Origin or an allowed one gets in', async () => {
  await start({ allowOrigin: allowOrigins(['http://127.0.0.1:7717']) });
  expect(await upgradeStatus(server!.url, 'https://evil.example')).toBe(403);
  expect(events).toContainEqual(expect.objectContaining({ event: 'signaling.limited', reason: 'origin', origin: 'https://evil.example' }));
  expect(await upgradeStatus(server!.url)).toBe(101);
  expect(await upgradeStatus(server!.url, 'http://127.0.0.1:7717')).toBe(101);
  // Another port of the same host is another origin.
  expect(await upgradeStatus(server!.url, 'http://127.0.0.1:7718')).toBe(403);
});

test('by default lets programs in and no browser page at all', async () => {
  await start();
  expect(await upgradeStatus(server!.url)).toBe(101);
  expect(await upgradeStatus(server!.url, 'http://127.0.0.1:7717')).toBe(403);
});

test('refuses the N+1th connection from one address (address-full, 1013); other addresses and a freed slot get in', async () => {
  await start({ maxConnectionsPerAddress: 5 });
  const five = await Promise.all(Array.from({ length: 5 }, () => connect('127.0.0.1')));
  for (const client of five) expect(await client.next()).toMatchObject({ t: 'challenge' });
  const sixth = await connect('127.0.0.1');
  expect(await sixth.nextWhere((message) => message.t === 'error')).toMatchObject({ code: 'address-full' });
  expect(await sixth.closed).toEqual({ code: 1013, reason: 'address-full' });
  expect(events).toContainEqual({ event: 'signaling.limited', address: '127.0.0.1', reason: 'address-full' });
  expect(await (await connect('127.0.0.2')).next()).toMatchObject({ t: 'challenge' });
  five[0]!.socket.close();
  await five[0]!.closed;
  // The server counts the close when it sees it: the next connection from 127.0.0.1 is the proof.
  const again = await connect('127.0.0.1');
  expect(await again.next()).toMatchObject({ t: 'challenge' });
  expect(await again.register(createIdentity())).toMatchObject({ t: 'registered' });
});

test('with the defaults, one address registers 30 fresh ids at once and the 31st is refused (register-rate, 1013)', async () => {
  await start();
  for (let i = 0; i < 30; i++) expect(await registerOnce('127.0.0.1')).toEqual({ reply: 'registered' });
  expect(await registerOnce('127.0.0.1')).toEqual({ reply: 'register-rate', close: { code: 1013, reason: 'register-rate' } });
  expect(events).toContainEqual({ event: 'signaling.limited', address: '127.0.0.1', reason: 'register-rate' });
  // Another address still registers.
  expect(await registerOnce('127.0.0.2')).toEqual({ reply: 'registered' });
});

test('with the defaults, the whole server takes 300 registrations at once from many addresses and refuses the 301st', async () => {
  await start();
  let registered = 0;
  // Ten addresses, 30 each: every one within its own limit, 300 in all.
  for (let host = 2; host <= 11; host++) {
    for (let i = 0; i < 30; i++) if ((await registerOnce(`127.0.0.${host}`)).reply === 'registered') registered++;
  }
  expect(registered).toBe(300);
  expect(await registerOnce('127.0.0.12')).toEqual({ reply: 'register-rate', close: { code: 1013, reason: 'register-rate' } });
}, 60_000);

test('a token bucket refills with time: the refused address registers again a second later', async () => {
  const clock = new ManualClock();
  await start({ clock, registrationsPerSecond: 2, registrationBurst: 2 });
  expect((await registerOnce('127.0.0.1')).reply).toBe('registered');
  expect((await registerOnce('127.0.0.1')).reply).toBe('registered');
  expect((await registerOnce('127.0.0.1')).reply).toBe('register-rate');
  await clock.advance(1000);
  expect((await registerOnce('127.0.0.1')).reply).toBe('registered');
});
