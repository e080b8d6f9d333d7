/**
 * Checking a 4-link grant chain as it arrives from the wire:
 * - cold: chains of users never seen before, each link signed with its issuer's user key (as the
 *   device holding the key signs): 4 keys to import, 4 Ed25519 verifications on node:crypto;
 * - cold, device-signed: each link signed by a device of its issuer whose certificate comes
 *   along — 8 keys, 8 verifications;
 * - known signers: new grants from devices whose certificates this process verified before (the
 *   usual case: a holder knows its friends' devices), 4 verifications;
 * - cached: a friend's request judged by the door's trust policy once the verdict is known.
 * Baselines, in the same run: as many raw node:crypto verifications, and a Map lookup.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { formatResourceId, type ResourceId } from '../../src/firefly/address.js';
import { decodeGrant, encodeGrant, grantId, verifyGrant, type Grant } from '../../src/actors/trust/grant.js';
import { Trust } from '../../src/actors/trust/trust.js';
import { trustPolicy } from '../../src/actors/trust/trustPolicy.js';
import type { PeerRequest } from '../../src/actors/policy.js';
import { issueCertificate } from '../../src/transport/certificate.js';
import { createIdentity, publicKeyOf } from '../../src/transport/identity.js';
import { encodeValue } from '../../src/firefly/codec.js';
import { alternate, round, type Benchmark } from '../harness.js';
import { once } from '../mesh/fixtures.js';
import { benchUser, grantChain } from './fixtures.js';

const LINKS = 4;
const COLD_OPS = 100;
const CACHED_OPS = 200_000;
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Nanoseconds per operation, Glow's and the raw baseline's, of each row. */
interface Figures {
  cold: { glow: number; raw: number };
  coldDevices: { glow: number; raw: number };
  known: { glow: number; raw: number };
  cached: { glow: number; raw: number };
}

/** `n` chains as a holder meets them from the wire (decoded: no memoised ids); new users for each unless `users` are given. */
function chains(n: number, resource: string, users?: ReturnType<typeof benchUser>[], signer: 'device' | 'user' = 'device'): Grant[] {
  return Array.from({ length: n }, () => decodeGrant(encodeGrant(grantChain(users ?? Array.from({ length: LINKS + 1 }, () => benchUser()), resource, LINKS, signer))));
}

/** Nanoseconds to verify every chain of `list`. */
function verifyAll(list: readonly Grant[]): number {
  const start = process.hrtime.bigint();
  for (const grant of list) if (!('chain' in verifyGrant(grant, Date.now())) || grantId(grant).length !== 23) throw new Error('bench: chain refused');
  return Number(process.hrtime.bigint() - start);
}

async function measure(): Promise<Figures> {
  const users = Array.from({ length: LINKS + 1 }, () => benchUser());
  const owner = users[0]!;
  const target: ResourceId = { node: owner.device.id, local: 'docs' };
  const chain = grantChain(users, formatResourceId(target), LINKS);

  // The raw side: 8 verifications of 64-byte signatures over messages of a link's size, each
  // key imported from its 32 raw bytes as a cold chain's new keys must be (and, for known
  // signers, 4 with the keys imported before).
  const rawKeys: Buffer[] = [];
  const keys: KeyObject[] = [];
  const messages: Uint8Array[] = [];
  const signatures: Uint8Array[] = [];
  for (let i = 0; i < 2 * LINKS; i++) {
    const signer = createIdentity();
    rawKeys.push(Buffer.concat([SPKI_PREFIX, publicKeyOf(signer.id)!]));
    keys.push(createPublicKey({ key: rawKeys[i]!, format: 'der', type: 'spki' }));
    messages.push(encodeValue(['x'.repeat(300), i]));
    signatures.push(signer.sign(messages[i]!));
  }

  // Cached: the holder's policy judging the last audience's device, verdict cached after the first.
  const holder = new Trust({ certificate: owner.certificate, friends: users.slice(1).map((u) => ({ user: u.key.id })) });
  holder.grants.add(chain);
  const caller = users[LINKS]!;
  const callerDevice = createIdentity();
  holder.learn(issueCertificate({ user: caller.key.id, node: callerDevice.id, name: 'friend', roles: ['member'], issued: Date.now() - 1000, expires: Date.now() + 86_400_000 }, caller.key));
  const policy = trustPolicy(holder);
  const request: PeerRequest = { from: callerDevice.id, caller: { node: callerDevice.id, local: 'node' }, target, action: 'call', member: 'describe', args: () => ({}) };
  if (policy(request) !== true) throw new Error(`bench: the chain does not admit the request: ${JSON.stringify(policy(request))}`);
  const map = new Map([[`${callerDevice.id} docs describe`, true]]);
  const key = `${callerDevice.id} docs describe`;

  const resource = formatResourceId(target);
  verifyGrant(chain, Date.now());
  /** Nanoseconds for `COLD_OPS` rounds of `count` raw verifications, importing each key first or not. */
  const rawVerifications = (count: number, importKeys: boolean) => async () => {
    const start = process.hrtime.bigint();
    for (let n = 0; n < COLD_OPS; n++) {
      for (let i = 0; i < count; i++) {
        const key = importKeys ? createPublicKey({ key: rawKeys[i]!, format: 'der', type: 'spki' }) : keys[i]!;
        if (!verify(null, messages[i]!, key, signatures[i]!)) throw new Error('bench: bad signature');
      }
    }
    return Number(process.hrtime.bigint() - start);
  };
  /** Nanoseconds for `CACHED_OPS` calls of `check`, each expected to answer true. */
  const repeated = (check: () => boolean) => async () => {
    const start = process.hrtime.bigint();
    for (let n = 0; n < CACHED_OPS; n++) if (!check()) throw new Error('bench: refused');
    return Number(process.hrtime.bigint() - start);
  };
  const [coldUser, rawUser, cold, known, raw, rawKnown, cached, mapped] = await alternate(
    [
      async () => verifyAll(chains(COLD_OPS, resource, undefined, 'user')),
      rawVerifications(LINKS, true),
      async () => verifyAll(chains(COLD_OPS, resource)),
      async () => verifyAll(chains(COLD_OPS, resource, users)),
      rawVerifications(2 * LINKS, true),
      rawVerifications(LINKS, false),
      repeated(() => policy(request) === true),
      repeated(() => map.get(key) === true),
    ],
    { rounds: 7 },
  );
  return {
    cold: { glow: coldUser! / COLD_OPS, raw: rawUser! / COLD_OPS },
    coldDevices: { glow: cold! / COLD_OPS, raw: raw! / COLD_OPS },
    known: { glow: known! / COLD_OPS, raw: rawKnown! / COLD_OPS },
    cached: { glow: cached! / CACHED_OPS, raw: mapped! / CACHED_OPS },
  };
}

const run = once(measure);
const note = `trust.grant.*: a ${LINKS}-link chain (user-signed links for .cold, device-signed with certificates for the others), Ed25519 on node:crypto`;

/** One row: Glow's and the raw figure of `figure`, in µs. */
function row(figure: keyof Figures, name: string, baseline: string, unit: string, goal?: Benchmark['goal']): Benchmark {
  return {
    name,
    baseline,
    note,
    ...(goal ? { goal } : {}),
    run: async () => {
      const { glow, raw } = (await run())[figure];
      return { name, value: round(glow / 1000), unit, baseline: round(raw / 1000), ratio: round(glow / raw) };
    },
  };
}

const benchmarks: Benchmark[] = [
  row('cold', 'trust.grant.cold', `${LINKS} raw node:crypto Ed25519 verifications, each key imported`, 'µs/chain', {
    of: 'value',
    atMost: 1000,
    label: 'a 4-link chain verified cold in ≤ 1 ms',
  }),
  row('coldDevices', 'trust.grant.cold.devices', `${2 * LINKS} raw node:crypto Ed25519 verifications, each key imported`, 'µs/chain'),
  row('known', 'trust.grant.known', `${LINKS} raw node:crypto Ed25519 verifications, keys imported before`, 'µs/chain', {
    of: 'value',
    atMost: 1000,
    label: "≤ 1 ms when the signers' certificates are known",
  }),
  row('cached', 'trust.grant.cached', 'a Map lookup of the verdict', 'µs/request', { of: 'value', atMost: 20, label: 'a friend request judged from cache in ≤ 20 µs' }),
];

export default benchmarks;
