/**
 * The joining daemon becomes a device of the inviter's user. Its own user key, if it had one,
 * is moved aside to `user.key.replaced-<time>` (mode kept, never loaded again) rather than
 * deleted: it is the only way back to the old user's namespace, and a key destroyed by mistake
 * cannot be recovered. The order survives a crash at any point: the key moves first (a daemon
 * stopped right then starts as a key-less device of the old user), then the new certificate is
 * written, then the trust store switches (which rewrites trust.json and cuts every link).
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../../src/firefly/errors.js';
import type { DeviceCertificate } from '../../../src/transport/certificate.js';
import { DaemonError } from '../errors.js';
import { HOME_FILES } from '../home.js';
import { writeCertificate, type LoadedDevice } from '../userHome.js';

/** Makes this daemon a device of `certificate`'s user; answers where the old user key went, if anywhere. */
export async function adoptUser(home: string, device: LoadedDevice, certificate: DeviceCertificate, now = new Date()): Promise<{ oldUserKey?: string }> {
  let oldUserKey: string | undefined;
  if (device.userKey && device.userKey.id !== certificate.user) {
    oldUserKey = join(home, `${HOME_FILES.userKey}.replaced-${now.toISOString().replace(/[:.]/g, '-')}`);
    try {
      await rename(join(home, HOME_FILES.userKey), oldUserKey);
    } catch (error) {
      throw new DaemonError('home', `cannot move the old user key aside: ${errorMessage(error)}`);
    }
    device.userKey = undefined;
  }
  await writeCertificate(join(home, HOME_FILES.certificate), certificate);
  device.trust.changeUser(certificate);
  return oldUserKey ? { oldUserKey } : {};
}
