/**
 * A public node's STUN responder (`--stun HOST:PORT`): what nodes behind NATs ask for their
 * public address and port, so that two homes can punch a direct WebRTC link. The mesh learns of
 * it from this node's `rtc` resource; no public STUN server is ever used unless configured.
 */
import { startStunServer, type StunServer } from '../../src/transport/stunServer.js';
import { errorMessage } from '../../src/firefly/errors.js';
import { DaemonError } from './errors.js';
import type { HostPort } from './options.js';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * Starts the responder. Its URL must name an address others reach, so a wildcard host takes the
 * link listener's; a `usage` error when that is a wildcard too, an `address` error when the port
 * cannot be bound.
 */
export async function startStunResponder(at: HostPort, listenHost: string): Promise<StunServer> {
  const host = WILDCARDS.has(at.host) ? listenHost : at.host;
  if (WILDCARDS.has(host)) throw new DaemonError('usage', `--stun ${at.host}:${at.port}: name the public address (the URL told to other nodes must be one they reach)`);
  try {
    return await startStunServer({ host, port: at.port });
  } catch (error) {
    throw new DaemonError('address', `cannot run the STUN responder on ${host}:${at.port}: ${errorMessage(error)}`);
  }
}
