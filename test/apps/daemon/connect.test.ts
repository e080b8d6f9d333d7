import { freeTcpPort, tempHome, useDaemons, type StartOptions } from './helpers.js';

const daemons = useDaemons();
const start = (options?: StartOptions) => daemons.start(options);

const hasPeer = (id: string) => (peers: { node: string }[]) => peers.some((peer) => peer.node === id);

test('--connect links two daemons; routes and peers show it', async () => {
  const a = await start();
  const b = await start({ args: ['--connect', a.info.link] });
  const peers = await a.until<{ node: string; kind: string; rtt: number | null }[]>({ op: 'peers' }, hasPeer(b.id));
  expect(peers).toEqual([expect.objectContaining({ node: b.id, kind: 'websocket' })]);
  await b.until<{ destination: string }[]>({ op: 'routes' }, (routes) => routes.some((route) => route.destination === a.id));
  expect(b.lines.some((line) => line.event === 'connect.linked' && line.url === a.info.link)).toBe(true);
  // RTT is measured by the heartbeats within a second or so.
  await a.until<{ rtt: number | null }[]>({ op: 'peers' }, (list) => list[0]?.rtt !== null, 5000);
});

test('a daemon started before its peer links to it when it appears (backoff)', async () => {
  const port = await freeTcpPort();
  const early = await start({ home: await tempHome({ reconnect: { initial: 100, max: 800 } }), args: ['--connect', `ws://127.0.0.1:${port}`] });
  // It tried and failed (the backoff keeps trying), then the peer appears at that address.
  await early.waitLine((line) => line.event === 'connect.failed' && line.failures >= 1, 5000);
  const late = await start({ args: ['--listen', `127.0.0.1:${port}`] });
  await early.until({ op: 'peers' }, hasPeer(late.id), 5000);
  await late.until({ op: 'peers' }, hasPeer(early.id), 5000);
});

test('a link lost to a restart comes back', async () => {
  const port = await freeTcpPort();
  const home = await tempHome();
  let server = await start({ home, args: ['--listen', `127.0.0.1:${port}`] });
  const client = await start({ home: await tempHome({ reconnect: { initial: 100, max: 800 } }), args: ['--connect', `ws://127.0.0.1:${port}`] });
  await client.until({ op: 'peers' }, hasPeer(server.id));
  await server.terminate();
  await client.until<unknown[]>({ op: 'peers' }, (peers) => peers.length === 0, 5000);
  server = await start({ home, args: ['--listen', `127.0.0.1:${port}`] });
  await client.until({ op: 'peers' }, hasPeer(server.id), 5000);
});

test('three daemons in a line: routes reach the farthest, spawn --on and kill work there, a SIGKILL is DOWN noconnection within 1.5 s', async () => {
  const a = await start({ args: ['--log-level', 'debug'] });
  const b = await start({ args: ['--connect', a.info.link] });
  const c = await start({ args: ['--connect', b.info.link] });
  const routes = await a.until<{ destination: string; nextHop: string; hops: number }[]>(
    { op: 'routes' },
    (list) => list.some((route) => route.destination === c.id),
    10000,
  );
  expect(routes).toContainEqual(expect.objectContaining({ destination: c.id, nextHop: b.id, hops: 2 }));

  const spawned = await a.op({ op: 'spawn', kind: 'echo', on: c.id, name: 'far/echo' });
  expect(spawned).toMatchObject({ node: c.id, name: 'far/echo' });
  expect(spawned.ref.startsWith(`glow://${c.id}/`)).toBe(true);
  expect(await a.op({ op: 'call', ref: 'far/echo', method: 'where' })).toBe(c.id);
  expect(await a.op({ op: 'tree', node: c.id })).toMatchObject({ id: c.id });
  const all = await a.op<{ id: string; name?: string }[]>({ op: 'ls', all: true });
  expect(all).toContainEqual(expect.objectContaining({ id: spawned.ref, name: 'far/echo' }));
  expect((await a.op<{ id: string }[]>({ op: 'ls', node: c.id })).map((r) => r.id)).toContain(spawned.ref);

  const other = await a.op({ op: 'spawn', kind: 'counter', on: c.id });
  expect(await a.op({ op: 'kill', ref: other.ref })).toEqual({ ref: other.ref, reason: 'killed' });

  const monitoring = a.op({ op: 'monitor', ref: spawned.ref, timeout: 10000 });
  await a.waitLine((line) => line.event === 'monitor.placed' && line.ref === spawned.ref);
  const killed = Date.now();
  await c.kill();
  expect(await monitoring).toEqual({ ref: spawned.ref, reason: 'noconnection' });
  expect(Date.now() - killed).toBeLessThan(1500);
}, 40000);
