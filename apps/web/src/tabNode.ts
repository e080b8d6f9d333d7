/**
 * The tab as a Glow node: its Mesh (transit off: a tab should not carry other nodes' traffic),
 * a WebSocket link to the daemon that served the page and a registration at that daemon's
 * signaling server, each kept up by the daemon's own reconnect loop (capped backoff with
 * jitter). The daemon's link address comes from `GET /api/info`, asked again whenever the last
 * one it gave is refused, because a restarted daemon listens for links on a new port.
 */
import { keepDirectPaths } from '../../../src/actors/directPaths.js';
import { Mesh } from '../../../src/actors/mesh.js';
import type { NodeId } from '../../../src/firefly/address.js';
import type { ProcessKind } from '../../../src/actors/process.js';
import { isGlowError } from '../../../src/firefly/errors.js';
import { CloseReason } from '../../../src/transport/closeReasons.js';
import { Trust } from '../../../src/actors/trust/trust.js';
import type { DeviceCertificate } from '../../../src/transport/certificate.js';
import type { NodeIdentity } from '../../../src/transport/identity.js';
import type { WebSocketLike } from '../../../src/transport/websocket.js';
import { connectSignaling, type SignalingClient, type SignalingSocketClass } from '../../../src/transport/signalingClient.js';
import { keepConnected, type Reconnector } from '../../daemon/reconnect.js';
import { browserBackend } from './browserRtc.js';
import { tabKinds } from './tabKinds.js';
import { channelKind } from '../../../src/resources/channel/channelKind.js';
import { deviceName } from './deviceCertificate.js';
import { tabSyncKind, tabSyncServiceKind } from './sync/tabSync.js';

/** What `GET /api/info` answers. */
export interface DaemonInfo {
  node: NodeId;
  link: string;
  signaling?: string;
}

/** What the status line shows. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

/** A running tab node. */
export interface TabNode {
  readonly mesh: Mesh;
  readonly state: ConnectionState;
  /** The daemon that served the page, once known. */
  readonly daemon: NodeId | undefined;
  /** The signaling client while registered. */
  readonly signaling: SignalingClient | undefined;
  onstate: ((state: ConnectionState) => void) | undefined;
  /** The daemon refused this tab's link (`denied`: its certificate expired, or the device was removed). */
  onrefused: ((reason: string) => void) | undefined;
  /** Opens a direct WebRTC link through the daemon's signaling server. */
  connectRtc(peer: NodeId): Promise<void>;
  stop(): Promise<void>;
}

async function fetchInfo(): Promise<DaemonInfo> {
  const response = await fetch('/api/info', { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /api/info answered ${response.status}`);
  return (await response.json()) as DaemonInfo;
}

/** Starts the tab's node with `identity`, a device of its user by `certificate`. */
export function startTabNode(identity: NodeIdentity, certificate: DeviceCertificate): TabNode {
  // Served from this machine: keep WebRTC on loopback, as the daemon does (nothing leaves it).
  const loopbackOnly = ['127.0.0.1', 'localhost', '[::1]'].includes(location.hostname);
  const mesh = new Mesh({
    identity,
    trust: new Trust({ certificate }),
    router: { transit: false },
    // The DOM types send() with ArrayBuffer-backed views only; the link sends plain Uint8Arrays, which browsers accept.
    webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    webrtc: { backend: browserBackend, loopbackOnly },
  });
  for (const kind of tabKinds) mesh.node.registerKind(kind);
  // A tab of a phone on the road punches direct links to its user's devices as daemons do, with
  // the STUN servers of the mesh's public nodes; a tab of this machine has its daemon next door.
  const trust = mesh.node.trust!;
  const directPaths = loopbackOnly
    ? undefined
    : keepDirectPaths(mesh, {
        wanted: (node) => trust.deviceOf(node)?.user === trust.user,
        // The tab dials daemons (see the daemon's side); between two tabs, the smaller id.
        dials: (node) => trust.deviceOf(node)?.key === undefined || mesh.id < node,
      });
  if (directPaths) trust.onChange((event) => (event.type === 'device' ? directPaths.lookAgain() : undefined));
  // Synced folders kept in the tab (OPFS), with their events channels, and the service that
  // brings them back at every load.
  for (const kind of [channelKind, tabSyncKind(deviceName()), tabSyncServiceKind]) mesh.node.registerKind(kind as ProcessKind);
  void mesh.node.spawn('tab.syncd', {}).catch((error: unknown) => console.warn('the tab keeps no synced folders:', error));
  const loops: Reconnector[] = [];
  /** The daemon's answer to `/api/info` that last led to a link. */
  let known: DaemonInfo | undefined;
  // A network that changed under the tab (a phone walking onto a WiFi): as the daemon does, links
  // prove themselves now, the daemon is redialled now, direct paths are tried again. Chromium
  // says so with `online` after a loss and with the Network Information API's `change`.
  const networkChanged = () => {
    // Chromium's ICE moves a live WebRTC link to the new network by itself in about a second:
    // a probe as short as a daemon's (300 ms) closed links it would have kept.
    mesh.probeLinks(1500);
    for (const loop of loops) loop.kick();
    directPaths?.networkChanged();
  };
  const connection = (navigator as { connection?: EventTarget }).connection;
  let stopping = false;
  addEventListener('online', networkChanged);
  connection?.addEventListener('change', networkChanged);
  const tab: TabNode & { state: ConnectionState; daemon: NodeId | undefined; signaling: SignalingClient | undefined } = {
    mesh,
    state: 'connecting',
    daemon: undefined,
    signaling: undefined,
    onstate: undefined,
    onrefused: undefined,
    async connectRtc(peer) {
      if (!tab.signaling) throw new Error('not registered with a signaling server');
      await mesh.connectRtcVia(tab.signaling, peer);
    },
    async stop() {
      stopping = true;
      removeEventListener('online', networkChanged);
      connection?.removeEventListener('change', networkChanged);
      for (const loop of loops) loop.stop();
      directPaths?.stop();
      await mesh.close({ reason: 'tab closed' });
    },
  };
  const setState = (state: ConnectionState) => {
    tab.state = state;
    tab.onstate?.(state);
  };
  loops.push(
    keepConnected({
      initial: 250,
      max: 5000,
      connect: async () => {
        // A redial after a network change goes straight to the address that worked (a round
        // trip of HTTPS saved); a daemon restarted on another port refuses it, and is asked again.
        const dial = async (info: DaemonInfo) => {
          tab.daemon = info.node;
          return mesh.connect(info.link, { expect: info.node });
        };
        const link = (known ? await dial(known).catch(() => undefined) : undefined) ?? (await dial((known = await fetchInfo())));
        setState('connected');
        return {
          closed: new Promise((resolve) =>
            link.onClose((reason) => {
              setState('reconnecting');
              // Chromium closes its sockets when the machine's network changes, and a tab learns
              // of that no other way (\`online\` fires only after a loss): the other links prove
              // themselves too, so a direct link left behind on the old network goes at once.
              if (!stopping) networkChanged();
              if (reason.reason.startsWith(`${CloseReason.denied}:`)) tab.onrefused?.(reason.reason);
              resolve(reason);
            }),
          ),
          close: () => link.close('tab closed'),
        };
      },
      onFailure: (error) => {
        setState(tab.state === 'connecting' ? 'connecting' : 'reconnecting');
        if (isGlowError(error) && error.code === 'denied') tab.onrefused?.(error.message);
      },
    }),
    keepConnected({
      initial: 250,
      max: 5000,
      connect: async () => {
        const info = await fetchInfo();
        if (!info.signaling) throw new Error('the daemon runs no signaling server');
        const client = await connectSignaling({ url: info.signaling, identity, WebSocket: WebSocket as unknown as SignalingSocketClass });
        mesh.useSignaling(client);
        tab.signaling = client;
        return {
          closed: new Promise((resolve) => {
            client.onclose = (reason) => {
              if (tab.signaling === client) tab.signaling = undefined;
              resolve(reason);
            };
          }),
          close: () => client.close(),
        };
      },
    }),
  );
  return tab;
}
