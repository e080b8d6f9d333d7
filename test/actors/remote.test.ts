/**
 * The packet seam (src/actors/remote.ts): two nodes in one process, wired by PacketPorts that
 * encode every packet to bytes and deliver it to the other node on a later microtask, as a
 * link would. Hostile and broken packets are injected on the same path.
 */
import * as v from 'valibot';
import {
  cast,
  decodeValue,
  defineInterface,
  encodePacket,
  encodeValue,
  GlowError,
  method,
  Node,
  PacketKind,
  PROTOCOL_VERSION,
  stream,
  type DownSignal,
  type Signal,
  type Packet,
} from '../../src/index.js';
import { gate, rejection, timed, turn, until, useNodes, within } from './helpers.js';

const Account = defineInterface('test.Account/1', {
  balance: method(v.object({}), v.number()),
  deposit: method(v.object({ amount: v.pipe(v.number(), v.minValue(0)) }), v.number()),
  add: cast(v.object({ amount: v.number() })),
  withdraw: method(v.object({ amount: v.number() }), v.number()),
  slow: method(v.object({}), v.string()),
  crash: method(v.object({}), v.string()),
  history: stream(v.object({}), v.number()),
});

const newNode = useNodes();

/** What a port hands on: the packet's bytes, other bytes instead, or nothing (dropped). */
type Tamper = (packet: Packet) => Uint8Array | undefined;

function pair() {
  const a = newNode({ id: 'alpha' });
  const b = newNode({ id: 'beta' });
  const sent = { toB: [] as Packet[], toA: [] as Packet[] };
  const wires: { tamperToB?: Tamper } = {};
  a.attachPort({
    send: (packet) => {
      sent.toB.push(packet);
      const bytes = wires.tamperToB ? wires.tamperToB(packet) : encodePacket(packet);
      if (bytes) queueMicrotask(() => b.receive(bytes));
    },
  });
  b.attachPort({
    send: (packet) => {
      sent.toA.push(packet);
      const bytes = encodePacket(packet);
      queueMicrotask(() => a.receive(bytes));
    },
  });
  let balance = 100;
  const slow = gate();
  const service = b.spawnResource({
    iface: Account,
    handlers: {
      balance: () => balance,
      deposit: ({ amount }) => (balance += amount),
      add: ({ amount }) => {
        balance += amount;
      },
      withdraw: ({ amount }) => {
        if (amount > balance) throw new GlowError('failed', 'insufficient funds', { balance });
        return (balance -= amount);
      },
      slow: async () => {
        await slow.promise;
        return 'slow answer';
      },
      crash: () => {
        throw new Error('ledger corrupt');
      },
      history: () => [1, 2, 3],
    },
  });
  // The service as A sees it: a ref on A to a resource on B.
  const remote = a.ref(service.toString(), Account);
  return { a, b, sent, wires, service, remote, slow };
}

/** A packet from `src` to node `dst`'s node resource, to inject. */
function packet(fields: Partial<Packet> & Pick<Packet, 'kind' | 'src' | 'dst'>): Packet {
  return { version: PROTOCOL_VERSION, hop: 32, corr: 0, method: '', body: encodeValue(null), ...fields };
}

describe('calls across nodes', () => {
  test('a call from A reaches a resource on B and answers', async () => {
    const { sent, remote } = pair();
    await expect(within(remote.call('deposit', { amount: 5 }))).resolves.toBe(105);
    expect(sent.toB.map((p) => [p.kind, p.method, p.dst.node])).toEqual([[PacketKind.call, 'deposit', 'beta']]);
    expect(sent.toA.map((p) => p.kind)).toEqual([PacketKind.reply]);
  });

  test('describe answers across nodes', async () => {
    const { remote } = pair();
    await expect(within(remote.describe())).resolves.toMatchObject({ interface: 'test.Account/1', members: { deposit: { kind: 'method' } } });
  });

  test('a cast from A is applied on B', async () => {
    const { remote } = pair();
    remote.cast('add', { amount: 7 });
    await expect(within(remote.call('balance', {}))).resolves.toBe(107);
  });

  test('wrong arguments fail with badarg and the issues, across nodes', async () => {
    const { remote } = pair();
    const error = await rejection(remote.call('deposit', { amount: -1 }));
    expect(error.code).toBe('badarg');
    expect(error.details).toEqual({ issues: [expect.objectContaining({ path: ['amount'] })] });
  });

  test('a GlowError thrown on B arrives on A with its code, message and details', async () => {
    const { remote } = pair();
    const error = await rejection(remote.call('withdraw', { amount: 1000 }));
    expect(error).toBeInstanceOf(GlowError);
    expect([error.code, error.message, error.details]).toEqual(['failed', 'insufficient funds', { balance: 100 }]);
  });

  test('a crash on B fails the call with crashed', async () => {
    const { remote } = pair();
    expect((await rejection(remote.call('crash', {}))).code).toBe('crashed');
    expect((await rejection(remote.call('balance', {}))).code).toBe('noproc');
  });

  test('a call to a resource B does not have fails with noproc', async () => {
    const { a } = pair();
    const { ms, error } = await timed(a.ref('glow://beta/nobody', Account).call('balance', {}, { timeout: 5000 }));
    expect(error?.code).toBe('noproc');
    expect(ms).toBeLessThan(200);
  });

  test('a call to a resource on A goes through no port', async () => {
    const { a, sent } = pair();
    const local = a.spawnResource({ iface: Account, handlers: { balance: () => 1 } as never });
    await expect(within(local.call('balance', {}))).resolves.toBe(1);
    expect(sent.toB).toEqual([]);
  });

});

describe('streams across nodes', () => {
  test('items of a stream on B arrive at A in order, then the stream completes', async () => {
    const { remote } = pair();
    const items: number[] = [];
    for await (const item of remote.iterate('history', {})) items.push(item);
    expect(items).toEqual([1, 2, 3]);
  });

  test('a slow consumer on A pauses the producer on B (credit travels back over the wire)', async () => {
    const { a, b } = pair();
    let produced = 0;
    const Counter = defineInterface('test.Counter/1', { count: stream(v.object({}), v.number()) });
    const producer = b.spawnResource({
      iface: Counter,
      handlers: {
        count: async function* () {
          for (let i = 0; i < 1000; i++) {
            produced++;
            yield i;
          }
        },
      },
    });
    const iterator = a.ref(producer.toString(), Counter).iterate('count', {}, { credit: 4 });
    expect((await within(iterator.next())).value).toBe(0);
    expect((await within(iterator.next())).value).toBe(1);
    for (let i = 0; i < 50; i++) await turn();
    // At most the window, plus the credit granted back after two pulls.
    expect(produced).toBeLessThanOrEqual(4 + 2 + 1);
    const rest: number[] = [];
    for (let i = 0; i < 20; i++) rest.push((await within(iterator.next())).value as number);
    expect(rest[19]).toBe(21);
    await iterator.return?.();
    for (let i = 0; i < 50; i++) await turn();
    const stopped = produced;
    for (let i = 0; i < 50; i++) await turn();
    expect(produced).toBe(stopped);
    expect(produced).toBeLessThan(1000);
  });

  test('a stream from a resource that crashes on B ends with crashed on A', async () => {
    const { a, b } = pair();
    const Ticker = defineInterface('test.Ticker/1', { ticks: stream(v.object({}), v.number()) });
    const ticker = b.spawnResource({
      iface: Ticker,
      handlers: {
        ticks: async function* () {
          yield 1;
          throw new Error('clock broke');
        },
      },
    });
    const iterator = a.ref(ticker.toString(), Ticker).iterate('ticks', {});
    expect((await within(iterator.next())).value).toBe(1);
    expect((await rejection(iterator.next())).code).toBe('crashed');
  });

  test('a stream from an unreachable node fails with noconnection at once', async () => {
    const { a, b } = pair();
    const Endless = defineInterface('test.Endless/1', { forever: stream(v.object({}), v.number()) });
    const endless = b.spawnResource({
      iface: Endless,
      handlers: {
        forever: async function* () {
          yield 1;
          await new Promise(() => undefined); // never yields again
        },
      },
    });
    const iterator = a.ref(endless.toString(), Endless).iterate('forever', {});
    expect((await within(iterator.next())).value).toBe(1);
    const next = iterator.next();
    a.nodeUnreachable('beta');
    expect((await rejection(next, 200)).code).toBe('noconnection');
  });
});

const Holder = defineInterface('test.Holder/1', { hold: method(v.object({ target: v.string() }), v.boolean()) });

/** A resource that links itself to whatever `hold` names; trapping exits when given `onSignal`. */
function linker(node: Node, onSignal?: (signal: Signal) => void) {
  return node.spawnResource({
    iface: Holder,
    trapExit: onSignal !== undefined,
    handlers: {
      hold: ({ target }, ctx) => {
        ctx.link(ctx.node.ref(target));
        return true;
      },
    },
    onSignal,
  });
}

describe('links across nodes', () => {
  test('a resource on A linked to one on B ends when the one on B crashes', async () => {
    const { a, remote } = pair();
    const holder = linker(a);
    await within(holder.call('hold', { target: remote.toString() }));
    const down = a.down(holder);
    await rejection(remote.call('crash', {}));
    expect((await within(down)).reason).toMatchObject({ error: { code: 'crashed', message: 'ledger corrupt' } });
  });

  test('a trapping resource on A gets EXIT noconnection when B becomes unreachable', async () => {
    const { a, remote } = pair();
    const exits: unknown[] = [];
    const holder = linker(a, (signal) => exits.push(signal.type === 'glow.exit' ? signal.reason : signal.type));
    await within(holder.call('hold', { target: remote.toString() }));
    a.nodeUnreachable('beta');
    await until(() => exits.length > 0);
    expect(exits).toEqual(['noconnection']);
  });

  test('ending a linked resource on A ends its partner on B', async () => {
    const { a, b, service } = pair();
    const holder = linker(a);
    await within(holder.call('hold', { target: service.toString() }));
    const down = b.down(service);
    a.exit(holder, { error: { code: 'crashed', message: 'holder failed' } });
    expect((await within(down)).reason).toMatchObject({ error: { message: 'holder failed' } });
  });

  test('linking to a resource B does not have delivers noproc', async () => {
    const { a } = pair();
    const holder = linker(a);
    const down = a.down(holder);
    await within(holder.call('hold', { target: 'glow://beta/nobody' }));
    expect((await within(down)).reason).toBe('noproc');
  });
});

describe('what a node keeps for links to other nodes', () => {
  const Pair = defineInterface('test.Pair/1', {
    hold: method(v.object({ target: v.string() }), v.boolean()),
    release: method(v.object({ target: v.string() }), v.boolean()),
  });
  const Solo = defineInterface('test.Solo/1', {});

  /** `count` trapping resources on A, each linked to its own resource on B (and known to B). */
  async function linkedPairs(count: number) {
    const { a, b } = pair();
    const exits: Signal[] = [];
    const onA = Array.from({ length: count }, () =>
      a.spawnResource({
        iface: Pair,
        trapExit: true,
        handlers: {
          hold: ({ target }, ctx) => {
            ctx.link(ctx.node.ref(target));
            return true;
          },
          release: ({ target }, ctx) => {
            ctx.unlink(ctx.node.ref(target));
            return true;
          },
        },
        onSignal: (signal) => void exits.push(signal),
      }),
    );
    const onB = onA.map(() => b.spawnResource({ iface: Solo, trapExit: true, handlers: {}, onSignal: () => undefined }));
    await within(Promise.all(onA.map((ref, i) => ref.call('hold', { target: onB[i]!.toString() }))));
    await until(() => b.tables().remoteLinks === count);
    expect(a.tables().remoteLinks).toBe(count);
    return { a, b, onA, onB, exits };
  }

  test('forgets each local resource once its partner on the other node ended (100 of them)', async () => {
    const { a, b, onA, onB } = await linkedPairs(100);
    for (const ref of onB) b.exit(ref, 'kill');
    await until(() => a.tables().remoteLinks === 0, 1000, 'A to forget its links');
    expect(b.tables().remoteLinks).toBe(0);
    expect(onA.every((ref) => a.isAlive(ref))).toBe(true);
  });

  test('forgets both ends when the local resource unlinks', async () => {
    const { a, b, onA, onB } = await linkedPairs(10);
    await within(Promise.all(onA.map((ref, i) => ref.call('release', { target: onB[i]!.toString() }))));
    expect(a.tables().remoteLinks).toBe(0);
    await until(() => b.tables().remoteLinks === 0, 1000, 'B to forget the unlinked ones');
  });

  test('forgets both ends when the local resource ends', async () => {
    const { a, b, onA } = await linkedPairs(10);
    for (const ref of onA) a.exit(ref, 'kill');
    expect(a.tables().remoteLinks).toBe(0);
    await until(() => b.tables().remoteLinks === 0, 1000, 'B to forget the links of ended partners');
  });

  test('keeps a resource indexed while it still has another link to that node', async () => {
    const { a, b, onA, onB, exits } = await linkedPairs(2);
    await within(onA[0]!.call('hold', { target: onB[1]!.toString() }));
    b.exit(onB[0]!, 'kill');
    await until(() => exits.length === 1);
    expect(a.tables().remoteLinks).toBe(2);
    b.exit(onB[1]!, 'kill');
    await until(() => exits.length === 3);
    expect(a.tables().remoteLinks).toBe(0);
  });
});

describe('hostile and broken packets', () => {
  test('a packet with protocol version 2 is answered with unsupported, which fails the pending call', async () => {
    const { b, wires, remote } = pair();
    wires.tamperToB = (p) => encodePacket({ ...p, version: 2 });
    const { ms, error } = await timed(remote.call('balance', {}, { timeout: 5000 }));
    expect(error?.code).toBe('unsupported');
    expect(error?.message).toContain('version 2');
    expect(ms).toBeLessThan(200);
    expect(b.stats.packetsRejected).toBe(1);
  });

  test('a packet of unknown kind 99 is answered with unsupported', async () => {
    const { b, wires, remote } = pair();
    wires.tamperToB = (p) => encodePacket({ ...p, kind: 99 as PacketKind });
    const error = await rejection(remote.call('balance', {}, { timeout: 5000 }));
    expect(error.code).toBe('unsupported');
    expect(error.message).toContain('99');
    expect(b.stats.packetsRejected).toBe(1);
  });

  test('a kind only routers serve (route) is answered with unsupported', async () => {
    const { b, wires, remote } = pair();
    wires.tamperToB = (p) => encodePacket({ ...p, kind: PacketKind.route });
    expect((await rejection(remote.call('balance', {}, { timeout: 5000 }))).code).toBe('unsupported');
    expect(b.stats.packetsRejected).toBe(1);
  });

  test('a call whose body is not CBOR is answered with badpacket', async () => {
    const { wires, remote } = pair();
    wires.tamperToB = (p) => encodePacket({ ...p, body: new Uint8Array([0xff]) });
    expect((await rejection(remote.call('balance', {}, { timeout: 5000 }))).code).toBe('badpacket');
  });

  test('a packet for another node is answered with noconnection', async () => {
    const { wires, remote } = pair();
    wires.tamperToB = (p) => encodePacket({ ...p, dst: { node: 'gamma', local: p.dst.local } });
    expect((await rejection(remote.call('balance', {}, { timeout: 5000 }))).code).toBe('noconnection');
  });

  test('garbage bytes are counted and dropped, and B keeps serving', async () => {
    const { b, sent, remote } = pair();
    for (const garbage of [new Uint8Array([0xff, 0x00, 0x13]), new Uint8Array([]), new Uint8Array([0x9f, 0x01]), encodeValue('not a packet')]) {
      expect(() => b.receive(garbage)).not.toThrow();
    }
    expect(b.stats.packetsRejected).toBe(4);
    expect(sent.toA).toEqual([]);
    await expect(within(remote.call('balance', {}))).resolves.toBe(100);
  });

  test('a reply from a node the call did not go to is dropped and counted; the real reply still resolves', async () => {
    const { a, sent, remote, slow } = pair();
    let settled = false;
    const call = remote.call('slow', {}, { timeout: 1000 }).finally(() => (settled = true));
    await until(() => sent.toB.length === 1);
    const { corr } = sent.toB[0]!;
    const forged = packet({ kind: PacketKind.reply, src: { node: 'mallory', local: 'node' }, dst: a.self.id, corr, body: encodeValue('forged') });
    a.receive(encodePacket(forged));
    a.receive(encodePacket({ ...forged, kind: PacketKind.error, body: encodeValue({ code: 'denied', message: 'forged' }) }));
    expect(a.stats.packetsRejected).toBe(2);
    await turn();
    expect(settled).toBe(false);
    slow.open();
    await expect(within(call)).resolves.toBe('slow answer');
  });

  test('a reply nobody waits for is counted and not answered (no error ping-pong)', async () => {
    const { a, b, sent } = pair();
    a.receive(encodePacket(packet({ kind: PacketKind.reply, src: b.self.id, dst: a.self.id, corr: 424242 })));
    a.receive(encodePacket(packet({ kind: PacketKind.error, src: b.self.id, dst: a.self.id, corr: 424243 })));
    expect(a.stats.packetsRejected).toBe(2);
    await turn();
    expect(sent.toB).toEqual([]);
  });
});

describe('unreachable nodes', () => {
  test('nodeUnreachable fails the calls pending on that node with noconnection at once', async () => {
    const { a, remote } = pair();
    const pending = timed(remote.call('slow', {}, { timeout: 5000 }));
    await turn();
    a.nodeUnreachable('beta');
    const { ms, error } = await within(pending);
    expect(error?.code).toBe('noconnection');
    expect(ms).toBeLessThan(200);
  });

  test('nodeUnreachable leaves calls to other nodes alone', async () => {
    const { a, remote } = pair();
    a.nodeUnreachable('gamma');
    await expect(within(remote.call('balance', {}))).resolves.toBe(100);
  });

  test('a node with no port fails remote calls, casts and monitors with noconnection', async () => {
    const lone = newNode({ id: 'lone' });
    const far = lone.ref('glow://far/thing', Account);
    expect((await rejection(far.call('balance', {}, { timeout: 5000 }), 200)).code).toBe('noconnection');
    const failed: string[] = [];
    lone.onCastFailed((_target, error) => failed.push(error.code));
    far.cast('add', { amount: 1 });
    expect(failed).toEqual(['noconnection']);
    expect((await within(lone.down(far), 200)).reason).toBe('noconnection');
  });

  test('shutting a node down fails its pending remote calls with noconnection', async () => {
    const a = new Node({ id: 'closing' });
    a.attachPort({ send: () => undefined });
    const pending = rejection(a.ref('glow://beta/x', Account).call('balance', {}, { timeout: 5000 }), 200);
    await a.shutdown();
    expect((await pending).code).toBe('noconnection');
  });
});

describe('remote monitors', () => {
  test('a monitor from A gets DOWN with the real reason when the resource on B crashes', async () => {
    const { a, remote } = pair();
    const down = a.down(remote);
    await turn();
    await rejection(remote.call('crash', {}));
    await expect(within(down)).resolves.toEqual({
      type: 'glow.down',
      monitor: expect.any(Number),
      id: remote.id,
      reason: { error: { code: 'crashed', message: 'ledger corrupt' } },
    });
  });

  test('a monitor from A gets DOWN shutdown when the resource on B is shut down', async () => {
    const { a, b, service, remote } = pair();
    const down = a.down(remote);
    await turn();
    b.exit(service, 'shutdown');
    expect((await within(down)).reason).toBe('shutdown');
  });

  test('a monitor on a resource B does not have gets DOWN noproc', async () => {
    const { a } = pair();
    expect((await within(a.down(a.ref('glow://beta/nobody')))).reason).toBe('noproc');
  });

  test('a remote monitor gets DOWN noconnection when the node becomes unreachable', async () => {
    const { a, remote } = pair();
    const down = a.down(remote);
    await turn();
    a.nodeUnreachable('beta');
    expect((await within(down, 200)).reason).toBe('noconnection');
  });

  test('a stopped remote monitor gets no DOWN', async () => {
    const { a, b, sent, service, remote } = pair();
    const stopped: DownSignal[] = [];
    const stop = a.monitor(remote, (down) => stopped.push(down));
    const kept = a.down(remote);
    await turn();
    stop();
    await until(() => sent.toB.some((p) => p.method === 'demonitor'));
    await turn();
    b.exit(service, 'shutdown');
    expect((await within(kept)).reason).toBe('shutdown');
    expect(stopped).toEqual([]);
    expect(sent.toA.filter((p) => p.method === 'down')).toHaveLength(1);
  });

  test('a DOWN from a node the monitor was not set on is dropped and counted', async () => {
    const { a, b, sent, service, remote } = pair();
    const downs: DownSignal[] = [];
    a.monitor(remote, (down) => downs.push(down));
    await until(() => sent.toB.some((p) => p.method === 'monitor'));
    const { corr } = sent.toB.find((p) => p.method === 'monitor')!;
    a.receive(encodePacket(packet({ kind: PacketKind.signal, method: 'down', src: { node: 'mallory', local: 'node' }, dst: a.self.id, corr, body: encodeValue('killed') })));
    expect(a.stats.packetsRejected).toBe(1);
    expect(downs).toEqual([]);
    const real = a.down(remote);
    await turn();
    b.exit(service, 'shutdown');
    await within(real);
    expect(downs.map((down) => down.reason)).toEqual(['shutdown']);
    expect(decodeValue(sent.toA.find((p) => p.method === 'down')!.body)).toBe('shutdown');
  });
});
