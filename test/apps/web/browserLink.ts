/**
 * A browser tab's end of a link, seen from Node as a {@link Link}: the link itself runs in
 * Chromium (the web app's bundle, `window.glowLab`), and this proxy forwards `send`/`close` into
 * the page and the page's packets, closes and RTT back out, in order. It lets the compliance
 * suite, which runs in jest, check the browser's transports (native WebSocket, native
 * RTCPeerConnection) against a Node peer.
 */
import type { Page } from 'playwright-core';
import type { NodeId } from '../../../src/firefly/address.js';
import type { Link, LinkClose, LinkKind } from '../../../src/transport/link.js';

type Event = { type: 'packets'; data: string[] } | { type: 'close'; reason: string; by: LinkClose['by'] } | { type: 'rtt'; rtt: number | null };

/** How the page opens its end. */
export type BrowserDial =
  | { transport: 'webrtc'; signaling: string; peer: NodeId; heartbeatTimeout?: number }
  | { transport: 'websocket'; url: string; peer: NodeId; heartbeatTimeout?: number };

/** The proxy; `id` is the browser end's node id. */
export interface BrowserLink extends Link {
  readonly id: NodeId;
}

/** Opens the browser end in `page` (the web app, loaded) and answers its proxy once the link is up. */
export async function openBrowserLink(page: Page, dial: BrowserDial): Promise<BrowserLink> {
  const packets: ((packet: Uint8Array) => void)[] = [];
  const closes: ((close: LinkClose) => void)[] = [];
  const state = { rtt: undefined as number | undefined, closed: false };
  await page.exposeFunction('glowLabEvent', (event: Event) => {
    if (event.type === 'packets') {
      for (const data of event.data) for (const listener of packets) listener(new Uint8Array(Buffer.from(data, 'base64')));
    }
    else if (event.type === 'rtt') state.rtt = event.rtt ?? undefined;
    else if (!state.closed) {
      state.closed = true;
      for (const listener of closes) listener({ reason: event.reason, by: event.by });
    }
  });
  const id = await page.evaluate(async (options: BrowserDial) => {
    const g = globalThis as any;
    const lab = g.glowLab;
    const identity = lab.createIdentity();
    let link: any;
    if (options.transport === 'webrtc') {
      const client = await lab.connectSignaling({ url: options.signaling, identity, WebSocket: g.WebSocket });
      const channel = await client.dial(options.peer, { backend: lab.browserBackend, loopbackOnly: true });
      link = await lab.openLink(channel, identity, { expect: options.peer, heartbeatTimeout: options.heartbeatTimeout });
      client.close();
    } else {
      link = await lab.connectWebSocket(options.url, identity, {
        expect: options.peer,
        heartbeatTimeout: options.heartbeatTimeout,
        createSocket: (url: string) => new g.WebSocket(url),
      });
    }
    const toBase64 = (bytes: Uint8Array) => {
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    };
    g.labLink = link;
    g.labFromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    // Packets cross to Node in batches, one per turn: one CDP round trip per packet is far slower than the link.
    // A batch is capped (~256 KiB of text): one binding call of megabytes stalls CDP for seconds.
    let batch: string[] = [];
    let batchBytes = 0;
    const ship = () => {
      if (batch.length === 0) return;
      const data = batch;
      batch = [];
      batchBytes = 0;
      g.glowLabEvent({ type: 'packets', data });
    };
    link.onPacket((packet: Uint8Array) => {
      if (batch.length === 0) setTimeout(ship, 0);
      const text = toBase64(packet);
      batch.push(text);
      batchBytes += text.length;
      if (batchBytes > 256 * 1024) ship();
    });
    const timer = setInterval(() => g.glowLabEvent({ type: 'rtt', rtt: link.rtt ?? null }), 50);
    link.onClose((close: { reason: string; by: string }) => {
      clearInterval(timer);
      // After the packets that arrived before the close.
      setTimeout(() => g.glowLabEvent({ type: 'close', reason: close.reason, by: close.by }), 0);
    });
    return identity.id as string;
  }, dial);
  const ignore = () => undefined;
  // Sends cross into the page in batches too, one evaluate per turn, in order.
  const outgoing: string[] = [];
  const flush = () => {
    // At most ~256 KiB of text per evaluate, for the same reason as in the page.
    let bytes = 0;
    let count = 0;
    while (count < outgoing.length && bytes < 256 * 1024) bytes += outgoing[count++]!.length;
    const data = outgoing.splice(0, count);
    if (outgoing.length > 0) setImmediate(flush);
    void page.evaluate((items) => { for (const item of items) (globalThis as any).labLink.send((globalThis as any).labFromBase64(item)); }, data).catch(ignore);
  };
  return {
    id,
    kind: dial.transport as LinkKind,
    remote: dial.peer,
    get rtt() {
      return state.rtt;
    },
    bufferedAmount: 0,
    get closed() {
      return state.closed;
    },
    // Playwright runs evaluates in the page in the order they were made, so batches keep order.
    send(packet) {
      if (state.closed) return;
      if (outgoing.length === 0) setImmediate(flush);
      outgoing.push(Buffer.from(packet).toString('base64'));
    },
    close(reason) {
      while (outgoing.length > 0) flush();
      void page.evaluate((why) => (globalThis as any).labLink.close(why), reason).catch(ignore);
    },
    onPacket: (listener) => void packets.push(listener),
    onDrain: ignore,
    onClose: (listener) => void closes.push(listener),
  };
}
