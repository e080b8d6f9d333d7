import * as v from 'valibot';
import { Node } from '../../src/actors/node.js';
import type { DownSignal } from '../../src/actors/types.js';
import { GlowError } from '../../src/firefly/errors.js';
import { defineInterface, method } from '../../src/firefly/idl.js';
import { Router } from '../../src/router/router.js';
import { totalDropped } from '../../src/router/stats.js';
import { memoryLinkPair, type MemoryLinkControls } from '../../src/transport/memory.js';
import { waitFor, within } from '../helpers/waitFor.js';
import { Endpoint, errorOf, packet } from './helpers.js';

// Real actor nodes on routers: what the mesh looks like to a program.
const Echo = defineInterface('test.Echo/1', {
  echo: method(v.object({ text: v.string() }), v.string()),
  hang: method(v.object({}), v.string()),
});

let nodes: Node[] = [];
let routers: Router[] = [];
let release: () => void = () => undefined;

afterEach(async () => {
  release();
  await Promise.all(nodes.map((node) => node.shutdown({ timeout: 1000 })));
  for (const router of routers) router.close();
  nodes = [];
  routers = [];
});

function start(id: string): { node: Node; router: Router } {
  const node = new Node({ id, callTimeout: 5000 });
  const router = new Router(node, { updateInterval: 60_000 });
  node.attachPort(router);
  nodes.push(node);
  routers.push(router);
  return { node, router };
}

function link(a: Router, b: Router): MemoryLinkControls {
  const [atA, atB, controls] = memoryLinkPair(a.id, b.id);
  a.addLink(atA);
  b.addLink(atB);
  return controls;
}

/** A—B—C with an Echo resource on C whose `hang` never answers until the test ends. */
async function line() {
  const a = start('A');
  const b = start('B');
  const c = start('C');
  link(a.router, b.router);
  const bc = link(b.router, c.router);
  let hanging = 0;
  const stuck = new Promise<void>((resolve) => (release = resolve));
  const resource = c.node.spawnResource({
    iface: Echo,
    concurrency: 8,
    handlers: {
      echo: ({ text }) => text,
      hang: async () => {
        hanging++;
        await stuck;
        return 'late';
      },
    },
  });
  await waitFor(() => a.router.route('C') !== undefined && c.router.route('A') !== undefined, 1000, 'routes between A and C');
  return { a, b, c, bc, ref: a.node.ref(resource.id, Echo), hanging: () => hanging };
}

describe('nodes on routers', () => {
  it('call a resource two hops away through a relay', async () => {
    const { ref, b } = await line();
    expect(await ref.call('echo', { text: 'over two hops' })).toBe('over two hops');
    expect(b.router.stats.forwarded).toBe(2);
    expect(b.router.stats.delivered).toBe(0);
  });

  it('fail a pending call with noconnection well before its timeout when the relay loses the destination', async () => {
    const { ref, bc, hanging } = await line();
    const call = ref.call('hang', {});
    await waitFor(() => hanging() === 1, 1000, 'the call reached C');
    const cutAt = performance.now();
    bc.cut();
    const error = await within(call.then(() => undefined, (caught: unknown) => caught), 2000, 'the call failed');
    expect(error).toBeInstanceOf(GlowError);
    expect((error as GlowError).code).toBe('noconnection');
    expect(performance.now() - cutAt).toBeLessThan(1000);
  });

  it('fire a remote monitor with DOWN noconnection when the node is lost', async () => {
    const { a, ref, bc } = await line();
    const downs: DownSignal[] = [];
    a.node.monitor(ref, (down) => downs.push(down));
    // A call on the same path after the monitor: once it is answered, C has the monitor.
    await ref.call('echo', { text: 'sync' });
    bc.cut();
    await waitFor(() => downs.length === 1, 1000, 'a DOWN');
    expect(downs[0]!.reason).toBe('noconnection');
  });

  it('let the final node reject a body that is not CBOR which the relay forwarded untouched', async () => {
    const endpoint = new Endpoint('A');
    const a = new Router(endpoint, { updateInterval: 60_000 });
    routers.push(a);
    const b = start('B');
    const c = start('C');
    link(a, b.router);
    link(b.router, c.router);
    await waitFor(() => a.route('C') !== undefined, 1000, 'a route to C');
    const target = c.node.spawnResource({ iface: Echo, handlers: { echo: ({ text }) => text, hang: () => 'no' } });
    a.send(packet('A', 'C', { dst: target.id, method: 'echo', corr: 42, body: new Uint8Array([0x5f, 0x41]) }));
    const answer = await endpoint.next((p) => p.corr === 42);
    expect(errorOf(answer).code).toBe('badpacket');
    expect(c.node.stats.packetsRejected).toBe(1);
    expect(b.router.stats.forwarded).toBe(2);
    expect(totalDropped(b.router.stats)).toBe(0);
    expect(b.node.stats.packetsRejected).toBe(0);
  });
});
