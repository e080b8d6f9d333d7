import { startSignalingServer, type SignalingServer } from '../../apps/signaling/server.js';
import type { SignalingServerOptions } from '../../apps/signaling/settings.js';
import { TokenBucket } from '../../apps/signaling/rateLimiter.js';
import { ManualClock } from '../../src/firefly/clock.js';
import { toBase64url } from '../../src/transport/base64url.js';
import { createIdentity } from '../../src/transport/identity.js';
import { registrationMessage } from '../../src/transport/signalingProtocol.js';
import { rawSignaling, type RawSignaling } from '../fixtures/rawSignaling.js';
import { waitFor } from '../helpers/waitFor.js';

const OFFER = { type: 'offer', sdp: 'v=0\r\n' } as const;

describe('signaling server', () => {
  let server: SignalingServer;
  const clients: RawSignaling[] = [];
  async function start(options: SignalingServerOptions = {}) {
    server = await startSignalingServer({ port: 0, ...options });
  }
  async function connect(): Promise<RawSignaling> {
    const client = await rawSignaling(server.url);
    clients.push(client);
    return client;
  }
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    await server?.close();
  });

  it('challenges each connection, registers a node that signs it, and forgets it when its socket closes', async () => {
    await start();
    const identity = createIdentity();
    const client = await connect();
    expect(await client.register(identity)).toEqual({ t: 'registered', id: identity.id });
    expect(server.registered).toBe(1);
    client.socket.close();
    await waitFor(() => server.registered === 0, 2000, 'node not forgotten');
  });

  it('advertises its loopback STUN responder, or none when it is off', async () => {
    await start();
    const challenge = await (await connect()).next();
    expect(challenge).toMatchObject({ t: 'challenge', v: 1, iceServers: [server.stunUrl] });
    expect(server.stunUrl).toMatch(/^stun:127\.0\.0\.1:\d+$/);
    await server.close();
    await start({ stun: false });
    expect(await (await connect()).next()).toMatchObject({ t: 'challenge', iceServers: [] });
  });

  it('refuses a registration signed by another key and closes the connection (1008)', async () => {
    await start();
    const client = await connect();
    const reply = await client.register(createIdentity(), createIdentity());
    expect(reply).toMatchObject({ t: 'error', code: 'bad-signature' });
    expect((await client.closed).code).toBe(1008);
    expect(server.registered).toBe(0);
  });

  it('refuses a signature replayed from another connection (each challenge is fresh)', async () => {
    await start();
    const identity = createIdentity();
    const first = await connect();
    const challenge = await first.next();
    if (challenge.t !== 'challenge') throw new Error('expected a challenge');
    const stolen = toBase64url(identity.sign(registrationMessage(challenge.nonce, identity.id)));
    const second = await connect();
    await second.next();
    second.send({ t: 'register', id: identity.id, signature: stolen });
    expect(await second.next()).toMatchObject({ t: 'error', code: 'bad-signature' });
  });

  it('answers signals from an unregistered connection with `unauthenticated`, and stays up', async () => {
    await start();
    const client = await connect();
    await client.next();
    client.send({ t: 'signal', to: createIdentity().id, session: 's1', signal: OFFER });
    expect(await client.next()).toMatchObject({ t: 'error', code: 'unauthenticated', session: 's1' });
    expect(await client.register(createIdentity())).toMatchObject({ t: 'registered' });
  });

  it('relays signals between registered nodes, stamped with the proven sender', async () => {
    await start();
    const [a, b] = [createIdentity(), createIdentity()];
    const [ca, cb] = [await connect(), await connect()];
    await ca.register(a);
    await cb.register(b);
    ca.send({ t: 'signal', to: b.id, session: 'abc', signal: OFFER });
    expect(await cb.next()).toEqual({ t: 'signal', from: a.id, session: 'abc', signal: OFFER });
    // A sender cannot name itself: `from` is not part of what a client may send.
    ca.send({ t: 'signal', from: createIdentity().id, to: b.id, session: 'abc', signal: OFFER });
    expect(await ca.next()).toMatchObject({ t: 'error', code: 'malformed' });
    ca.send({ t: 'signal', to: createIdentity().id, session: 'xyz', signal: OFFER });
    expect(await ca.next()).toMatchObject({ t: 'error', code: 'unknown-peer', session: 'xyz' });
  });

  it('answers garbage with `malformed` and never crashes', async () => {
    await start();
    const client = await connect();
    await client.next();
    const garbage: (string | Buffer)[] = [
      'not json',
      '{"t":',
      'null',
      '[]',
      '42',
      '{"t":"register"}',
      '{"t":"register","id":"../../etc","signature":"x"}',
      '{"__proto__":{"t":"register"},"constructor":{"prototype":{}}}',
      '{"t":"signal","to":"a","session":"s","signal":{"type":"offer","sdp":1}}',
      `{"t":"signal","to":"a","session":"s","signal":{"type":"bogus"}}`,
      '['.repeat(5000) + ']'.repeat(5000),
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
    ];
    for (const message of garbage) client.socket.send(message);
    for (let i = 0; i < garbage.length; i++) expect(await client.next()).toMatchObject({ t: 'error', code: 'malformed' });
    expect(await client.register(createIdentity())).toMatchObject({ t: 'registered' });
  });

  it('answers an oversize message with `too-large`, and closes on a frame far over the limit (1009)', async () => {
    await start({ maxMessageBytes: 16 * 1024 });
    const client = await connect();
    await client.next();
    client.send('x'.repeat(20 * 1024));
    expect(await client.next()).toMatchObject({ t: 'error', code: 'too-large' });
    client.send('x'.repeat(1024 * 1024));
    expect((await client.closed).code).toBe(1009);
    const other = await connect();
    expect(await other.register(createIdentity())).toMatchObject({ t: 'registered' });
  });

  it('rate-limits a flooding connection, closes it (1008), and keeps relaying for others meanwhile', async () => {
    await start({ ratePerSecond: 20, rateBurst: 20, maxViolations: 2000 });
    const [a, b] = [createIdentity(), createIdentity()];
    const [ca, cb] = [await connect(), await connect()];
    await ca.register(a);
    await cb.register(b);
    const flooder = await connect();
    await flooder.register(createIdentity());
    for (let i = 0; i < 3000; i++) flooder.send({ t: 'signal', to: b.id, session: 'flood', signal: OFFER });
    expect(await flooder.nextWhere((m) => m.t === 'error', 5000)).toMatchObject({ code: 'rate-limited' });
    expect((await flooder.closed).code).toBe(1008);
    // B received at most the burst plus what the rate refilled, and the server still relays.
    ca.send({ t: 'signal', to: b.id, session: 'after', signal: OFFER });
    expect(await cb.nextWhere((m) => m.t === 'signal' && m.session === 'after', 5000)).toMatchObject({ from: a.id });
  });

  it('closes a connection that does not register in time', async () => {
    const clock = new ManualClock();
    await start({ registerTimeout: 100, clock });
    const client = await connect();
    // The challenge: the server has seen the connection and started its timer.
    await client.next();
    await clock.advance(100);
    expect(await client.next()).toMatchObject({ t: 'error', code: 'register-timeout' });
    expect((await client.closed).code).toBe(1008);
  });

  it('stops the register timer of a connection that registers in time', async () => {
    const clock = new ManualClock();
    await start({ registerTimeout: 100, clock });
    const client = await connect();
    await client.register(createIdentity());
    expect(clock.pending).toBe(0);
  });

  it('lets a newer connection take over an id, closing the older one', async () => {
    await start();
    const identity = createIdentity();
    const first = await connect();
    await first.register(identity);
    const second = await connect();
    await second.register(identity);
    expect(await first.next()).toMatchObject({ t: 'error', code: 'replaced' });
    expect((await first.closed).code).toBe(1008);
    expect(server.registered).toBe(1);
  });

  it('refuses connections over its limit', async () => {
    await start({ maxConnections: 1 });
    await connect();
    const extra = await connect();
    expect(await extra.next()).toMatchObject({ t: 'error', code: 'server-full' });
    expect((await extra.closed).code).toBe(1013);
  });
});

describe('signaling rate limiter', () => {
  it('allows a burst, then the refill rate, on an injected clock', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000;
    expect(Array.from({ length: 4 }, () => bucket.take())).toEqual([true, true, true, false]);
  });
});
