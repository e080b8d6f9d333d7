/**
 * The connections a daemon keeps up by itself, each in a reconnect loop (reconnect.ts): links to
 * the `--connect` URLs, and registrations with signaling servers (its embedded one and the
 * `--signaling` URLs). The first failure of each is a warning, later ones are debug lines.
 */
import { WebSocket } from 'ws';
import type { Mesh } from '../../src/actors/mesh.js';
import type { NodeId } from '../../src/firefly/address.js';
import type { Link } from '../../src/transport/link.js';
import { connectSignaling, type SignalingClient, type SignalingSocketClass } from '../../src/transport/signalingClient.js';
import type { Logger } from './log.js';
import type { DaemonSettings } from './options.js';
import { keepConnected, type Reconnector } from './reconnect.js';

/**
 * Keeps a `--connect` link up. With `expect` (a remembered inviter), only that node is accepted
 * at the address, and no dial is made while a link to it exists already (mDNS found it, say).
 */
export function dialLoop(mesh: Mesh, url: string, settings: DaemonSettings, log: Logger, expect?: NodeId): Reconnector {
  return keepConnected({
    ...settings.reconnect,
    ...(expect ? { wanted: () => !mesh.router.neighbours().some((neighbour) => neighbour.node === expect) } : {}),
    connect: async () => {
      const link: Link = await mesh.connect(url, expect ? { expect } : undefined);
      return { closed: new Promise((resolve) => link.onClose(resolve)), close: () => link.close('daemon stopping') };
    },
    onConnected: () => log.info({ event: 'connect.linked', url }, `linked to ${url}`),
    onFailure: (error, failures, retryIn) =>
      log[failures === 1 ? 'warn' : 'debug'](
        { event: 'connect.failed', url, failures, retryIn: Math.round(retryIn), error: String(error) },
        `cannot link to ${url} (${String(error)}); retrying`,
      ),
  });
}

/** Keeps this node registered with a signaling server, answering the offers it relays. */
export function signalingLoop(mesh: Mesh, url: string, settings: DaemonSettings, log: Logger): Reconnector {
  return keepConnected({
    ...settings.reconnect,
    connect: async () => {
      const client: SignalingClient = await connectSignaling({ url, identity: mesh.identity, WebSocket: WebSocket as unknown as SignalingSocketClass });
      mesh.useSignaling(client);
      return { closed: new Promise((resolve) => (client.onclose = resolve)), close: () => client.close() };
    },
    onConnected: () => log.info({ event: 'signaling.connected', url }, `registered with signaling server ${url}`),
    onFailure: (error, failures, retryIn) =>
      log[failures === 1 ? 'warn' : 'debug'](
        { event: 'signaling.failed', url, failures, retryIn: Math.round(retryIn), error: String(error) },
        `cannot reach signaling server ${url} (${String(error)}); retrying`,
      ),
  });
}
