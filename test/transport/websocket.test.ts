import { WebSocket } from 'ws';
import { ManualClock } from '../../src/firefly/clock.js';
import type { FramedLink } from '../../src/transport/framedLink.js';
import { createIdentity } from '../../src/transport/identity.js';
import type { LinkLogEvent } from '../../src/transport/linkOptions.js';
import { connectWebSocket, webSocketChannel, type WebSocketLike } from '../../src/transport/websocket.js';
import { createNodeWebSocket, listenWebSocket, type WebSocketListener } from '../../src/transport/websocketServer.js';
import { waitFor, within } from '../helpers/waitFor.js';
import { linkCompliance } from './compliance.js';
import { nextClose } from './helpers.js';

const MESSAGE = 64 * 1024;

/** A listener whose links arrive through `nextLink()`. */
async function listen(options: Partial<Parameters<typeof listenWebSocket>[0]> = {}) {
  const identity = createIdentity();
  const links: FramedLink[] = [];
  const waiting: ((link: FramedLink) => void)[] = [];
  const listener = await listenWebSocket({
    identity,
    maxMessageSize: MESSAGE,
    onLink: (link) => (waiting.length ? waiting.shift()!(link) : links.push(link)),
    ...options,
  });
  const nextLink = () =>
    within(new Promise<FramedLink>((resolve) => (links.length ? resolve(links.shift()!) : waiting.push(resolve))), 3000, 'no link');
  return { identity, listener, nextLink };
}

function dial(listener: WebSocketListener, onSocket?: (socket: WebSocketLike) => void, options = {}) {
  const identity = createIdentity();
  const link = connectWebSocket(listener.url, identity, {
    maxMessageSize: MESSAGE,
    createSocket: (url) => {
      const socket = createNodeWebSocket(url, MESSAGE);
      onSocket?.(socket);
      return socket;
    },
    ...options,
  });
  return { identity, link };
}

// A is the server's end, B the dialler's; killing B destroys its TCP connection at once.
linkCompliance('websocket', async () => {
  const server = await listen();
  let socketB: WebSocketLike | undefined;
  const client = dial(server.listener, (socket) => (socketB = socket), { expect: server.identity.id });
  const [a, b] = await Promise.all([server.nextLink(), client.link]);
  return {
    a,
    b,
    ids: { a: server.identity.id, b: client.identity.id },
    killB: async () => socketB!.terminate!(),
    cleanup: async () => {
      a.close();
      b.close();
      await server.listener.close();
    },
  };
});

describe('WebSocket links', () => {
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  afterEach(async () => {
    await server?.listener.close();
    server = undefined;
  });

  it('listens on 127.0.0.1 and an ephemeral port by default', async () => {
    server = await listen();
    expect(server.listener.url).toBe(`ws://127.0.0.1:${server.listener.port}`);
    expect(server.listener.port).toBeGreaterThan(0);
  });

  it("refuses a dialler the server's allow policy rejects, and logs it", async () => {
    const events: LinkLogEvent[] = [];
    server = await listen({ allow: () => false, log: (event) => events.push(event) });
    const client = dial(server.listener);
    await expect(client.link).rejects.toMatchObject({ code: 'denied', message: 'peer refused the link: denied: not allowed' });
    await waitFor(() => events.length > 0);
    expect(events).toEqual([{ event: 'link.refused', kind: 'websocket', reason: 'not allowed', by: 'local', claimed: client.identity.id }]);
  });

  it('refuses a server whose id is not the one dialled', async () => {
    server = await listen();
    const client = dial(server.listener, undefined, { expect: createIdentity().id });
    await expect(client.link).rejects.toMatchObject({ code: 'denied', message: 'link refused: unexpected peer id' });
  });

  it('fails with noconnection when nothing listens on the port', async () => {
    const gone = await listen();
    await gone.listener.close();
    await expect(dial(gone.listener).link).rejects.toMatchObject({ code: 'noconnection' });
  });

  it('closes every link with "server closing" when the server closes', async () => {
    server = await listen();
    const client = dial(server.listener);
    const [, b] = await Promise.all([server.nextLink(), client.link]);
    const closed = nextClose(b);
    await server.listener.close();
    expect(await closed).toEqual({ reason: 'server closing', by: 'remote' });
  });

  it('closes promptly while a connection is still in its handshake', async () => {
    const gone = await listen();
    const raw = new WebSocket(gone.listener.url);
    await new Promise((resolve) => raw.once('open', resolve));
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));
    const start = performance.now();
    await within(gone.listener.close(), 2000, 'listener did not close');
    expect(performance.now() - start).toBeLessThan(500);
    await within(rawClosed, 2000, 'raw socket not closed');
  });

  it('refuses a connection that sends a text message, and keeps serving', async () => {
    const events: LinkLogEvent[] = [];
    server = await listen({ log: (event) => events.push(event) });
    const raw = new WebSocket(server.listener.url);
    await new Promise((resolve) => raw.once('open', resolve));
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));
    raw.send('hello?');
    await within(rawClosed, 2000, 'raw socket not closed');
    await waitFor(() => events.some((e) => e.event === 'link.refused'));
    expect(events).toContainEqual(expect.objectContaining({ event: 'link.refused', reason: 'protocol error: text message on a binary channel' }));
    const client = dial(server.listener);
    await expect(client.link).resolves.toMatchObject({ remote: server.identity.id });
    (await client.link).close();
  });

  it('closes a connection that sends a message over the size limit, and keeps serving', async () => {
    const events: LinkLogEvent[] = [];
    server = await listen({ log: (event) => events.push(event) });
    const raw = new WebSocket(server.listener.url);
    raw.on('error', () => {});
    await new Promise((resolve) => raw.once('open', resolve));
    const rawClosed = new Promise<number>((resolve) => raw.once('close', resolve));
    raw.send(new Uint8Array(MESSAGE + 1));
    expect(await within(rawClosed, 2000, 'raw socket not closed')).toBe(1009);
    await waitFor(() => events.length > 0);
    expect(events[0]).toMatchObject({ event: 'link.failed', reason: 'websocket closed (1006): Max payload size exceeded' });
    const client = dial(server.listener);
    (await client.link).close();
  });
});

/** A socket that does only what the test tells it: for the channel's timers, with no network. */
function scriptedSocket(readyState: number) {
  const calls: string[] = [];
  const socket: WebSocketLike & { bufferedAmount: number } = {
    binaryType: 'arraybuffer',
    bufferedAmount: 0,
    readyState,
    send: () => void calls.push('send'),
    close: (code) => void calls.push(`close ${code}`),
    terminate: () => void calls.push('terminate'),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  return { socket, calls };
}

describe('WebSocket timers', () => {
  it('gives up with timeout when the socket does not open within connectTimeout, and destroys it', async () => {
    const clock = new ManualClock();
    const { socket, calls } = scriptedSocket(0);
    let outcome: unknown;
    connectWebSocket('ws://127.0.0.1:9', createIdentity(), { createSocket: () => socket, clock, connectTimeout: 3000 }).catch((e: unknown) => (outcome = e));
    await clock.advance(2999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    expect(outcome).toMatchObject({ code: 'timeout' });
    expect(calls).toEqual(['terminate']);
  });

  it('destroys a closing socket whose peer does not finish the close handshake within closeTimeout', async () => {
    const clock = new ManualClock();
    const { socket, calls } = scriptedSocket(1);
    webSocketChannel(socket, { clock, closeTimeout: 500 }).close();
    expect(calls).toEqual(['close 1000']);
    await clock.advance(499);
    expect(calls).toEqual(['close 1000']);
    await clock.advance(1);
    expect(calls).toEqual(['close 1000', 'terminate']);
  });

  it('polls a full socket on its clock and signals drain once it falls under the low-water mark', async () => {
    const clock = new ManualClock();
    const { socket } = scriptedSocket(1);
    const channel = webSocketChannel(socket, { clock, lowWaterMark: 1000 });
    const drains: number[] = [];
    channel.ondrain = () => drains.push(clock.now());
    socket.bufferedAmount = 1000;
    channel.send(new Uint8Array(10));
    await clock.advance(8);
    expect(drains).toEqual([]);
    socket.bufferedAmount = 999;
    await clock.advance(4);
    expect(drains).toEqual([12]);
    expect(clock.pending).toBe(0);
  });
});
