/**
 * A mesh node as an OS process of its own, for the benchmarks that kill one (SIGKILL): reads one
 * JSON command per line on stdin, answers one JSON line on stdout (`{ id, ok, value }` or
 * `{ id, ok: false, message }`); events (`{ event, … }`) are lines too. Default settings
 * throughout, as on the bench's own node. Driven by childProcess.ts.
 *
 *   node --import tsx bench/mesh/child.ts
 */
import { createInterface } from 'node:readline';
import * as v from 'valibot';
import { WebSocket } from 'ws';
import { registerSupervision, type ProcessKind } from '../../src/index.js';
import { Mesh } from '../../src/actors/mesh.js';
import type { Channel } from '../../src/transport/channel.js';
import { createIdentity } from '../../src/transport/identity.js';
import { loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import { acceptWebRtc } from '../../src/transport/webrtcNegotiation.js';
import type { SignalPort, WebRtcSignal } from '../../src/transport/webrtcSignal.js';
import { createNodeWebSocket } from '../../src/transport/websocketServer.js';
import { Where } from './childProcess.js';
import { LOOPBACK } from './webrtcPair.js';

/** Starts a resource that answers where it runs, and names it. */
const echoKind: ProcessKind<{ name: string }> = {
  name: 'echo',
  args: v.object({ name: v.string() }),
  start(ctx, { name }) {
    ctx.register(name, ctx.spawn({ iface: Where, handlers: { where: () => ctx.node.id } }));
  },
};

const write = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);

const backend = await loadWebRtcBackend('werift');
const mesh = new Mesh({ identity: createIdentity(), webSocket: createNodeWebSocket, webrtc: { backend, ...LOOPBACK } });
mesh.node.registerKind(echoKind);
registerSupervision(mesh.node);
/** Plain transports the benchmarks time beside the mesh's: ws sockets, a data channel echo. */
const rawSockets: WebSocket[] = [];
const channels: Channel[] = [];
let signals: SignalPort | undefined;

async function run(command: Record<string, any>): Promise<unknown> {
  switch (command.op) {
    case 'connect':
      return (await mesh.connect(command.url, { expect: command.expect })).kind;
    case 'reachable':
      return mesh.router.isReachable(command.node);
    case 'spawn':
      return (await mesh.node.spawn(command.kind, command.args)).toString();
    case 'rawws': {
      const socket = new WebSocket(command.url, { perMessageDeflate: false });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      rawSockets.push(socket);
      return true;
    }
    case 'signal': {
      // A plain data channel the bench dials: it echoes whatever arrives.
      const signal = command.signal as WebRtcSignal;
      if (signal.type === 'offer') {
        const port: SignalPort = { send: (out) => write({ event: 'signal', signal: out }), onsignal: undefined, close() {} };
        signals = port;
        void acceptWebRtc(port, signal.sdp, { ...LOOPBACK, backend }).then((channel) => {
          channels.push(channel);
          channel.onmessage = (message) => channel.send(message);
        });
      } else signals?.onsignal?.(signal);
      return true;
    }
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as Record<string, any>;
  run(command).then(
    (value) => write({ id: command.id, ok: true, value }),
    (error: unknown) => write({ id: command.id, ok: false, message: (error as Error).message }),
  );
});
lines.on('close', () => {
  // stdin closed: the bench is done with us; end cleanly.
  void (async () => {
    for (const socket of rawSockets) socket.terminate();
    for (const channel of channels) channel.close();
    await mesh.close();
    process.exit(0);
  })();
});
write({ event: 'ready', id: mesh.id });
