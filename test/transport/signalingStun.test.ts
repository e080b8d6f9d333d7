import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { STUN_MAGIC_COOKIE, bindingSuccess, parseBindingRequest, parseBindingSuccess } from '../../src/transport/stunMessage.js';
import { startStunServer, type StunServer } from '../../src/transport/stunServer.js';
import { within } from '../helpers/waitFor.js';

/** An RFC 5389 Binding request with a random transaction id (and optionally some attribute bytes). */
function bindingRequest(attributes = new Uint8Array(0)): Uint8Array {
  const message = new Uint8Array(20 + attributes.length);
  const view = new DataView(message.buffer);
  view.setUint16(0, 0x0001);
  view.setUint16(2, attributes.length);
  view.setUint32(4, STUN_MAGIC_COOKIE);
  crypto.getRandomValues(message.subarray(8, 20));
  message.set(attributes, 20);
  return message;
}

describe('STUN messages', () => {
  it('answers a Binding request with its transaction id and the XOR-mapped address (IPv4 and IPv6)', () => {
    const request = parseBindingRequest(bindingRequest())!;
    for (const from of [
      { family: 'IPv4', address: '127.0.0.1', port: 54321 },
      { family: 'IPv6', address: '::1', port: 3478 },
      { family: 'IPv6', address: 'fe80::1:2:3', port: 1 },
    ] as const) {
      const reply = parseBindingSuccess(bindingSuccess(request, from))!;
      expect(reply.transactionId).toEqual(request.transactionId);
      expect(reply.address.port).toBe(from.port);
      if (from.family === 'IPv4') expect(reply.address.address).toBe(from.address);
    }
    const v6 = parseBindingSuccess(bindingSuccess(request, { family: 'IPv6', address: '::1', port: 9 }))!;
    expect(v6.address.address).toBe('0:0:0:0:0:0:0:1');
  });

  it('ignores what is not an RFC 5389 Binding request', () => {
    const good = bindingRequest();
    const variants: Uint8Array[] = [
      good.slice(0, 19), // truncated header
      Uint8Array.from([...good, 0, 0, 0, 0]), // length field does not cover the body
      (() => {
        const m = good.slice();
        m[4] = 0; // no magic cookie (RFC 3489)
        return m;
      })(),
      (() => {
        const m = good.slice();
        m[1] = 0x11; // Binding indication
        return m;
      })(),
      new Uint8Array(100).fill(0xff),
    ];
    for (const message of variants) expect(parseBindingRequest(message)).toBeUndefined();
    expect(parseBindingRequest(bindingRequest(new Uint8Array(8)))).toBeDefined();
  });
});

describe('STUN server', () => {
  let server: StunServer | undefined;
  const client = createSocket('udp4');
  beforeAll(() => new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => client.close(() => resolve())));
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('binds 127.0.0.1 by default and answers a real Binding request with the client address', async () => {
    server = await startStunServer({ port: 0 });
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`stun:127.0.0.1:${server.port}`);
    const request = bindingRequest();
    const reply = once(client, 'message');
    client.send(request, server.port, '127.0.0.1');
    const [message] = (await within(reply, 2000, 'no STUN reply')) as [Buffer];
    const parsed = parseBindingSuccess(message)!;
    expect(parsed.transactionId).toEqual(request.slice(8, 20));
    expect(parsed.address).toEqual({ family: 'IPv4', address: '127.0.0.1', port: client.address().port });
    expect(server.answered).toBe(1);
  });

  it('drops garbage unanswered and keeps answering', async () => {
    server = await startStunServer({ port: 0 });
    const replies: Buffer[] = [];
    const onMessage = (message: Buffer) => replies.push(message);
    client.on('message', onMessage);
    try {
      for (let i = 0; i < 50; i++) client.send(crypto.getRandomValues(new Uint8Array(1 + i * 7)), server.port, '127.0.0.1');
      const answered = once(client, 'message');
      client.send(bindingRequest(), server.port, '127.0.0.1');
      await within(answered, 2000, 'no STUN reply after garbage');
      // Datagrams on loopback arrive in order: the garbage was seen before the request.
      expect(server.ignored).toBe(50);
      expect(replies).toHaveLength(1);
    } finally {
      client.off('message', onMessage);
    }
  });
});
