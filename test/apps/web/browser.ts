/**
 * Debian's Chromium, driven by playwright-core, with the flags webrtc-loopback.md measured as
 * keeping every packet on loopback: WebRTC host candidates with real addresses instead of mDNS
 * names, no DNS for anything but localhost, no IPv6 candidate.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian installs it (`apt-get install -y chromium`); `.ci/run` installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium';

/** Features Playwright 1.65 disables itself, used when its list cannot be read from its bundle. */
const PLAYWRIGHT_DISABLED_FALLBACK = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin', 'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
];

/**
 * Playwright passes its own `--disable-features=…`, and a second such flag replaces the first:
 * ours repeats Playwright's list (read from the installed version) and adds ours, so both hold.
 */
function playwrightDisabledFeatures(): string[] {
  try {
    const require = createRequire(import.meta.url);
    const bundle = readFileSync(join(dirname(require.resolve('playwright-core/package.json')), 'lib', 'coreBundle.js'), 'utf8');
    const list = /disabledFeatures = \[([\s\S]*?)\]\.filter/.exec(bundle)?.[1];
    const names = list ? [...list.matchAll(/^\s*"([A-Za-z0-9]+)"/gm)].map((match) => match[1]!) : [];
    return names.length > 5 ? names : PLAYWRIGHT_DISABLED_FALLBACK;
  } catch {
    return PLAYWRIGHT_DISABLED_FALLBACK;
  }
}

/** More of {@link launchChromium}. */
export interface LaunchOptions {
  /** What to run instead of Chromium itself (a script that runs it in a network namespace). */
  executablePath?: string;
  /** Flags after ours. */
  args?: readonly string[];
  /** Addresses besides loopback the browser may reach (the resolver rules cover IP literals too). */
  reachable?: readonly string[];
}

/**
 * Launches headless Chromium with the loopback flags. `loopbackNames` resolve to 127.0.0.1 (and
 * nothing else resolves): a page opened by such a name is, to the daemon, a page of another
 * machine (its Host is not loopback), while its packets still stay on loopback.
 */
export async function launchChromium(loopbackNames: readonly string[] = [], options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: options.executablePath ?? CHROMIUM,
    headless: true,
    timeout: 15_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-features=${[...playwrightDisabledFeatures(), 'WebRtcHideLocalIpsWithMdns'].join(',')}`,
      `--host-resolver-rules=${[...loopbackNames.map((name) => `MAP ${name} 127.0.0.1`), 'MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1', ...(options.reachable ?? []).map((host) => `EXCLUDE ${host}`)].join(' , ')}`,
      '--force-fieldtrials=WebRTC-IPv6Default/Disabled/',
      ...(options.args ?? []),
    ],
  });
}
