/**
 * Chromium on a host of the simulated internet: the browser tests' Chromium (test/apps/web/
 * browser.ts), started through a small script that enters the host's network namespace first.
 * Playwright drives it over a pipe, which crosses namespaces as any file descriptor does.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../../apps/web/browser.js';
import type { Host } from './internet.js';

/**
 * Launches Chromium inside `host`'s namespace, able to reach `reachable` (addresses), trusting the
 * TLS keys named by `spkiPins` (base64 SHA-256).
 */
export async function launchChromiumOn(host: Host, reachable: readonly string[], spkiPins: readonly string[] = []): Promise<Browser> {
  const dir = await mkdtemp(join(tmpdir(), 'glow-chromium-'));
  const script = join(dir, 'chromium');
  await writeFile(script, `#!/bin/sh\nexec nsenter -t ${host.ns.pid} -n ${CHROMIUM} "$@"\n`);
  await chmod(script, 0o755);
  try {
    const browser = await launchChromium([], { executablePath: script, reachable, args: spkiPins.length > 0 ? [`--ignore-certificate-errors-spki-list=${spkiPins.join(',')}`] : [] });
    browser.on('disconnected', () => void rm(dir, { recursive: true, force: true }));
    return browser;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
