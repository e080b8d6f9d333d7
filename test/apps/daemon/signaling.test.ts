import { WebSocket } from 'ws';
import { Mesh } from '../../../src/actors/mesh.js';
import { Trust } from '../../../src/actors/trust/trust.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { connectSignaling, type SignalingClient, type SignalingSocketClass } from '../../../src/transport/signalingClient.js';
import { loadWebRtcBackend } from '../../../src/transport/webrtcBackend.js';
import { certify } from '../../helpers/users.js';
import { DaemonProcess, removeHomes } from './helpers.js';

let daemon: DaemonProcess;
let mesh: Mesh | undefined;
let client: SignalingClient | undefined;
afterAll(async () => {
  client?.close();
  await mesh?.close();
  await daemon?.terminate();
  await removeHomes();
});

test('--embedded-signaling runs a signaling server that a browser-like node uses to open a WebRTC link to the daemon', async () => {
  daemon = await DaemonProcess.start({ args: ['--embedded-signaling'] });
  expect(daemon.info.signaling).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  expect(await daemon.op({ op: 'status' })).toMatchObject({ signaling: daemon.info.signaling });
  // The daemon registers its own node with its server, so that offers to it are answered.
  await daemon.waitLine((line) => line.event === 'signaling.connected', 10000);

  const backend = await loadWebRtcBackend('werift');
  // A device of the daemon's user (a stranger is refused: users.test.ts).
  const identity = createIdentity();
  mesh = new Mesh({ identity, trust: new Trust({ certificate: certify(identity) }), webrtc: { backend, loopbackOnly: true, timeout: 10000 } });
  client = await connectSignaling({ url: daemon.info.signaling!, identity: mesh.identity, WebSocket: WebSocket as unknown as SignalingSocketClass });
  mesh.useSignaling(client);
  const link = await mesh.connectRtcVia(client, daemon.id);
  expect(link.kind).toBe('webrtc');
  const peers = await daemon.until<{ node: string; kind: string }[]>({ op: 'peers' }, (list) => list.some((peer) => peer.node === mesh!.id));
  expect(peers).toContainEqual(expect.objectContaining({ node: mesh.id, kind: 'webrtc' }));
}, 30000);
