/**
 * Who the tab is. Where WebCrypto has Ed25519, the tab is a device by its non-extractable device
 * key (deviceKey.ts), which pairing certifies, and each page load runs as a fresh node whose key
 * lives in this page's memory only (the link handshake signs synchronously and sessions derive
 * their X25519 key from it, which a CryptoKey cannot serve): the device key signs that node a
 * delegation of a day at most (certificate.ts), renewed while the page stays open. A script of
 * the daemon's origin can then use the device while a page is open, never carry its key away,
 * and a node key it reads from memory is worth a day. Elsewhere (no secure context, or no
 * Ed25519 in WebCrypto) the tab keeps today's fallback: one node whose raw key is stored in
 * IndexedDB, readable by any script of the origin — which the header says.
 */
import type { NodeId } from '../../../src/firefly/address.js';
import { errorMessage } from '../../../src/firefly/errors.js';
import { delegationToSign, delegationWith, MAX_DELEGATION, type DeviceCertificate } from '../../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../../src/transport/identity.js';
import type { Trust } from '../../../src/actors/trust/trust.js';
import { forgetDeviceKey, loadDeviceKey, type DeviceKey } from './deviceKey.js';
import { forgetCertificate, forgetStoredIdentity, loadStoredIdentity } from './identityStore.js';

/** The tab's identity for this page load. */
export interface TabIdentity {
  /** The node this page runs as. */
  readonly node: NodeIdentity;
  /** What pairing certifies: the device key's id, or, in the fallback, the node's own. */
  readonly device: NodeId;
  /** Why the node key is stored readable (the fallback), or undefined when a device key guards it. */
  readonly fallback: string | undefined;
  /** The certificate the node presents, made from the device's: a fresh delegation, or the same certificate in the fallback. */
  present(device: DeviceCertificate): Promise<DeviceCertificate>;
}

/** Loads (or makes) the tab's device key and this page's node; the fallback where the browser has no WebCrypto Ed25519. */
export async function loadTabIdentity(): Promise<TabIdentity> {
  const key = await loadDeviceKey();
  if ('code' in key) {
    const node = await loadStoredIdentity();
    return { node, device: node.id, fallback: key.reason, present: (device) => Promise.resolve(device) };
  }
  // A raw node key stored before this browser had a device key is exactly what must not stay readable.
  await forgetStoredIdentity();
  const node = createIdentity();
  return { node, device: key.id, fallback: undefined, present: (device) => delegate(key, device, node.id) };
}

async function delegate(key: DeviceKey, device: DeviceCertificate, node: NodeId): Promise<DeviceCertificate> {
  const { unsigned, bytes } = delegationToSign(device, node, Date.now());
  return delegationWith(unsigned, await key.sign(bytes));
}

/**
 * Keeps a long-open page's delegation fresh: every half {@link MAX_DELEGATION} the device key
 * signs a new one, which `trust` takes (and announces). Nothing to do in the fallback. Answers a
 * function that stops it. A device certificate that expired makes no delegation: the daemon
 * refuses the next link, as it refuses any expired device.
 */
export function keepDelegated(tab: TabIdentity, device: DeviceCertificate, trust: Trust): () => void {
  if (tab.fallback !== undefined) return () => undefined;
  const timer = setInterval(() => {
    tab
      .present(device)
      .then((certificate) => trust.renew(certificate))
      .catch((error: unknown) => console.warn(`this tab's delegation was not renewed: ${errorMessage(error)}`));
  }, MAX_DELEGATION / 2);
  return () => clearInterval(timer);
}

/** Deletes the device key (or the stored node key) and its certificate: the next load is a new device. */
export async function forgetTabIdentity(): Promise<void> {
  await forgetCertificate();
  await forgetStoredIdentity();
  await forgetDeviceKey();
}
