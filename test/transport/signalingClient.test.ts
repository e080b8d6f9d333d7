import { WebSocket } from 'ws';
import { startSignalingServer, type SignalingServer } from '../../apps/signaling/server.js';
import type { Channel } from '../../src/transport/channel.js';
import { ManualClock } from '../../src/firefly/clock.js';
import { isGlowError } from '../../src/firefly/errors.js';
import { createIdentity, type NodeIdentity } from '../../src/transport/identity.js';
import type { Link } from '../../src/transport/link.js';
import { openLink } from '../../src/transport/openLink.js';
import { connectSignaling, type SignalingClient, type SignalingSocket, type SignalingSocketClass } from '../../src/transport/signalingClient.js';
import { webrtcTeardowns } from '../../src/transport/webrtcPeer.js';
import { weriftBackend } from '../../src/transport/webrtcWerift.js';
import { startLyingSignaling } from '../fixtures/lyingSignaling.js';
import { LOOPBACK } from '../fixtures/webrtcPair.js';
import { within } from '../helpers/waitFor.js';
import { patterned, receive, seedOf } from './helpers.js';

const NEGOTIATION = { ...LOOPBACK, backend: weriftBackend };
const Socket = WebSocket as unknown as SignalingSocketClass;

afterAll(() => webrtcTeardowns());

/** Everything a test opened, closed in reverse order after it. */
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function node(url: string, identity = createIdentity()): Promise<{ identity: NodeIdentity; client: SignalingClient }> {
  const client = await connectSignaling({ url, identity, WebSocket: Socket });
  open.push(client);
  return { identity, client };
}

/** Makes `at` accept every offer and run the link handshake; resolves with its first link (or failure). */
function acceptLinks(at: { identity: NodeIdentity; client: SignalingClient }): Promise<Link> {
  return new Promise<Link>((resolve, reject) => {
    at.client.onoffer = (offer) => {
      offer
        .accept(NEGOTIATION)
        .then((channel) => track(channel))
        .then((channel) => openLink(channel, at.identity, { expect: offer.from }))
        .then(resolve, reject);
    };
  });
}

function track(channel: Channel): Channel {
  open.push(channel);
  return channel;
}

describe('signaling client with the signaling server', () => {
  let server: SignalingServer;
  beforeEach(async () => {
    server = await startSignalingServer({ port: 0 });
    open.push(server);
  });

  it('links two nodes end to end over WebRTC, found by id, with ICE on the server’s loopback STUN', async () => {
    const [a, b] = [await node(server.url), await node(server.url)];
    expect(a.client.iceServers).toEqual([server.stunUrl]);
    const accepted = acceptLinks(b);
    const start = performance.now();
    const channel = track(await a.client.dial(b.identity.id, NEGOTIATION));
    const linkA = await openLink(channel, a.identity, { expect: b.identity.id });
    const linkB = await within(accepted, 5000, 'B has no link');
    console.log(`signalled WebRTC link up in ${(performance.now() - start).toFixed(0)} ms`);
    open.push(linkA, linkB);
    expect(linkA.remote).toBe(b.identity.id);
    expect(linkB.remote).toBe(a.identity.id);
    const echoed = receive(linkA, 3, 5000);
    linkB.onPacket((packet) => linkB.send(packet));
    for (const i of [1, 2, 3]) linkA.send(patterned(i, i * 40_000));
    expect((await echoed).map(seedOf)).toEqual([1, 2, 3]);
  }, 20_000);

  it('fails a dial to an id nobody registered with `noconnection`, at once', async () => {
    const { client } = await node(server.url);
    const start = performance.now();
    const error = await client.dial(createIdentity().id, NEGOTIATION).catch((e: unknown) => e);
    expect(isGlowError(error, 'noconnection')).toBe(true);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('fails a dial that the other node rejects, or that finds nobody accepting', async () => {
    const [a, b, c] = [await node(server.url), await node(server.url), await node(server.url)];
    b.client.onoffer = (offer) => offer.reject('not today');
    expect(await a.client.dial(b.identity.id, NEGOTIATION).catch((e: unknown) => String(e))).toMatch(/not today/);
    expect(await a.client.dial(c.identity.id, NEGOTIATION).catch((e: unknown) => String(e))).toMatch(/not accepting/);
  });

  it('refuses to register a node whose key does not match its id, and reports the server closing', async () => {
    const identity = createIdentity();
    const impostor = { ...identity, sign: createIdentity().sign };
    const error = await connectSignaling({ url: server.url, identity: impostor, WebSocket: Socket }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/bad-signature/);
    const { client } = await node(server.url);
    const closed = new Promise<string>((resolve) => (client.onclose = resolve));
    await server.close();
    expect(await within(closed, 3000, 'no close')).toMatch(/server closing/);
  });
});

describe('signaling client timers', () => {
  it('gives up with timeout when the server does not register it in time, and closes the socket', async () => {
    const clock = new ManualClock();
    const closed: string[] = [];
    // A server that accepts the connection and never says a word.
    class SilentSocket implements SignalingSocket {
      readyState = 1;
      onopen = null;
      onmessage = null;
      onclose = null;
      onerror = null;
      send(): void {}
      close(): void {
        closed.push('closed');
      }
    }
    let outcome: unknown;
    connectSignaling({ url: 'ws://127.0.0.1:9', identity: createIdentity(), WebSocket: SilentSocket, clock, timeout: 2000 }).catch(
      (e: unknown) => (outcome = e),
    );
    await clock.advance(1999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    expect(isGlowError(outcome, 'timeout')).toBe(true);
    expect(closed).toEqual(['closed']);
  });
});

describe('a lying signaling server', () => {
  it('that hands the offer to another node yields a refused link (unexpected peer id)', async () => {
    const [a, b, c] = [createIdentity(), createIdentity(), createIdentity()];
    const liar = await startLyingSignaling({ swap: { [b.id]: c.id } });
    open.push(liar);
    const nodeA = await node(liar.url, a);
    await node(liar.url, b);
    const nodeC = await node(liar.url, c);
    const atC = acceptLinks(nodeC).catch((e: unknown) => e);
    const channel = track(await nodeA.client.dial(b.id, NEGOTIATION));
    const error = await openLink(channel, a, { expect: b.id }).catch((e: unknown) => e);
    expect(isGlowError(error, 'denied')).toBe(true);
    expect(String(error)).toMatch(/unexpected peer id/);
    expect(isGlowError(await atC, 'denied')).toBe(true);
  }, 20_000);

  it('that sits in the middle with its own DTLS certificates yields a refused link on both sides', async () => {
    const [a, b] = [createIdentity(), createIdentity()];
    const liar = await startLyingSignaling({ mitm: weriftBackend });
    open.push(liar);
    const nodeA = await node(liar.url, a);
    const nodeB = await node(liar.url, b);
    const atB = acceptLinks(nodeB).catch((e: unknown) => e);
    // The relay's splice works: a channel opens and bytes flow end to end...
    const channel = track(await nodeA.client.dial(b.id, NEGOTIATION));
    // ...but each side signs a binding with the relay's fingerprint in it, not the other's.
    const error = await openLink(channel, a, { expect: b.id }).catch((e: unknown) => e);
    expect(isGlowError(error, 'denied')).toBe(true);
    expect(String(error)).toMatch(/signature/);
    const errorB = await within(atB, 5000, 'B did not finish');
    expect(isGlowError(errorB, 'denied')).toBe(true);
  }, 20_000);
});
