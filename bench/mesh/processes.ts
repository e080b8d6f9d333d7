/**
 * The bench process as a mesh node that child OS processes (child.ts, driven through
 * childProcess.ts) link to — over WebSocket, or over WebRTC negotiated through the mesh — so
 * that killing a child (SIGKILL) is a node vanishing from a real link.
 */
import type { Mesh } from '../../src/actors/mesh.js';
import type { Link } from '../../src/transport/link.js';
import { webrtcTeardowns } from '../../src/transport/webrtcPeer.js';
import { loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import { listenWebSocket, type WebSocketListener } from '../../src/transport/websocketServer.js';
import { ChildNode } from './childProcess.js';
import { meshNode, until } from './fixtures.js';

/** The bench's own node: default settings, a WebSocket listener, werift for WebRTC. */
export interface BenchNode {
  mesh: Mesh;
  listener: WebSocketListener;
  /** Starts a child node and links it to this one over `transport`; resolves once routes work both ways. */
  child(transport: 'ws' | 'werift'): Promise<ChildNode>;
  close(): Promise<void>;
}

export async function benchNode(): Promise<BenchNode> {
  const mesh = meshNode(await loadWebRtcBackend('werift'));
  const wsLinks = new Map<string, Link>();
  const listener = await listenWebSocket({
    identity: mesh.identity,
    onLink: (link) => {
      wsLinks.set(link.remote, link);
      mesh.addLink(link);
    },
  });
  const children = new Set<ChildNode>();
  return {
    mesh,
    listener,
    async child(transport) {
      const child = await ChildNode.start();
      children.add(child);
      await child.request('connect', { url: listener.url, expect: mesh.id });
      await until(() => mesh.router.route(child.id) !== undefined, `a route to child ${child.id}`);
      if (transport === 'werift') {
        // Offer and answer travel through the mesh (the WebSocket link); then that link goes,
        // and the data channel is the only link between the two.
        await mesh.connectRtc(child.id);
        wsLinks.get(child.id)?.close('bench: WebRTC only');
        await until(() => {
          const neighbour = mesh.router.neighbours().find((info) => info.node === child.id);
          return neighbour?.kind === 'webrtc' && neighbour.links === 1 && mesh.router.route(child.id) !== undefined;
        }, `the WebRTC link to child ${child.id} alone`);
      }
      await child.until('reachable', { node: mesh.id }, (up: boolean) => up);
      return child;
    },
    async close() {
      await Promise.all([...children].map((child) => child.stop()));
      await listener.close();
      await mesh.close();
      await webrtcTeardowns();
    },
  };
}
