/**
 * Session fuzzing, shared by test/router/session/fuzz.test.ts (100 000 packets) and
 * bench/router/sessionFuzz.ts (1 M): a target T with sessions on, reached from F through its
 * neighbour N. Real traffic F→T (calls, casts, probes, handshakes both ways) is recorded at T's
 * link end as templates, and signed resets are made for T's real sessions; then mutations of
 * them (bit flips, truncations, extensions, replaced bodies and session types, changed header
 * fields, plain replays, random bytes) are fed to T as if N had sent them. Nothing here uses
 * jest: it runs in the bench too.
 */
import * as v from 'valibot';
import { cast, defineInterface, method } from '../../../src/index.js';
import type { Mesh } from '../../../src/actors/mesh.js';
import type { NodeId } from '../../../src/firefly/address.js';
import { decodePacket, encodePacket, PacketKind, SEALED, type Packet } from '../../../src/firefly/packet.js';
import { ROUTER_LOCAL } from '../../../src/router/router.js';
import { readIndex, resetStatement, SessionMessage, sessionBody } from '../../../src/router/session/wire.js';
import { totalDropped, type RouterStats } from '../../../src/router/stats.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { headerOf, isSealedBetween, link, makeMesh, type TappedLink } from './relayMesh.js';

const Echo = defineInterface('test.FuzzEcho/1', {
  echo: method(v.object({ text: v.string() }), v.string()),
  note: cast(v.object({ text: v.string() })),
});

/** A small seeded PRNG (mulberry32): a run replays exactly. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The identity every router's counters keep (see `RouterStats`): true when it holds. */
export function balanced(stats: RouterStats & { held: number }): boolean {
  return stats.received + stats.originated + stats.generated === stats.delivered + stats.forwarded + stats.control + totalDropped(stats) + stats.held;
}

export interface FuzzRig {
  readonly target: Mesh;
  /** F, the node whose real calls reach T through N. */
  readonly source: Mesh;
  /** Real session and sealed packets N carried to T, and signed resets for T's sessions. */
  readonly templates: readonly Uint8Array[];
  /** Which kinds of template there are, by name (for the report). */
  readonly templateKinds: Readonly<Record<string, number>>;
  /** A mutated or replayed packet, from the seeded generator. */
  next(): Uint8Array;
  /** Hands `bytes` to T as if its neighbour N had sent them (synchronously). */
  feed(bytes: Uint8Array): void;
  /** A real call from F to T, through N, sealed: resolves with its answer. */
  realCall(text: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * `handshakesPerSecond` is T's budget of first messages answered: each costs T a handshake's
 * work, so it bounds how much of the run goes to them (the default is the router's).
 */
export async function fuzzRig(seed: number, options: { handshakesPerSecond?: number } = {}): Promise<FuzzRig> {
  // Rekeying every few messages both ways makes handshakes each way: initiations and responses
  // reach T, and so do the pings that confirm a new session with nothing else to send.
  const rekeying = (messages: number, more = {}) => ({ router: { sessions: { rekeyAfterMessages: messages, ...more } } });
  const [f, n, t] = [makeMesh(rekeying(4)), makeMesh(), makeMesh(rekeying(2, options))];
  const meshes = [f, n, t];
  try {
    link(f, n);
    const nt = link(n, t);
    const atT: TappedLink = nt.atB;
    const toT: TappedLink = nt.atA;
    await waitFor(() => f.router.route(t.id)?.nextHop === n.id && t.router.route(f.id)?.nextHop === n.id, 5000, 'routes F↔T through N');
    t.node.spawnWellKnown('echo', { iface: Echo, handlers: { echo: ({ text }) => `echo ${text}`, note: () => {} } });
    f.node.spawnWellKnown('echo', { iface: Echo, handlers: { echo: ({ text }) => `echo ${text}`, note: () => {} } });
    const toTarget = f.node.ref({ node: t.id, local: 'echo' }, Echo);
    const fromTarget = t.node.ref({ node: f.id, local: 'echo' }, Echo);
    // Real traffic both ways: handshakes, sealed calls, casts, replies, and probes while F waits.
    for (let i = 0; i < 5; i++) {
      await within(toTarget.call('echo', { text: `warm ${i}` }), 2000);
      await within(fromTarget.call('echo', { text: `back ${i}` }), 2000);
      toTarget.cast('note', { text: `note ${i}` });
    }
    await waitFor(() => (t.router.stats.sessions?.opened ?? 0) >= 10, 2000, 'sealed traffic at T');
    const isResponse = (bytes: Uint8Array) => {
      const packet = headerOf(bytes);
      return packet?.kind === PacketKind.session && packet.body[0] === SessionMessage.response;
    };
    await waitFor(() => toT.recorded.some(isResponse), 3000, 'a response to one of T\'s handshakes');

    const recorded = toT.recorded.map((bytes) => ({ bytes, packet: headerOf(bytes) })).filter(({ packet }) => packet && packet.kind !== PacketKind.route);
    const kinds: Record<string, number> = {};
    const templates: Uint8Array[] = [];
    const add = (kind: string, bytes: Uint8Array) => {
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      templates.push(Uint8Array.from(bytes));
    };
    for (const { bytes, packet } of recorded) {
      if (packet!.kind === PacketKind.session) add(`session.${Object.entries(SessionMessage).find(([, type]) => type === packet!.body[0])?.[0] ?? 'other'}`, bytes);
      else if ((packet!.kind & SEALED) !== 0) add('sealed', bytes);
    }
    // Resets from F for the indexes T seals to F with: valid ones (F's signature), as F would send.
    const sealedToF = atT.recorded.map(headerOf).filter((packet): packet is Packet => isSealedBetween(packet, t.id, f.id));
    for (const index of new Set(sealedToF.map((packet) => readIndex(packet.body, 0)!))) {
      const signature = f.identity.sign(resetStatement(index, t.id, f.id));
      add('session.reset', encodePacket({ ...sealedToF[0]!, kind: PacketKind.session, src: { node: f.id, local: 'session' }, dst: { node: t.id, local: 'session' }, corr: 0, method: '', body: sessionBody(SessionMessage.reset, [index], signature) }));
    }

    // The templates are taken: what follows is not kept (a million packets would be).
    atT.recording = false;
    toT.recording = false;

    const random = seeded(seed);
    const int = (below: number) => Math.floor(random() * below);
    const randomBytes = (length: number) => {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i += 4) {
        const word = (random() * 0x1_0000_0000) >>> 0;
        out[i] = word;
        if (i + 1 < length) out[i + 1] = word >>> 8;
        if (i + 2 < length) out[i + 2] = word >>> 16;
        if (i + 3 < length) out[i + 3] = word >>> 24;
      }
      return out;
    };
    const joined = (a: Uint8Array, b: Uint8Array) => {
      const out = new Uint8Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    };
    const nodes: NodeId[] = [f.id, n.id, t.id];
    const decoded = templates.map((bytes) => decodePacket(bytes));
    const pick = () => int(templates.length);
    const mutations: (() => Uint8Array)[] = [
      // A replay as it was.
      () => templates[pick()]!,
      // One to three flipped bits anywhere.
      () => {
        const copy = Uint8Array.from(templates[pick()]!);
        for (let flips = 1 + int(3); flips > 0; flips--) {
          const bit = int(copy.length * 8);
          copy[bit >> 3]! ^= 1 << (bit & 7);
        }
        return copy;
      },
      // One flipped bit in the body only (the header still reads).
      () => {
        const i = pick();
        const copy = Uint8Array.from(templates[i]!);
        const start = copy.length - decoded[i]!.body.length;
        const bit = start * 8 + int((copy.length - start) * 8);
        copy[bit >> 3]! ^= 1 << (bit & 7);
        return copy;
      },
      // Truncated, or extended with random bytes.
      () => {
        const template = templates[pick()]!;
        return template.slice(0, int(template.length));
      },
      () => {
        return joined(templates[pick()]!, randomBytes(1 + int(40)));
      },
      // The header kept, the body cut, extended, replaced by random bytes, or given another session type.
      () => {
        const packet = decoded[pick()]!;
        const choice = int(4);
        const body =
          choice === 0
            ? packet.body.subarray(0, int(packet.body.length))
            : choice === 1
              ? joined(packet.body, randomBytes(1 + int(20)))
              : choice === 2
                ? randomBytes(int(packet.body.length + 10))
                : joined(Uint8Array.of(int(8)), packet.body.subarray(1));
        return encodePacket({ ...packet, body });
      },
      // A changed header field: source (another node, another resource), kind (sealed or not, session), correlation id.
      () => {
        const packet = decoded[pick()]!;
        const change = int(5);
        const changed: Packet =
          change === 0
            ? { ...packet, src: { ...packet.src, node: nodes[int(nodes.length)]! } }
            : change === 1
              ? { ...packet, src: { ...packet.src, local: random() < 0.5 ? ROUTER_LOCAL : 'x' } }
              : change === 2
                ? { ...packet, kind: (random() < 0.5 ? PacketKind.session : (1 + int(12)) | (random() < 0.7 ? SEALED : 0)) as Packet['kind'] }
                : change === 3
                  ? { ...packet, corr: int(1_000_000) }
                  : { ...packet, dst: { ...packet.dst, local: random() < 0.5 ? 'session' : 'echo' } };
        return encodePacket(changed);
      },
      // Random bytes.
      () => randomBytes(int(120)),
    ];

    // Mostly mutations that keep the header readable, so that they reach the session layer:
    // what breaks the header is test/router/fuzz.test.ts's subject.
    const weights = [2, 1, 4, 1, 2, 4, 3, 1];
    const weighted = weights.flatMap((weight, i) => Array.from({ length: weight }, () => i));

    return {
      target: t,
      source: f,
      templates,
      templateKinds: kinds,
      next: () => mutations[weighted[int(weighted.length)]!]!(),
      feed: (bytes) => atT.receive(bytes),
      realCall: (text) => within(toTarget.call('echo', { text }, { timeout: 4000 }), 5000),
      close: async () => {
        await Promise.all(meshes.map((mesh) => mesh.close()));
      },
    };
  } catch (error) {
    await Promise.all(meshes.map((mesh) => mesh.close()));
    throw error;
  }
}
