/**
 * The tab's device key: a WebCrypto Ed25519 key pair made non-extractable, kept in IndexedDB (a
 * CryptoKey is structured-cloneable and stays non-extractable there), so a script of the
 * daemon's origin can ask it to sign while a page is open but can never read it out. Pairing
 * certifies this key; each page load runs as a fresh node it delegates to (tabIdentity.ts).
 */
import type { NodeId } from '../../../src/firefly/address.js';
import { toBase64url } from '../../../src/transport/base64url.js';
import { deleteEntry, readEntry, writeEntry } from './idb.js';

const KEY = 'deviceKey';
const ED25519 = { name: 'Ed25519' } as const;

/** The device key: its id (base64url of its public key, like a node id) and a signer that never exposes it. */
export interface DeviceKey {
  readonly id: NodeId;
  /** Ed25519 signature (64 bytes) of `message` by the device key. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Why this browser cannot hold a device key (the tab then keeps a raw node key: tabIdentity.ts). */
export interface NoDeviceKey {
  readonly code: 'unsupported';
  readonly reason: string;
}

/** The stored device key, or a new one (stored before it is returned); {@link NoDeviceKey} when WebCrypto has no Ed25519 here. */
export async function loadDeviceKey(): Promise<DeviceKey | NoDeviceKey> {
  // An http:// page of a LAN address is not a secure context: it has no crypto.subtle at all.
  if (!globalThis.isSecureContext || !globalThis.crypto?.subtle) return { code: 'unsupported', reason: 'not a secure context (no WebCrypto)' };
  const stored = await readEntry(KEY);
  if (isKeyPair(stored)) return deviceKey(stored);
  let pair: CryptoKeyPair;
  try {
    pair = await crypto.subtle.generateKey(ED25519, false, ['sign', 'verify']);
  } catch (error) {
    return { code: 'unsupported', reason: `WebCrypto has no Ed25519 here (${String(error)})` };
  }
  await writeEntry(KEY, pair);
  return deviceKey(pair);
}

/** Deletes the device key: the next load makes a new device. */
export async function forgetDeviceKey(): Promise<void> {
  await deleteEntry(KEY);
}

/** A stored pair this module made: an Ed25519 private key that cannot be exported, and its public key. */
function isKeyPair(value: unknown): value is CryptoKeyPair {
  const { privateKey, publicKey } = (value ?? {}) as Partial<CryptoKeyPair>;
  return privateKey instanceof CryptoKey && publicKey instanceof CryptoKey && privateKey.algorithm.name === ED25519.name && !privateKey.extractable;
}

async function deviceKey(pair: CryptoKeyPair): Promise<DeviceKey> {
  // The public half of a pair is always exportable; its raw form is the 32-byte key a node id encodes.
  const id = toBase64url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
  return {
    id,
    sign: async (message) => new Uint8Array(await crypto.subtle.sign(ED25519, pair.privateKey, Uint8Array.from(message))),
  };
}
