/**
 * The tab's node identity, kept in IndexedDB so a reload keeps the node id, and the certificate
 * that made it a device when it paired by invitation (a tab of another machine: the daemon will
 * not sign it one again, so a reload reuses this one while it verifies and has not expired). The Ed25519 secret
 * is stored as raw bytes and signed with @noble/curves (the same code as the daemon): WebCrypto
 * Ed25519 with a non-extractable key would be stronger, but it is not in every browser the web
 * app targets and the link handshake signs with `NodeIdentity.sign` synchronously, which
 * WebCrypto (async only) cannot serve.
 */
import type { NodeId } from '../../../src/firefly/address.js';
import { decodeCertificate, encodeCertificate, isDevice, verifyCertificate, type DeviceCertificate } from '../../../src/transport/certificate.js';
import { createIdentity, type NodeIdentity } from '../../../src/transport/identity.js';

const DB = 'glow';
const STORE = 'identity';
const KEY = 'secret';
const CERTIFICATE = 'certificate';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB refused to open'));
  });
}

function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = act(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(request.result as T);
        };
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      }),
  );
}

/** The stored identity, or a new one (stored before it is returned, so it is the tab's from now on). */
export async function loadIdentity(): Promise<NodeIdentity> {
  const secret = await run<unknown>('readonly', (store) => store.get(KEY));
  if (secret instanceof Uint8Array && secret.length === 32) return createIdentity(secret);
  const identity = createIdentity();
  await run('readwrite', (store) => store.put(identity.secretKey, KEY));
  return identity;
}

/** Deletes the stored identity (and its certificate): the next load makes a new node. */
export async function forgetIdentity(): Promise<void> {
  await forgetCertificate();
  await run('readwrite', (store) => store.delete(KEY));
}

/** Keeps the certificate the tab paired with, next to its identity. */
export async function saveCertificate(certificate: DeviceCertificate): Promise<void> {
  await run('readwrite', (store) => store.put(encodeCertificate(certificate), CERTIFICATE));
}

/**
 * The stored certificate, when it is for `node`, verifies and has not expired (a stale or broken
 * one is deleted); otherwise undefined.
 */
export async function loadCertificate(node: NodeId, now = Date.now()): Promise<DeviceCertificate | undefined> {
  const bytes = await run<unknown>('readonly', (store) => store.get(CERTIFICATE));
  if (bytes === undefined) return undefined;
  try {
    if (bytes instanceof Uint8Array) {
      const certificate = decodeCertificate(bytes);
      if (certificate.node === node && isDevice(verifyCertificate(certificate, now))) return certificate;
    }
  } catch {
    // Not a certificate: forgotten below.
  }
  await forgetCertificate();
  return undefined;
}

/** Deletes the stored certificate (expired, or refused by the daemon). */
export async function forgetCertificate(): Promise<void> {
  await run('readwrite', (store) => store.delete(CERTIFICATE));
}
