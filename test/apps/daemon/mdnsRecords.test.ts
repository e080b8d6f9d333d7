import makeMdns from 'multicast-dns';
import { SERVICE, startMdns, type DiscoveredPeer, type Mdns } from '../../../apps/daemon/mdns.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { waitFor } from '../../helpers/waitFor.js';
import { freeUdpPort } from './helpers.js';

// One daemon's mDNS half against a raw mDNS socket that plays the other daemons (honest and not).
let port: number;
let discovery: Mdns;
let raw: ReturnType<typeof makeMdns>;
const found: DiscoveredPeer[] = [];
const gone: string[] = [];
const self = createIdentity().id;

beforeAll(async () => {
  port = await freeUdpPort();
  discovery = await startMdns({ id: self, linkPort: 4242, httpPort: 4343, interface: '127.0.0.1', port, onPeer: (peer) => found.push(peer), onGone: (id) => gone.push(id) });
  raw = makeMdns({ port, interface: '127.0.0.1', bind: '0.0.0.0', reuseAddr: true, loopback: true });
  await new Promise<void>((resolve) => raw.once('ready', () => resolve()));
});
afterAll(async () => {
  await discovery.close();
  await new Promise<void>((resolve) => raw.destroy(() => resolve()));
});

function advertise(id: string, linkPort: number, ttl = 120, extra: string[] = []): void {
  const instance = `${id}.${SERVICE}`;
  raw.respond({
    answers: [
      { name: SERVICE, type: 'PTR', ttl, data: instance },
      { name: instance, type: 'SRV', ttl, data: { port: linkPort, target: `${id}.local` } },
      { name: instance, type: 'TXT', ttl, data: ['v=1', `id=${id}`, ...extra] },
    ],
  });
}

test('answers a query for _glow._tcp with its id and link port', async () => {
  const answers: { name: string; type: string; data: unknown }[] = [];
  const listener = (packet: { answers: typeof answers }) => answers.push(...packet.answers);
  raw.on('response', listener);
  raw.query({ questions: [{ name: SERVICE, type: 'PTR' }] });
  await waitFor(() => answers.some((a) => a.type === 'SRV'), 3000);
  raw.off('response', listener);
  expect(answers).toContainEqual(expect.objectContaining({ type: 'PTR', data: `${self}.${SERVICE}` }));
  expect(answers).toContainEqual(expect.objectContaining({ type: 'SRV', data: expect.objectContaining({ port: 4242 }) }));
  const txt = answers.find((a) => a.type === 'TXT')!.data as Buffer[];
  expect(txt.map(String)).toEqual(['v=1', `id=${self}`, 'http=4343']);
});

test("reads a peer's HTTP gateway from TXT http=, at the packet's source address; a bad port is no gateway", async () => {
  const [withHttp, badHttp] = [createIdentity().id, createIdentity().id];
  advertise(withHttp, 6000, 120, ['http=6001']);
  advertise(badHttp, 6002, 120, ['http=70000']);
  await waitFor(() => found.some((p) => p.id === withHttp) && found.some((p) => p.id === badHttp), 3000);
  expect(discovery.peers()).toContainEqual({ id: withHttp, url: 'ws://127.0.0.1:6000', http: 'http://127.0.0.1:6001' });
  expect(discovery.peers()).toContainEqual({ id: badHttp, url: 'ws://127.0.0.1:6002' });
});

test('finds a peer at the source address and SRV port, and forgets it on goodbye', async () => {
  const peer = createIdentity().id;
  advertise(peer, 5555);
  await waitFor(() => found.some((p) => p.id === peer), 3000);
  expect(found.find((p) => p.id === peer)).toEqual({ id: peer, url: 'ws://127.0.0.1:5555' });
  expect(discovery.peers()).toContainEqual({ id: peer, url: 'ws://127.0.0.1:5555' });
  // A new port (the peer restarted) is news; the same one is not.
  advertise(peer, 5556);
  await waitFor(() => found.filter((p) => p.id === peer).length === 2, 3000);
  advertise(peer, 0, 0);
  await waitFor(() => gone.includes(peer), 3000);
  expect(discovery.peers().some((p) => p.id === peer)).toBe(false);
});

test('ignores ids that are not node ids, its own id, and bad ports', async () => {
  const honest = createIdentity().id;
  advertise('not-a-key', 5000);
  advertise(self, 5001);
  advertise(createIdentity().id, 0);
  advertise(honest, 5002);
  await waitFor(() => found.some((p) => p.id === honest), 3000);
  expect(found.map((p) => p.id)).not.toContain('not-a-key');
  expect(found.map((p) => p.id)).not.toContain(self);
  expect(found.filter((p) => p.url.endsWith(':0'))).toEqual([]);
});
