/**
 * The daemon's user and device: who this node belongs to, kept in its home.
 *
 * The first start with an empty home creates a user (`user.key`) and certifies this node as an
 * admin device of it, with no questions asked: one device works alone. A device paired later
 * (`glow join`) has a certificate and no user key. Every start checks the certificate against the
 * node key, renews it when it gets old and the user key is here, and loads the friends and
 * removals, grants and revocations of `trust.json` into the node's {@link Trust}, which writes them back on every change.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../src/firefly/errors.js';
import { Trust } from '../../src/actors/trust/trust.js';
import { decodeRemoval, encodeRemoval, type DeviceRemoval } from '../../src/actors/trust/deviceRemoval.js';
import { decodeGrant, encodeGrant, type Grant } from '../../src/actors/trust/grant.js';
import { decodeRevocation, encodeRevocation, type GrantRevocation } from '../../src/actors/trust/grantRevocation.js';
import { fromBase64url, toBase64url } from '../../src/transport/base64url.js';
import {
  decodeCertificate,
  encodeCertificate,
  issueCertificate,
  isDevice,
  verifyCertificate,
  type DeviceCertificate,
  type DeviceRole,
  type UserId,
} from '../../src/transport/certificate.js';
import type { NodeIdentity } from '../../src/transport/identity.js';
import { writeFileAtomic } from './atomicFile.js';
import { DaemonError } from './errors.js';
import { HOME_FILES, loadKey } from './home.js';

/** How long a device certificate is valid. */
export const CERTIFICATE_LIFETIME = 90 * 24 * 3600_000;
/** A certificate with less than this left is renewed by a start that holds the user key. */
export const RENEW_BEFORE = 60 * 24 * 3600_000;

/** The outcome of {@link loadDevice}. */
export interface LoadedDevice {
  readonly trust: Trust;
  /** The user's key, on the device that created the user (gone once it joined another user). */
  userKey: NodeIdentity | undefined;
  /** True when this start created the user. */
  readonly userCreated: boolean;
  /** True when this start signed a new certificate for this node. */
  readonly certified: boolean;
  /** Set when `user.key` is readable by others (it still loads). */
  readonly warning?: string;
}

/** What `trust.json` holds. */
interface TrustFile {
  version: 1;
  /** The handle of this user's names here (`alice` in `alice/docs`); absent: a prefix of the user id. */
  handle?: string;
  friends: { user: UserId; handle?: string }[];
  /** base64url of each signed removal (deviceRemoval.ts). */
  removals: string[];
  /** base64url of each grant given, received or delegated from ours (grant.ts); absent before grants. */
  grants?: string[];
  /** base64url of each grant revocation (grantRevocation.ts). */
  revocations?: string[];
}

/**
 * Loads (on first start: creates) this node's user, certificate and trust store. `name` is the
 * device name a new certificate gets. `home` errors for a certificate that belongs to another
 * node or has expired with no user key here to renew it.
 */
export async function loadDevice(home: string, identity: NodeIdentity, name: string, onWriteError: (error: unknown) => void): Promise<LoadedDevice> {
  const certFile = join(home, HOME_FILES.certificate);
  let certificate = await readCertificate(certFile);
  const user = await loadKey(join(home, HOME_FILES.userKey), 'user', certificate === undefined);
  const userKey = user?.identity;
  const now = Date.now();
  if (certificate) {
    const checked = verifyCertificate(certificate, now);
    if (certificate.node !== identity.id) throw new DaemonError('home', `${certFile} certifies another node (${certificate.node}); move it away and pair this device again`);
    if (userKey && certificate.user !== userKey.id) throw new DaemonError('home', `${certFile} belongs to another user than ${join(home, HOME_FILES.userKey)}`);
    if (!isDevice(checked) && !userKey) {
      throw new DaemonError('home', `this device's certificate is refused (${checked.refused}): pair it again with \`glow join\` from a device of your user`);
    }
  }
  let certified = false;
  if (userKey && (!certificate || certificate.expires - now < RENEW_BEFORE || !isDevice(verifyCertificate(certificate, now)))) {
    const roles: DeviceRole[] = certificate ? [...certificate.roles] : ['admin'];
    certificate = issueCertificate({ user: userKey.id, node: identity.id, name: certificate?.name ?? name, roles, issued: now, expires: now + CERTIFICATE_LIFETIME }, userKey);
    await writeCertificate(certFile, certificate);
    certified = true;
  }
  const saved = await readTrustFile(join(home, HOME_FILES.trust));
  let trust: Trust;
  try {
    trust = new Trust({ certificate: certificate!, ...saved });
  } catch (error) {
    throw new DaemonError('home', `${join(home, HOME_FILES.trust)}: ${errorMessage(error)}`);
  }
  // Written in order, one at a time: the file always holds the latest state that reached disk.
  let writing = Promise.resolve();
  trust.onChange((event) => {
    if (event.type === 'renewed') {
      writing = writing.then(() => writeCertificate(certFile, event.certificate)).catch(onWriteError);
    } else if (event.type !== 'device') {
      writing = writing.then(() => writeTrustFile(join(home, HOME_FILES.trust), trust)).catch(onWriteError);
    }
  });
  trust.grants.onChange(() => {
    writing = writing.then(() => writeTrustFile(join(home, HOME_FILES.trust), trust)).catch(onWriteError);
  });
  return { trust, userKey, userCreated: user?.created ?? false, certified, ...(user?.warning ? { warning: user.warning } : {}) };
}

async function readCertificate(file: string): Promise<DeviceCertificate | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DaemonError('home', `cannot read ${file}: ${errorMessage(error)}`);
  }
  const bytes = fromBase64url(text.trim());
  try {
    if (!bytes) throw new Error('not base64url');
    return decodeCertificate(bytes);
  } catch (error) {
    throw new DaemonError('home', `${file} is not a device certificate (${errorMessage(error)}); it was left untouched`);
  }
}

/** Writes this node's certificate (base64url CBOR, mode 0600); `home` error when it cannot. */
export async function writeCertificate(file: string, certificate: DeviceCertificate): Promise<void> {
  try {
    await writeFileAtomic(file, `${toBase64url(encodeCertificate(certificate))}\n`, 0o600);
  } catch (error) {
    throw new DaemonError('home', `cannot write ${file}: ${errorMessage(error)}`);
  }
}

/** Decodes each base64url entry with `decode`, dropping what does not decode (the trust store verifies the rest). */
function decodeAll<T>(entries: unknown, decode: (bytes: Uint8Array) => T): T[] {
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((encoded) => {
    const bytes = typeof encoded === 'string' ? fromBase64url(encoded) : undefined;
    if (!bytes) return [];
    try {
      return [decode(bytes)];
    } catch {
      return [];
    }
  });
}

async function readTrustFile(file: string): Promise<{ friends: TrustFile['friends']; removals: DeviceRemoval[]; grants: Grant[]; revocations: GrantRevocation[]; handle?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { friends: [], removals: [], grants: [], revocations: [] };
    throw new DaemonError('home', `cannot read ${file}: ${errorMessage(error)}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<TrustFile>;
    if (parsed.version !== 1 || !Array.isArray(parsed.friends) || !Array.isArray(parsed.removals)) throw new Error('not a version 1 trust file');
    const friends = parsed.friends.filter((f): f is TrustFile['friends'][number] => typeof f?.user === 'string');
    // The Trust store verifies each signature and drops what does not verify.
    return {
      friends,
      removals: decodeAll(parsed.removals, decodeRemoval),
      grants: decodeAll(parsed.grants, decodeGrant),
      revocations: decodeAll(parsed.revocations, decodeRevocation),
      ...(typeof parsed.handle === 'string' ? { handle: parsed.handle } : {}),
    };
  } catch (error) {
    throw new DaemonError('home', `${file} is damaged (${errorMessage(error)}); it was left untouched`);
  }
}

async function writeTrustFile(file: string, trust: Trust): Promise<void> {
  const contents: TrustFile = {
    version: 1,
    handle: trust.handle,
    friends: trust.friendList(),
    removals: trust.removalList().map((removal) => toBase64url(encodeRemoval(removal))),
    grants: trust.grants.list().map((held) => toBase64url(encodeGrant(held.grant))),
    revocations: trust.grants.revocations().map((revocation) => toBase64url(encodeRevocation(revocation))),
  };
  await writeFileAtomic(file, `${JSON.stringify(contents, null, 2)}\n`, 0o600);
}
