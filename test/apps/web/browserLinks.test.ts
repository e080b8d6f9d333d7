/**
 * The browser's links (native WebSocket and native RTCPeerConnection, running in Chromium)
 * pass the Link compliance suite against a Node peer: B is the tab's end (browserLink.ts), A a
 * Node link (node-datachannel, else werift, for WebRTC). The web app is built into a temp folder
 * and served from here, so this file runs beside webApp.test.ts. Run under netguard.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { serveWebApp } from '../../../apps/daemon/webApp.js';
import { startSignalingServer, type SignalingServer } from '../../../apps/signaling/server.js';
import { connectSignaling, type SignalingClient, type SignalingSocketClass } from '../../../src/transport/signalingClient.js';
import { createIdentity } from '../../../src/transport/identity.js';
import type { Link } from '../../../src/transport/link.js';
import { openLink } from '../../../src/transport/openLink.js';
import { loadWebRtcBackend } from '../../../src/transport/webrtcBackend.js';
import { webrtcTeardowns } from '../../../src/transport/webrtcPeer.js';
import { listenWebSocket } from '../../../src/transport/websocketServer.js';
import { allowOrigins } from '../../../src/transport/originCheck.js';
import { WebSocket } from 'ws';
import { linkCompliance } from '../../transport/compliance.js';
import { launchChromium } from './browser.js';
import { openBrowserLink, type BrowserDial } from './browserLink.js';
import { buildWebApp } from './webBuild.js';

let out: string;
let http: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'glow-web-build-'));
  await buildWebApp(60_000, out);
  http = createServer((request, response) => {
    void serveWebApp(new URL(request.url ?? '/', 'http://x').pathname, false, response, out).then((served) => {
      if (!served) response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => http?.close(resolve));
  await rm(out, { recursive: true, force: true });
  await webrtcTeardowns();
});

/** A fresh tab with the app loaded (the tab's own node is not used: it finds no daemon here). */
async function tab(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.waitForFunction(() => (globalThis as any).glowLab !== undefined, undefined, { timeout: 10_000 });
  return { context, page };
}

/**
 * Both pairs' heartbeat timeout. Under the 10 000-packet burst both ways, the proxy's DevTools
 * traffic (every packet base64'd through CDP) keeps the page's end silent for just over the
 * default second now and then (seen on both the WebRTC and the WebSocket pair in CI); that is
 * the harness's load, not the link's, so the pairs allow 3 s and their death checks wait accordingly.
 */
const HEARTBEAT_TIMEOUT = 3000;

linkCompliance(
  'browser WebSocket (Chromium) ↔ Node',
  async () => {
    const identity = createIdentity();
    let accepted!: (link: Link) => void;
    const aLink = new Promise<Link>((resolve) => (accepted = resolve));
    // The page's origin is let in, as a daemon lets in its own web app's.
    const listener = await listenWebSocket({ identity, heartbeatTimeout: HEARTBEAT_TIMEOUT, onLink: (link) => accepted(link), allowOrigin: allowOrigins([base]) });
    const { context, page } = await tab();
    const dial: BrowserDial = { transport: 'websocket', url: listener.url, peer: identity.id, heartbeatTimeout: HEARTBEAT_TIMEOUT };
    const b = await openBrowserLink(page, dial);
    const a = await aLink;
    return {
      a,
      b,
      ids: { a: identity.id, b: b.id },
      killB: () => context.close(),
      cleanup: async () => {
        a.close();
        await context.close();
        await listener.close();
      },
    };
  },
  { deathTimeout: HEARTBEAT_TIMEOUT + 1500 },
);


linkCompliance(
  'browser WebRTC (Chromium) ↔ Node',
  async () => {
    const identity = createIdentity();
    const signaling: SignalingServer = await startSignalingServer({ host: '127.0.0.1', port: 0, stunPort: 0, allowOrigin: allowOrigins([base]) });
    const backend = await loadWebRtcBackend(process.env.GLOW_TEST_BACKEND === 'werift' ? 'werift' : 'auto');
    const client: SignalingClient = await connectSignaling({ url: signaling.url, identity, WebSocket: WebSocket as unknown as SignalingSocketClass });
    const aLink = new Promise<Link>((resolve, reject) => {
      client.onoffer = (offer) =>
        offer
          .accept({ backend, loopbackOnly: true })
          .then((channel) => openLink(channel, identity, { expect: offer.from, heartbeatTimeout: HEARTBEAT_TIMEOUT }))
          .then(resolve, reject);
    });
    const { context, page } = await tab();
    const b = await openBrowserLink(page, { transport: 'webrtc', signaling: signaling.url, peer: identity.id, heartbeatTimeout: HEARTBEAT_TIMEOUT });
    const a = await aLink;
    return {
      a,
      b,
      ids: { a: identity.id, b: b.id },
      killB: () => context.close(),
      cleanup: async () => {
        a.close();
        await context.close();
        client.close();
        await signaling.close();
      },
    };
  },
  { deathTimeout: HEARTBEAT_TIMEOUT + 1500 },
);
