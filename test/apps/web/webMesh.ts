/**
 * What the web app's browser tests share: the app built once, Debian Chromium launched once per
 * file, and real daemons that every test ends (with their homes). Call `useWebMesh()` at the top
 * of a test file; it installs the hooks.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
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
}

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
  };
}
