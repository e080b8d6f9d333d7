/**
 * Signing certificates for new devices of this daemon's user: with the user's key when it is on
 * this device, else with this node's key as an admin device (the certificate then carries this
 * device's own as its parent). A member device cannot add devices.
 */
import { GlowError } from '../../src/firefly/errors.js';
import { issueCertificate, type DeviceCertificate, type DeviceRole } from '../../src/transport/certificate.js';
import type { NodeIdentity } from '../../src/transport/identity.js';
import type { LoadedDevice } from './userHome.js';

/** What a new device's certificate says. */
export interface NewDevice {
  node: string;
  name: string;
  roles: readonly DeviceRole[];
  /** How long it is valid, in ms. */
  lifetime: number;
}

/** Signs a certificate for a new device of this daemon's user; `denied` on a member device. */
export function certifyDevice(device: LoadedDevice, identity: NodeIdentity, fields: NewDevice): DeviceCertificate {
  const issued = Date.now();
  const certificate = { user: device.trust.user, node: fields.node, name: fields.name, roles: fields.roles, issued, expires: issued + fields.lifetime };
  if (device.userKey) return issueCertificate(certificate, device.userKey);
  const own = device.trust.certificate;
  if (!own.roles.includes('admin')) throw new GlowError('denied', 'this device is a member of its user, not an admin: it cannot add devices', { reason: 'not an admin device' });
  return issueCertificate(certificate, identity, own);
}
