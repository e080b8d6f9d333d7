import { assign, fromPromise, setup } from 'xstate';
import type { NodeId } from '../firefly/address.js';
import { Refusal } from './closeReasons.js';
import { FrameType, type HandshakeFrame } from './frames.js';
import { encodeHello, sameBytes, transcript, type Hello } from './handshake.js';
import { decodeCertificate, isDevice, verifyCertificate, type Device, type DeviceCertificate } from './certificate.js';
import { verifySignature } from './identity.js';
import { deriveLinkKeys, type LinkKeys } from './linkKeys.js';
import type { LinkClose } from './link.js';

/**
 * The embedding program's allow policy (see `OpenLinkOptions.allow`): the peer's proven id, and
 * the device its certificate vouches for when it presented a valid one.
 */
export type AllowPolicy = (id: NodeId, device: Device | undefined) => boolean | Promise<boolean>;

/** What one handshake starts from. */
export interface HandshakeInput {
  /** Our hello: our id, a fresh nonce and the limits we announce (and our ephemeral key when we encrypt). */
  own: Hello;
  /**
   * Our ephemeral X25519 secret when we encrypt the link (`own.eph` is its public key): then a
   * peer that offers no ephemeral key is refused. Wiped once the link keys are derived.
   */
  ephemeral: Uint8Array | undefined;
  /** Hands the link keys over once the peer proved its key (only when both sides encrypt). */
  secure: (keys: LinkKeys) => void;
  /** The channel's binding, signed into the transcript. */
  binding: string;
  /** Signs with our node key. */
  sign: (message: Uint8Array) => Uint8Array;
  /** The id we dialled; any other is refused. */
  expect: NodeId | undefined;
  /** Asked once the peer proved its id; undefined admits every proven peer. */
  allow: AllowPolicy | undefined;
  /** How long the whole handshake may take, in ms. */
  timeout: number;
  /** Wall-clock ms, against which the peer's certificate is checked. */
  wallNow: () => number;
  /** Sends a handshake frame to the peer. */
  send: (type: HandshakeFrame, payload?: Uint8Array) => void;
}

/** What the link tells the handshake. */
export type HandshakeEvent =
  /** The peer's hello, decoded. */
  | { type: 'hello'; hello: Hello }
  /** A hello frame that does not decode; `reason` says why. */
  | { type: 'badHello'; reason: string }
  /** The peer's signature of the transcript. */
  | { type: 'auth'; signature: Uint8Array }
  /** The peer verified us and admitted us. */
  | { type: 'ready' }
  /** The channel closed (or the link closed it on a protocol error). */
  | { type: 'closed'; close: LinkClose };

/** How a handshake ended: the machine's output. */
export type HandshakeOutcome =
  | { outcome: 'open'; peer: Hello; device: Device | undefined; certificate: DeviceCertificate | undefined }
  | { outcome: 'refused'; reason: string; claimed?: NodeId }
  | { outcome: 'timedOut' }
  | { outcome: 'closed'; close: LinkClose; claimed?: NodeId };

interface HandshakeContext extends HandshakeInput {
  /** The peer's hello, once it was accepted (its id is proven only once its auth verified). */
  peer: Hello | undefined;
  /** What the peer's certificate vouches for, once it was checked. */
  device: Device | undefined;
  certificate: DeviceCertificate | undefined;
  /** The link keys, once derived from both ephemeral keys. */
  keys: LinkKeys | undefined;
  refusal: { reason: string; claimed?: NodeId } | undefined;
  close: LinkClose | undefined;
}

/** The certificate a peer presented and the device it vouches for, undefined without one, or why it is refused. */
function checkPeerCertificate(peer: Hello, now: number): { device: Device; certificate: DeviceCertificate } | undefined | string {
  if (!peer.cert) return undefined;
  let certificate: DeviceCertificate;
  try {
    certificate = decodeCertificate(peer.cert);
  } catch {
    return 'malformed certificate';
  }
  const checked = verifyCertificate(certificate, now);
  if (!isDevice(checked)) return checked.refused;
  return checked.node === peer.id ? { device: checked, certificate } : 'the certificate is for another node';
}

// Every refusal is a transition to `refused`; these build the action that records why.
const refuse = (reason: string) => ({ type: 'refuse', params: { reason } }) as const;
const refuseHello = (reason: string) => ({ type: 'refuseHello', params: { reason } }) as const;

/**
 * One side of the link handshake (the protocol is in `handshake.ts`) as a state machine. Both
 * sides run it at once; `openLink` drives one actor per channel and acts on its output.
 *
 * States:
 * - `awaitingHello`: our hello is sent (on entry); waiting for the peer's.
 * - `deriving`: the peer's hello was accepted; the link keys are derived (when both sides
 *   encrypt) and our auth sent on the way out.
 * - `awaitingAuth`: waiting for the peer's signature.
 * - `admitting` (parallel), entered once the signature verified:
 *   - `policy.asking` → `policy.allowed`: the allow policy (possibly a promise) said yes; our
 *     `ready` is sent on entry to `allowed`.
 *   - `peer.notReady` → `peer.ready`: the peer's `ready` arrived.
 *   Both regions done → `open`. On entry the link keys go to the link (`secure`): it seals what
 *   follows our `ready` and opens what follows the peer's.
 * - Final: `open` (output: the peer's hello), `refused` (why, and the id claimed), `timedOut`,
 *   `closed` (the channel closed first).
 *
 * Events: `hello`, `badHello`, `auth`, `ready` (the peer's frames), `closed` (the channel);
 * internally the allow policy's result and the timeout (`handshakeTimeout`, on the actor's clock,
 * started with the machine). From any state, `closed` ends in `closed` and the timeout in
 * `timedOut`; the policy's late answer then goes nowhere (its actor was stopped).
 *
 * A handshake frame that the current state does not list (an `auth` before the hello, a second
 * hello, a `ready` before the peer's auth or twice) is taken by the root's transitions to
 * `refused` (`handshake out of order`): an illegal order has nowhere else to go. Each other
 * refusal is a guarded transition of the state that judges it: `awaitingHello` (malformed hello,
 * our own id, our nonce, not the id expected, no ephemeral key when we encrypt), `deriving`
 * (a low-order ephemeral key), `awaitingAuth` (signature does not verify),
 * `policy.asking` (not allowed, policy failed).
 */
export const handshakeMachine = setup({
  types: {} as {
    context: HandshakeContext;
    events: HandshakeEvent;
    input: HandshakeInput;
    output: HandshakeOutcome;
  },
  actors: {
    // Async so that a policy that throws synchronously rejects like one that rejects.
    allowPolicy: fromPromise<boolean, { allow: AllowPolicy | undefined; id: NodeId; device: Device | undefined }>(async ({ input }) =>
      input.allow ? input.allow(input.id, input.device) : true,
    ),
  },
  delays: {
    handshakeTimeout: ({ context }) => context.timeout,
  },
  guards: {
    claimsOurId: ({ context, event }) => event.type === 'hello' && event.hello.id === context.own.id,
    reusesOurNonce: ({ context, event }) => event.type === 'hello' && sameBytes(event.hello.nonce, context.own.nonce),
    notExpected: ({ context, event }) => event.type === 'hello' && context.expect !== undefined && event.hello.id !== context.expect,
    offersNoEncryption: ({ context, event }) => event.type === 'hello' && context.ephemeral !== undefined && event.hello.eph === undefined,
    ephemeralRefused: ({ context }) => context.ephemeral !== undefined && context.keys === undefined,
    signatureVerifies: ({ context, event }) =>
      event.type === 'auth' &&
      context.peer !== undefined &&
      verifySignature(context.peer.id, transcript(context.binding, context.peer, context.own), event.signature),
  },
  actions: {
    sendHello: ({ context }) => context.send(FrameType.hello, encodeHello(context.own)),
    acceptHello: assign({ peer: ({ event }) => (event.type === 'hello' ? event.hello : undefined) }),
    /** The link keys, when both sides encrypt; our ephemeral secret is wiped: it served its purpose. */
    deriveKeys: assign({
      keys: ({ context }) => {
        const { ephemeral, peer } = context;
        if (!ephemeral) return undefined;
        const keys = deriveLinkKeys(ephemeral, context.binding, context.own, peer!);
        ephemeral.fill(0);
        return keys;
      },
    }),
    secure: ({ context }) => {
      if (context.keys) context.secure(context.keys);
    },
    sendAuth: ({ context }) => context.send(FrameType.auth, context.sign(transcript(context.binding, context.own, context.peer!))),
    sendReady: ({ context }) => context.send(FrameType.ready),
    /** A refusal about the peer we know (or nobody yet). */
    refuse: assign({
      refusal: ({ context }, params: { reason: string }) => ({ reason: params.reason, ...(context.peer ? { claimed: context.peer.id } : {}) }),
    }),
    /** A refusal of the hello in hand: it names the id that hello claims. */
    refuseHello: assign({
      refusal: ({ event }, params: { reason: string }) => ({ reason: params.reason, ...(event.type === 'hello' ? { claimed: event.hello.id } : {}) }),
    }),
    keepClose: assign({ close: ({ event }) => (event.type === 'closed' ? event.close : undefined) }),
    /** The peer's certificate, checked once its id is proven: a device, or a refusal. */
    checkCertificate: assign(({ context }) => {
      const checked = checkPeerCertificate(context.peer!, context.wallNow());
      return typeof checked === 'string'
        ? { refusal: { reason: `${Refusal.badCertificate}: ${checked}`, claimed: context.peer!.id } }
        : { device: checked?.device, certificate: checked?.certificate };
    }),
  },
}).createMachine({
  id: 'handshake',
  context: ({ input }) => ({ ...input, peer: undefined, device: undefined, certificate: undefined, keys: undefined, refusal: undefined, close: undefined }),
  initial: 'awaitingHello',
  on: {
    hello: { target: '.refused', actions: refuse(Refusal.outOfOrder) },
    badHello: { target: '.refused', actions: refuse(Refusal.outOfOrder) },
    auth: { target: '.refused', actions: refuse(Refusal.outOfOrder) },
    ready: { target: '.refused', actions: refuse(Refusal.outOfOrder) },
    closed: { target: '.closed', actions: 'keepClose' },
  },
  after: {
    handshakeTimeout: { target: '.timedOut' },
  },
  states: {
    awaitingHello: {
      entry: 'sendHello',
      on: {
        badHello: { target: 'refused', actions: { type: 'refuse', params: ({ event }) => ({ reason: event.reason }) } },
        hello: [
          { guard: 'claimsOurId', target: 'refused', actions: refuseHello(Refusal.selfId) },
          { guard: 'reusesOurNonce', target: 'refused', actions: refuseHello(Refusal.nonceReuse) },
          // Checked before we sign anything for a peer we did not mean to reach.
          { guard: 'notExpected', target: 'refused', actions: refuseHello(Refusal.unexpectedId) },
          // Before we sign: a hello that would take our link down to plaintext gets nothing.
          { guard: 'offersNoEncryption', target: 'refused', actions: refuseHello(Refusal.noEncryption) },
          { target: 'deriving', actions: 'acceptHello' },
        ],
      },
    },
    deriving: {
      entry: 'deriveKeys',
      always: [{ guard: 'ephemeralRefused', target: 'refused', actions: refuse(Refusal.badEphemeral) }, { target: 'awaitingAuth', actions: 'sendAuth' }],
    },
    awaitingAuth: {
      on: {
        auth: [{ guard: 'signatureVerifies', target: 'checking', actions: 'checkCertificate' }, { target: 'refused', actions: refuse(Refusal.badSignature) }],
      },
    },
    // The peer's id is proven; what its certificate says was just checked.
    checking: {
      always: [{ guard: ({ context }) => context.refusal !== undefined, target: 'refused' }, { target: 'admitting' }],
    },
    admitting: {
      type: 'parallel',
      // Before our ready can leave, and before the peer's (sent only after our auth verified) arrives.
      entry: 'secure',
      states: {
        policy: {
          initial: 'asking',
          states: {
            asking: {
              invoke: {
                src: 'allowPolicy',
                input: ({ context }) => ({ allow: context.allow, id: context.peer!.id, device: context.device }),
                onDone: [
                  { guard: ({ event }) => event.output === true, target: 'allowed' },
                  { target: '#handshake.refused', actions: refuse(Refusal.notAllowed) },
                ],
                onError: { target: '#handshake.refused', actions: refuse(Refusal.policyFailed) },
              },
            },
            allowed: { type: 'final', entry: 'sendReady' },
          },
        },
        // The peer sends ready only after verifying the auth we sent in answer to its hello.
        peer: {
          initial: 'notReady',
          states: {
            notReady: { on: { ready: 'ready' } },
            ready: { type: 'final' },
          },
        },
      },
      onDone: 'open',
    },
    open: { type: 'final', output: ({ context }) => ({ outcome: 'open', peer: context.peer!, device: context.device, certificate: context.certificate }) },
    refused: { type: 'final', output: ({ context }) => ({ outcome: 'refused', ...context.refusal! }) },
    timedOut: { type: 'final', output: { outcome: 'timedOut' } },
    closed: {
      type: 'final',
      output: ({ context }) => ({ outcome: 'closed', close: context.close!, ...(context.peer ? { claimed: context.peer.id } : {}) }),
    },
  },
  output: ({ event }) => event.output as HandshakeOutcome,
});
