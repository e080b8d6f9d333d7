/**
 * Fault tests with real OS processes over real links: nodes that vanish (SIGKILL) become
 * `noconnection` failures and `DOWN` signals, and supervisors restart what was lost elsewhere.
 */
import { startSignalingServer, type SignalingServer } from '../../apps/signaling/server.js';
import type { NodeCommandError } from '../helpers/meshProcess.js';
import { MeshProcess } from '../helpers/meshProcess.js';

import { jest } from '@jest/globals';

jest.setTimeout(60_000);

const nodes: MeshProcess[] = [];
let signaling: SignalingServer | undefined;
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
  await signaling?.close();
  signaling = undefined;
});

/** A signaling server (with its STUN responder on an ephemeral port) on loopback. */
async function signalingServer(): Promise<SignalingServer> {
  signaling = await startSignalingServer({ host: '127.0.0.1', port: 0, stunPort: 0 });
  return signaling;
}

async function start(count: number): Promise<MeshProcess[]> {
  const started = await Promise.all(Array.from({ length: count }, () => MeshProcess.start()));
  nodes.push(...started);
  return started;
}

test('a supervisor on A restarts a child lost with node C (SIGKILL) on candidate B within 2 s; calls by name reach it', async () => {
  const [a, b, c] = await start(3);
  const { url } = await a!.request<{ url: string }>('listen');
  await b!.request('connect', { url, expect: a!.id });
  await c!.request('connect', { url, expect: a!.id });
  await a!.until('reachable', { node: c!.id }, (up: boolean) => up);
  await a!.until('reachable', { node: b!.id }, (up: boolean) => up);
  await a!.request('supervise', {
    spec: { intensity: 3, period: 10_000, children: [{ id: 'worker', start: { kind: 'echo', args: { name: 'worker' } }, where: [c!.id, b!.id] }] },
  });
  await a!.until('whereis', { name: 'worker' }, (id: string | null) => id !== null && id.includes(c!.id));
  expect(await a!.request('call', { ref: 'glow://worker', method: 'where' })).toBe(c!.id);

  const killedAt = Date.now();
  await c!.kill();
  await a!.until('whereis', { name: 'worker' }, (id: string | null) => id !== null && id.includes(b!.id), 4000);
  const movedIn = Date.now() - killedAt;
  expect(movedIn).toBeLessThan(2000);
  expect(await a!.request('call', { ref: 'glow://worker', method: 'where' })).toBe(b!.id);
});

test("A—B—C over WebRTC: killing B fails A's pending call with noconnection at once; a direct A—C link heals it", async () => {
  const server = await signalingServer();
  const [a, b, c] = await start(3);
  for (const node of [a!, b!, c!]) await node.request('signaling', { url: server.url });
  expect(await a!.request('rtc', { peer: b!.id })).toBe('webrtc');
  expect(await b!.request('rtc', { peer: c!.id })).toBe('webrtc');
  await a!.until('reachable', { node: c!.id }, (up: boolean) => up);
  await c!.request('spawn', { kind: 'echo', args: { name: 'far' } });
  await a!.until('whereis', { name: 'far' }, (id: string | null) => id !== null);
  expect(await a!.request('call', { ref: 'glow://far', method: 'where' })).toBe(c!.id);

  const pending = a!.request('call', { ref: 'glow://far', method: 'wait', args: { ms: 20_000 }, timeout: 30_000 }, 35_000).then(
    () => 'answered',
    (error: NodeCommandError) => error.code,
  );
  await c!.until('waiting', {}, (calls: number) => calls === 1); // the call reached C and waits there
  const killedAt = Date.now();
  await b!.kill();
  expect(await pending).toBe('noconnection');
  const failedIn = Date.now() - killedAt;
  expect(failedIn).toBeLessThan(1500);

  expect(await a!.request('rtc', { peer: c!.id })).toBe('webrtc');
  await a!.until('reachable', { node: c!.id }, (up: boolean) => up);
  await a!.until('whereis', { name: 'far' }, (id: string | null) => id !== null);
  expect(await a!.request('call', { ref: 'glow://far', method: 'where' })).toBe(c!.id);
});

test('once linked, A opens a direct WebRTC link to C with offers carried through the mesh, after signaling stops', async () => {
  const server = await signalingServer();
  const [a, b, c] = await start(3);
  for (const node of [a!, b!]) await node.request('signaling', { url: server.url });
  expect(await a!.request('rtc', { peer: b!.id })).toBe('webrtc');
  const { url } = await b!.request<{ url: string }>('listen');
  await c!.request('connect', { url, expect: b!.id });
  await a!.until('reachable', { node: c!.id }, (up: boolean) => up);
  await server.close();
  signaling = undefined;

  expect(await a!.request('rtc', { peer: c!.id, via: 'mesh' })).toBe('webrtc');
  const neighbours = await a!.request<{ node: string; kind: string }[]>('neighbours');
  expect(neighbours).toEqual(expect.arrayContaining([expect.objectContaining({ node: c!.id, kind: 'webrtc' })]));
  await c!.request('spawn', { kind: 'echo', args: { name: 'direct' } });
  await a!.until('whereis', { name: 'direct' }, (id: string | null) => id !== null);
  expect(await a!.request('call', { ref: 'glow://direct', method: 'where' })).toBe(c!.id);
});
