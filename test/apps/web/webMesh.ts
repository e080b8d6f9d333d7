/**
 * What the web app's browser tests share: the app built once, Debian Chromium launched once per
 * file, and real daemons that every test ends (with their homes). Call `useWebMesh()` at the top
 * of a test file; it installs the hooks.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { DaemonProcess, removeHomes, stopAll } from '../daemon/helpers.js';
import { launchChromium } from './browser.js';
import { buildWebApp } from './webBuild.js';

/** Where the tests put their screenshots. */
export const ARTIFACTS = 'test-artifacts/web';

/** The fixture's handles. */
export interface WebMesh {
  /** The browser (launched in `beforeAll`). */
  browser(): Browser;
  /** A daemon with `args` (and `home`, else a fresh one), ended after the test. */
  start(args: string[], home?: string): Promise<DaemonProcess>;
  /**
   * Two daemons: `a` serves the page and runs signaling, `b` links to `a` and registers there;
   * resolves once `a` sees `b`. `aArgs` are added to `a`'s flags; `home` makes each one's home.
   */
  twoDaemons(options?: { aArgs?: string[]; home?: () => Promise<string> }): Promise<{ a: DaemonProcess; b: DaemonProcess }>;
  /**
   * A phone-sized page of `daemon`'s web app, logged in and connected (and, with `reaches`, routing to that
   * daemon: the views list what reachable nodes own), its console errors collected in `errors`.
   */
  openTab(daemon: DaemonProcess, errors: string[], options?: { reaches?: DaemonProcess; acceptDownloads?: boolean }): Promise<Page>;
}

/** What any one wait for the page may take. */
const PAGE_STEP = 10_000;

/** Installs the hooks (build, browser, daemon cleanup) and answers the fixture. */
export function useWebMesh(): WebMesh {
  let browser: Browser | undefined;
  const daemons: DaemonProcess[] = [];
  beforeAll(async () => {
    await Promise.all([buildWebApp(), mkdir(ARTIFACTS, { recursive: true })]);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await removeHomes();
  });
  afterEach(async () => {
    await stopAll(daemons.splice(0));
  });
  const start = async (args: string[], home?: string) => {
    const daemon = await DaemonProcess.start({ args, ...(home ? { home } : {}) });
    daemons.push(daemon);
    return daemon;
  };
  return {
    browser: () => browser!,
    start,
    async twoDaemons({ aArgs = [], home } = {}) {
      const a = await start(['--embedded-signaling', ...aArgs], await home?.());
      const b = await start(['--connect', a.info.link, '--signaling', a.info.signaling!], await home?.());
      await a.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === b.info.node));
      return { a, b };
    },
    async openTab(daemon, errors, { reaches, acceptDownloads = false } = {}) {
      const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, acceptDownloads });
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      // Logged in as `glow open` would: the one-time URL trades itself for a session cookie.
      await page.goto(await daemon.loginUrl());
      await page.locator('#state[data-state="connected"]').waitFor({ timeout: PAGE_STEP });
      // The Mesh view keeps its list while another view (Home, first) is shown.
      if (reaches) await page.locator(`#mesh-nodes li[data-node="${reaches.info.node}"]`).waitFor({ state: 'attached', timeout: PAGE_STEP });
      return page;
    },
  };
}
