/**
 * Renewing the certificates of this user's other devices while they are online: a daemon that
 * holds the user key (or is an admin device certified by the user key itself) signs a fresh
 * certificate for each reachable device of its user whose certificate is getting old, with the
 * same name, roles and lifetime, and hands it over with the trust endpoint's `renewed` cast. The
 * device checks it (its user, its node, an admin signer) and keeps it.
 */
import { TrustInterface } from '../../src/actors/trust/trustEndpoint.js';
import { TRUST_RESOURCE } from '../../src/actors/trust/trustPolicy.js';
import type { Mesh } from '../../src/actors/mesh.js';
import { encodeCertificate, issueCertificate, type DeviceCertificate } from '../../src/transport/certificate.js';
import type { Logger } from './log.js';
import type { LoadedDevice } from './userHome.js';
import { RENEW_BEFORE } from './userHome.js';

/** How often the devices' certificates are looked at. */
const CHECK_EVERY = 3600_000;

/** A renewed copy of `old`, signed by this device's user key or as this admin device; undefined when this device cannot sign one. */
export function renewal(device: LoadedDevice, mesh: Mesh, old: DeviceCertificate, now: number): DeviceCertificate | undefined {
  const fields = { user: old.user, node: old.node, name: old.name, roles: old.roles, issued: now, expires: now + (old.expires - old.issued) };
  if (device.userKey) return issueCertificate(fields, device.userKey);
  const own = device.trust.certificate;
  // An admin certified by the user key itself: a renewal chain never grows longer than two.
  if (!own.roles.includes('admin') || own.parent) return undefined;
  return issueCertificate(fields, mesh.identity, own);
}

/**
 * Renews every reachable device of this user whose certificate has less than {@link RENEW_BEFORE}
 * left; answers how many were sent.
 */
export function renewDevices(device: LoadedDevice, mesh: Mesh, log: Logger, now = Date.now()): number {
  let sent = 0;
  for (const known of device.trust.ownDevices()) {
    // A delegated node (a tab's) is not renewed: its device key signs the next delegation itself,
    // and the device certificate under it comes anew when the tab loads logged in or pairs again.
    if (known.node === mesh.id || known.key !== undefined || known.expires - now >= RENEW_BEFORE || !mesh.router.isReachable(known.node)) continue;
    const renewed = renewal(device, mesh, known.certificate, now);
    if (!renewed) return sent;
    mesh.node.ref({ node: known.node, local: TRUST_RESOURCE }, TrustInterface).cast('renewed', { certificate: encodeCertificate(renewed) });
    log.info({ event: 'device.renewed', node: known.node, name: known.name, expires: renewed.expires }, `renewed the certificate of ${known.name} (${known.node})`);
    sent++;
  }
  return sent;
}

/** Renews devices as they come online and once an hour; returns a function that stops. */
export function startRenewals(device: LoadedDevice, mesh: Mesh, log: Logger): () => void {
  let stopped = false;
  const check = () => {
    if (!stopped) renewDevices(device, mesh, log);
  };
  const stopListening = mesh.router.onReachability((event) => {
    // A device that just came back announces its certificate first: look once it was heard.
    if (event.reachable) setImmediate(check);
  });
  const offTrust = device.trust.onChange((event) => {
    if (event.type === 'device') check();
  });
  const timer = setInterval(check, CHECK_EVERY);
  timer.unref();
  return () => {
    stopped = true;
    stopListening();
    offTrust();
    clearInterval(timer);
  };
}
