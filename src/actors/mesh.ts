import type { NodeId } from '../firefly/address.js';
import { GlowError } from '../firefly/errors.js';
import { Router } from '../router/router.js';
import type { RouterOptions } from '../router/options.js';
import type { NodeIdentity } from '../transport/identity.js';
import type { Link } from '../transport/link.js';
import { openLink, type OpenLinkOptions } from '../transport/openLink.js';
import { connectWebSocket, type WebSocketLike } from '../transport/websocket.js';
import { acceptWebRtc, dialWebRtc, type NegotiationOptions } from '../transport/webrtcNegotiation.js';
import type { SignalPort } from '../transport/webrtcSignal.js';
import type { SignalingClient } from '../transport/signalingClient.js';
import type { Channel } from '../transport/channel.js';
import { CloseReason, Refusal } from '../transport/closeReasons.js';
import { relayPolicy, type TransitMode } from './trust/relayPolicy.js';
import { trustLinkPolicy } from './trust/trustPolicy.js';
import { isStunUrl, MAX_ICE_SERVERS, MeshSignals, RTC_RESOURCE, RtcInterface } from './meshSignals.js';
import { Node, type NodeOptions } from './node.js';

/** Longest wait of a negotiation for its ICE server source (see {@link Mesh.useIceServerSource}), ms. */
const ICE_SOURCE_WAIT = 1000;

/** Options of a {@link Mesh}. */
export interface MeshOptions extends Omit<NodeOptions, 'id'> {
  /** The node's key pair; its id is the node id. */
  identity: NodeIdentity;
  /**
   * Router settings (update interval, grace, transit, …); the clock defaults to the node's, and
   * with a user, the relay policy to {@link relayPolicy}'s for `transit`.
   */
  router?: Partial<RouterOptions>;
  /**
   * With a user: whose traffic this node relays — its user's devices' only (`own`), or its
   * friends' devices' too (`friends`). Without a user every transit packet is carried.
   * @default 'own'
   */
  transit?: TransitMode;
  /** Link settings: the allow policy, heartbeats, the log hook; the clock defaults to the node's. */
  link?: OpenLinkOptions;
  /** Mesh events beyond the links' own (a WebRTC negotiation that failed). */
  log?: (event: { event: 'rtc.failed'; peer: NodeId; reason: string }) => void;
  /**
   * Makes a WebSocket for `connect(url)`: the platform's own in browsers, `ws` in Node.js
   * (`createNodeWebSocket` from the Node-only transport files).
   */
  webSocket?: (url: string) => WebSocketLike;
  /** WebRTC: the backend (werift, node-datachannel, the browser's) and peer options. */
  webrtc?: NegotiationOptions;
}

/**
 * A node in the mesh: the actor system ({@link Node}), its {@link Router}, and the links that
 * join it to its neighbours. Links come from anywhere (a WebSocket listener, `connect`, a
 * WebRTC negotiation through a signaling server or through the mesh itself); every one is
 * authenticated by the link handshake before it carries a packet.
 */
export class Mesh {
  readonly node: Node;
  readonly router: Router;
  readonly identity: NodeIdentity;
  private readonly signals: MeshSignals;
  private readonly links = new Set<Link>();
  private readonly pending = new Set<SignalPort>();
  private offered: readonly string[] = [];
  private learned: readonly string[] = [];
  private iceServerSource: (() => Promise<void>) | undefined;
  private closed = false;

  constructor(private readonly options: MeshOptions) {
    this.identity = options.identity;
    this.node = new Node({ ...options, id: options.identity.id });
    const trust = this.node.trust;
    this.router = new Router(this.node, { clock: this.node.clock, identity: options.identity, ...(trust ? { relay: relayPolicy(trust, options.transit) } : {}), ...options.router });
    this.node.attachPort(this.router);
    this.router.onReachability((event) => {
      if (event.reachable) this.node.nodeReachable(event.node);
    });
    const node = this.node;
    const signals = (this.signals = new MeshSignals(
      (peer, session, signal) => node.ref({ node: peer, local: RTC_RESOURCE }, RtcInterface).cast('signal', { session, signal }),
      (peer, port, offer) => this.answer(peer, port, offer),
    ));
    node.spawnWellKnown(RTC_RESOURCE, {
      iface: RtcInterface,
      handlers: {
        signal: ({ session, signal }, _ctx, caller) => (caller ? signals.receive(caller.node, session, signal) : undefined),
        iceServers: () => [...this.offered],
      },
    });
    // A device its user removed is cut off at once, wherever it is linked to us.
    node.trust?.onChange((event) => {
      // A node that joined another user drops every link: each was accepted as the old user's.
      if (event.type === 'user') for (const link of [...this.links]) link.close(`${CloseReason.denied}: this node joined another user`);
      if (event.type === 'removed') {
        // A tab's links run as a node its removed device key delegated to: cut those too.
        for (const link of [...this.links]) if (link.remote === event.removal.node || link.device?.key === event.removal.node) link.close(`${CloseReason.denied}: device removed by its user`);
      } else if (event.type === 'friends') {
        // A friend no more: their devices' links end now, not at their next dial.
        const trust = node.trust!;
        for (const link of [...this.links]) if (trust.relationOf(link.device) === 'stranger') link.close(`${CloseReason.denied}: ${Refusal.notAllowed}`);
      }
    });
  }

  /** The node's id. */
  get id(): NodeId {
    return this.node.id;
  }

  /**
   * Adds an authenticated link to a neighbour. A node with a user takes only links to its user's
   * devices and its friends' (whatever opened the link), and remembers the peer's certificate.
   */
  addLink(link: Link): void {
    if (this.closed) return link.close('node shut down');
    const trust = this.node.trust;
    if (trust) {
      if (!trustLinkPolicy(trust)(link.remote, link.device)) return link.close(`${CloseReason.denied}: ${Refusal.notAllowed}`);
      if (link.certificate) trust.learn(link.certificate);
    }
    this.links.add(link);
    link.onClose(() => this.links.delete(link));
    this.router.addLink(link);
  }

  /** Dials a WebSocket listener (another daemon) and adds the link. */
  async connect(url: string, options: { expect?: NodeId } = {}): Promise<Link> {
    if (!this.options.webSocket) throw new GlowError('unsupported', 'this mesh has no WebSocket factory');
    const link = await connectWebSocket(url, this.identity, { ...this.linkOptions(), ...options, createSocket: this.options.webSocket });
    this.addLink(link);
    return link;
  }

  /**
   * Opens a direct WebRTC link to `peer`, with the offer and answer travelling through the
   * mesh (so it needs a route to `peer`, no signaling server).
   */
  async connectRtc(peer: NodeId, options: { timeout?: number } = {}): Promise<Link> {
    return this.negotiate(peer, this.signals.dial(peer), undefined, options.timeout);
  }

  /**
   * Uses a signaling server: offers other nodes make through it are answered (they become
   * links once the handshake proves the offerer is who the server said).
   */
  useSignaling(client: SignalingClient): void {
    client.onoffer = (offer) => {
      const webrtc = this.options.webrtc;
      if (!webrtc || this.closed) return offer.reject('no WebRTC here');
      offer
        .accept(webrtc)
        .then((channel) => this.linkChannel(channel, offer.from))
        .catch((error: unknown) => this.options.log?.({ event: 'rtc.failed', peer: offer.from, reason: (error as Error).message }));
    };
  }

  /** Opens a direct WebRTC link to `peer` through a signaling server. */
  async connectRtcVia(client: SignalingClient, peer: NodeId): Promise<Link> {
    const webrtc = this.options.webrtc;
    if (!webrtc) throw new GlowError('unsupported', 'this mesh has no WebRTC backend');
    return this.linkChannel(await client.dial(peer, webrtc), peer);
  }

  /**
   * This machine's network changed (an address came or went): every link must prove its peer is
   * still there within a few of its round trips (at least `within` ms), and those whose path is
   * gone close at once rather than at their heartbeat's timeout.
   */
  probeLinks(within = 300): void {
    for (const link of this.links) link.probe?.(Math.max(within, 3 * (link.rtt ?? 0)));
  }

  /** The STUN servers this node runs for others (a public node's), told to whoever asks its `rtc` resource. */
  offerIceServers(urls: readonly string[]): void {
    this.offered = urls.filter(isStunUrl).slice(0, MAX_ICE_SERVERS);
  }

  /**
   * STUN servers learned from other nodes, used by the WebRTC negotiations this node makes or
   * answers through the mesh after the configured ones. Only `stun:` URLs are kept, at most
   * {@link MAX_ICE_SERVERS}.
   */
  learnIceServers(urls: readonly string[]): void {
    // What another node answered is not trusted to be strings at all.
    this.learned = [...new Set(urls)].filter((url) => typeof url === 'string' && isStunUrl(url)).slice(0, MAX_ICE_SERVERS);
  }

  /**
   * Something that learns ICE servers (`learnIceServers`) and that each negotiation through the
   * mesh waits for, at most {@link ICE_SOURCE_WAIT} ms, before it gathers candidates: so that
   * the answering side of a punch has its STUN candidates too. Undefined: none.
   */
  useIceServerSource(source: (() => Promise<void>) | undefined): void {
    this.iceServerSource = source;
  }

  /** The ICE servers negotiations through the mesh use: the configured ones, then the learned. */
  iceServers(): string[] {
    return [...new Set([...(this.options.webrtc?.iceServers ?? []), ...this.learned])];
  }

  /** Authenticates a raw channel (`expect`: who it should lead to) and adds it as a link. */
  async linkChannel(channel: Channel, expect?: NodeId): Promise<Link> {
    const link = await openLink(channel, this.identity, { ...this.linkOptions(), expect });
    this.addLink(link);
    return link;
  }

  /**
   * The settings links of this mesh open with (for a listener too): the node's clock unless they
   * name their own, and with a user, our certificate and a policy admitting only our user's and
   * our friends' devices (and the embedder's `allow` besides).
   */
  linkOptions(): OpenLinkOptions {
    const base: OpenLinkOptions = { clock: this.node.clock, ...this.options.link };
    const trust = this.node.trust;
    if (!trust) return base;
    const ours = trustLinkPolicy(trust);
    const theirs = this.options.link?.allow;
    return {
      ...base,
      certificate: () => trust.certificate,
      allow: theirs ? async (id, device) => ours(id, device) && (await theirs(id, device)) : ours,
    };
  }

  private async negotiate(peer: NodeId, port: SignalPort, offerSdp: string | undefined, timeout?: number): Promise<Link> {
    const configured = this.options.webrtc;
    if (configured && this.iceServerSource) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.iceServerSource().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ICE_SOURCE_WAIT)))]);
      clearTimeout(timer);
    }
    const iceServers = this.iceServers();
    const webrtc = configured && { ...configured, ...(iceServers.length > 0 ? { iceServers } : {}), ...(timeout !== undefined ? { timeout } : {}) };
    if (!webrtc) {
      port.send({ type: 'end', reason: 'no WebRTC here' });
      port.close();
      throw new GlowError('unsupported', 'this mesh has no WebRTC backend');
    }
    this.pending.add(port);
    try {
      const channel = offerSdp === undefined ? await dialWebRtc(port, webrtc) : await acceptWebRtc(port, offerSdp, webrtc);
      return await this.linkChannel(channel, peer);
    } finally {
      this.pending.delete(port);
      port.close();
    }
  }

  private answer(peer: NodeId, port: SignalPort, offerSdp: string): void {
    this.negotiate(peer, port, offerSdp).catch((error: unknown) => {
      this.options.log?.({ event: 'rtc.failed', peer, reason: (error as Error).message });
    });
  }

  /**
   * Ends the node's processes in supervision order (each top-level process gets `timeout` ms,
   * see `Node.shutdown`), then closes every link with `reason`, which the neighbours see.
   */
  async close(options: { reason?: string; timeout?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.node.shutdown({ timeout: options.timeout });
    for (const port of this.pending) port.close();
    for (const link of [...this.links]) link.close(options.reason ?? 'node shut down');
    this.router.close();
  }
}
