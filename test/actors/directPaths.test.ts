/**
 * Direct paths (src/actors/directPaths.ts): devices that reach each other only through a third
 * get a direct WebRTC link, negotiated through the mesh with the STUN server the third one runs,
 * and the route moves to it; a node not wanted is never dialled; only STUN URLs are learned.
 */
import { keepDirectPaths } from '../../src/actors/directPaths.js';
import { RTC_RESOURCE, RtcInterface } from '../../src/actors/meshSignals.js';
import { startStunServer, type StunServer } from '../../src/transport/stunServer.js';
import { loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import { linkDevices, meshed, testUser, useDevices } from '../helpers/userMeshes.js';
import { waitFor } from '../helpers/waitFor.js';

const device = useDevices();
let stun: StunServer;
const stops: (() => void)[] = [];

beforeAll(async () => {
  stun = await startStunServer({ port: 0 });
});
afterAll(() => stun.close());
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

async function threeDevices() {
  const backend = await loadWebRtcBackend('werift');
  const me = testUser();
  const [laptop, vps, desk] = ['laptop', 'vps', 'desk'].map((name) => device(me, name, { mesh: { webrtc: { backend, loopbackOnly: true } } })) as [
    ReturnType<typeof device>,
    ReturnType<typeof device>,
    ReturnType<typeof device>,
  ];
  vps.mesh.offerIceServers([stun.url]);
  await linkDevices(laptop, vps);
  await linkDevices(vps, desk);
  await meshed(laptop, vps, desk);
  return { me, laptop, vps, desk };
}

test('two devices that meet only through a third get a direct link with its STUN server, and the route moves to it', async () => {
  const { laptop, vps, desk } = await threeDevices();
  expect(await laptop.node.ref({ node: vps.id, local: RTC_RESOURCE }, RtcInterface).call('iceServers', {})).toEqual([stun.url]);
  const events: string[] = [];
  for (const [self, other] of [
    [laptop, desk],
    [desk, laptop],
  ] as const) {
    const paths = keepDirectPaths(self.mesh, { wanted: (node) => node === other.id, every: 50, log: (event) => events.push(`${self.name} ${event.event}`) });
    stops.push(() => paths.stop());
  }
  await waitFor(() => laptop.mesh.router.neighbours().some((neighbour) => neighbour.node === desk.id && neighbour.kind === 'webrtc'), 10_000, 'a direct WebRTC link laptop ↔ desk');
  // One dial, from the smaller id; both ends took the STUN server from the vps.
  expect(events).toEqual([`${laptop.id < desk.id ? 'laptop' : 'desk'} direct.linked`]);
  expect(laptop.mesh.iceServers()).toEqual([stun.url]);
  expect(desk.mesh.iceServers()).toEqual([stun.url]);
  await waitFor(() => laptop.mesh.router.route(desk.id)?.nextHop === desk.id, 5000, 'the route to desk to go direct');
  expect(stun.answered).toBeGreaterThan(0);
}, 30_000);

test('a node that is not wanted is never dialled', async () => {
  const { laptop, desk } = await threeDevices();
  let asked = 0;
  for (const self of [laptop, desk]) {
    const paths = keepDirectPaths(self.mesh, {
      wanted: () => {
        asked++;
        return false;
      },
      every: 20,
    });
    stops.push(() => paths.stop());
  }
  // Several sweeps looked at the relayed peer and left it alone.
  await waitFor(() => asked >= 5, 5000, 'sweeps to look at the relayed peer');
  expect(laptop.mesh.router.neighbours().map((neighbour) => neighbour.kind)).toEqual(['memory']);
  expect(laptop.mesh.router.route(desk.id)?.nextHop).not.toBe(desk.id);
});

test('only stun: URLs are learned from others, at most eight', async () => {
  const { laptop } = await threeDevices();
  const urls = ['turn:user:secret@198.51.100.2:3478', 'http://198.51.100.2/', 'stun:198.51.100.2', 42 as unknown as string, ...Array.from({ length: 10 }, (_, i) => `stun:198.51.100.${i}:3478`)];
  laptop.mesh.learnIceServers(urls);
  expect(laptop.mesh.iceServers()).toEqual(Array.from({ length: 8 }, (_, i) => `stun:198.51.100.${i}:3478`));
  laptop.mesh.offerIceServers(['turn:user:secret@198.51.100.2:3478', 'stun:[2001:db8::1]:3478']);
  expect(await laptop.node.ref({ node: laptop.id, local: RTC_RESOURCE }, RtcInterface).call('iceServers', {})).toEqual(['stun:[2001:db8::1]:3478']);
});
