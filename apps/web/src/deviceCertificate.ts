/**
 * The tab as a device of the daemon's user: the daemon that served the page signs a member
 * certificate for the tab's node (`POST /api/device`), which the tab presents in every link
 * handshake. Asked at every load, so a tab never holds an old one.
 */
import { fromBase64url } from '../../../src/transport/base64url.js';
import { decodeCertificate, type DeviceCertificate } from '../../../src/transport/certificate.js';
import type { NodeId } from '../../../src/firefly/address.js';

/** The device name of this tab: its browser and operating system, as the user agent says. */
export function deviceName(userAgent = navigator.userAgent): string {
  const browser = /(Edg|OPR|Firefox|Chrome|Chromium|Safari)\/[\d.]+/.exec(userAgent)?.[1]?.replace('Edg', 'Edge').replace('OPR', 'Opera') ?? 'browser';
  const os = /Android|iPhone|iPad|Windows|Mac OS X|CrOS|Linux/.exec(userAgent)?.[0]?.replace('Mac OS X', 'macOS').replace('CrOS', 'ChromeOS') ?? 'unknown OS';
  return `${browser} on ${os}`;
}

/** Why the daemon would not certify this tab (the browser has no login session of the daemon). */
export class NotAllowed extends Error {}

/**
 * Asks the daemon that served the page for this tab's certificate; {@link NotAllowed} when the
 * gateway refuses this tab (the Join screen is then the way in).
 */
export async function requestCertificate(node: NodeId, name: string): Promise<DeviceCertificate> {
  const response = await fetch('/api/device', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ node, name }),
    cache: 'no-store',
  });
  const body = (await response.json().catch(() => ({}))) as { certificate?: unknown; message?: unknown };
  if (response.status === 401 || response.status === 403) throw new NotAllowed(typeof body.message === 'string' ? body.message : `refused with ${response.status}`);
  if (!response.ok || typeof body.certificate !== 'string') {
    throw new Error(`the daemon did not make this tab a device (${response.status}${typeof body.message === 'string' ? `: ${body.message}` : ''})`);
  }
  const bytes = fromBase64url(body.certificate);
  if (!bytes) throw new Error('the daemon sent a certificate that is not base64url');
  return decodeCertificate(bytes);
}
