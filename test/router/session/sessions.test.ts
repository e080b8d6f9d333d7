/**
 * End-to-end sessions as a mesh lives them (A—R—C, real meshes, R's link ends tapped where a
 * test needs to hold or forge): one handshake opens a session both ways, rekeying keeps calls
 * working, a peer that restarts with the same identity resets the session (signed) and gets
 * what it lost, once; a reset signed by anyone else is refused; sessions end with the node.
 */
import * as v from 'valibot';
import { cast, defineInterface, method, type GlowError } from '../../../src/index.js';
import type { Mesh } from '../../../src/actors/mesh.js';
import { DEFAULT_HOP_LIMIT, encodePacket, PacketKind, PROTOCOL_VERSION } from '../../../src/firefly/packet.js';
import type { RouterOptions } from '../../../src/router/options.js';
import { readIndex, resetStatement, SessionMessage, sessionBody } from '../../../src/router/session/wire.js';
import type { NodeIdentity } from '../../../src/transport/identity.js';
import { waitFor, within } from '../../helpers/waitFor.js';
import { headerOf, isSealedBetween, isSessionBetween, link, useMeshes, type TappedLink } from './relayMesh.js';

const Echo = defineInterface('test.SessionEcho/1', {
  echo: method(v.object({ text: v.string() }), v.string()),
  note: cast(v.object({ text: v.string() })),
});

/** The local id of C's echo: well known, so that a restarted C serves it under the same id. */
const ECHO = 'echo';

const newMesh = useMeshes();

/** Starts the echo on `mesh`; returns what its handlers saw. */
function serveEcho(mesh: Mesh) {
  const seen = { echoes: [] as string[], notes: [] as string[] };
  mesh.node.spawnWellKnown(ECHO, {
    iface: Echo,
    handlers: {
      echo: ({ text }) => {
        seen.echoes.push(text);
        return `echo ${text}`;
      },
      note: ({ text }) => {
        seen.notes.push(text);
      },
    },
  });
  return seen;
}

/** A—R—C, routed through R; C serves the echo. */
async function line(options: { a?: Partial<RouterOptions>; c?: Partial<RouterOptions>; cIdentity?: NodeIdentity } = {}) {
  const a = newMesh({ router: options.a ?? {} });
  const r = newMesh();
  const c = newMesh({ router: options.c ?? {}, ...(options.cIdentity ? { identity: options.cIdentity } : {}) });
  const toA = link(a, r).atB;
  const toC = link(r, c).atA;
  await waitFor(() => a.router.route(c.id)?.nextHop === r.id && c.router.route(a.id)?.nextHop === r.id, 5000, 'routes A↔C through R');
  const seen = serveEcho(c);
  const echo = a.node.ref({ node: c.id, local: ECHO }, Echo);
  return { a, r, c, toA, toC, seen, echo };
}

const sessionsOf = (mesh: Mesh) => mesh.router.stats.sessions!;

describe('opening', () => {
  it('one handshake at most each way opens the session: calls both ways, concurrent or not, open no other', async () => {
    const { a, r, c, echo } = await line();
    const back = c.node.ref({ node: a.id, local: ECHO }, Echo);
    serveEcho(a);
    // Concurrent first calls both ways (the nodes' own traffic may have opened it already).
    const texts = Array.from({ length: 10 }, (_, i) => `first ${i}`);
    await within(Promise.all([...texts.map((text) => echo.call('echo', { text })), ...texts.map((text) => back.call('echo', { text }))]), 3000);
    const [atA, atC] = [sessionsOf(a), sessionsOf(c)];
    expect(atA.initiations).toBeLessThanOrEqual(1);
    expect(atC.initiations).toBeLessThanOrEqual(1);
    expect(atA.initiations + atC.initiations).toBeGreaterThanOrEqual(1);
    expect([atA.responses, atC.responses]).toEqual([atC.initiations, atA.initiations]);
    expect(atA.handshakesLost + atC.handshakesLost).toBe(0);
    // Many more calls: no new handshake, every one sealed.
    const sealedBefore = atA.sealed;
    for (let i = 0; i < 20; i++) await echo.call('echo', { text: `more ${i}` });
    expect(sessionsOf(a).initiations).toBe(atA.initiations);
    expect(sessionsOf(a).sealed - sealedBefore).toBe(20);
    // A call to a direct neighbour travels on the link, unsealed: it costs no session.
    serveEcho(r);
    await expect(within(a.node.ref({ node: r.id, local: ECHO }, Echo).call('echo', { text: 'neighbour' }))).resolves.toBe('echo neighbour');
    expect(sessionsOf(a).sealed - sealedBefore).toBe(20);
    expect(sessionsOf(a).initiations).toBe(atA.initiations);
  });
});

describe('rekeying', () => {
  it('by message count: a new handshake every few messages, and every call still answered', async () => {
    const { a, c, echo, seen } = await line({ a: { sessions: { rekeyAfterMessages: 5 } } });
    const before = sessionsOf(a).initiations;
    for (let i = 0; i < 40; i++) await expect(within(echo.call('echo', { text: `n${i}` }))).resolves.toBe(`echo n${i}`);
    expect(sessionsOf(a).initiations - before).toBeGreaterThanOrEqual(5);
    expect(seen.echoes).toHaveLength(40);
    const dropped = c.router.stats.dropped;
    expect([dropped.tampered, dropped.replayed, dropped.nosession]).toEqual([0, 0, 0]);
    expect(a.router.stats.dropped.nosession).toBe(0);
  });

  it('by time: a session older than rekeyAfter is replaced while calls go on', async () => {
    const { a, echo } = await line({ a: { sessions: { rekeyAfter: 100 } } });
    const before = sessionsOf(a).initiations;
    const until = Date.now() + 600;
    let calls = 0;
    while (Date.now() < until) {
      await expect(within(echo.call('echo', { text: 'tick' }))).resolves.toBe('echo tick');
      calls++;
    }
    expect(calls).toBeGreaterThan(5);
    expect(sessionsOf(a).initiations - before).toBeGreaterThanOrEqual(2);
  });
});

describe('a peer that restarts with the same identity', () => {
  /**
   * A—R—C with a call answered, then C closed and started again with the same key (C2), linked
   * to R. R holds what A seals for C2 (five casts and a call, sealed with the old session) and
   * what C2 sends A (its own handshake and first packets; resets pass) until the test releases
   * either side.
   */
  async function restarted(callTimeout = 4000) {
    const { a, r, c, toA, echo, seen } = await line();
    await expect(within(echo.call('echo', { text: 'before' }))).resolves.toBe('echo before');
    const identity = c.identity;
    await c.close();
    await waitFor(() => !r.router.neighbours().some((neighbour) => neighbour.node === identity.id), 1000, 'R to see C gone');
    const c2 = newMesh({ identity });
    const seen2 = serveEcho(c2);
    const held = { toC2: [] as Uint8Array[], toA: [] as Uint8Array[], holdToA: true };
    const toC2 = link(r, c2).atA;
    toC2.mangle = (bytes, packet) => {
      if (!isSealedBetween(packet, a.id, identity.id)) return [bytes];
      held.toC2.push(bytes);
      return [];
    };
    toA.mangle = (bytes, packet) => {
      const fromC2 = packet !== undefined && packet.src.node === identity.id && packet.dst.node === a.id;
      const isReset = fromC2 && packet.kind === PacketKind.session && packet.body[0] === SessionMessage.reset;
      if (!fromC2 || isReset || !held.holdToA) return [bytes];
      held.toA.push(bytes);
      return [];
    };
    await waitFor(() => a.router.route(identity.id)?.nextHop === r.id, 5000, 'A to reach the new C');
    const initiationsBefore = sessionsOf(a).initiations;
    const notes = ['one', 'two', 'three', 'four', 'five'];
    for (const text of notes) echo.cast('note', { text });
    const call = echo.call('echo', { text: 'meanwhile' }, { timeout: callTimeout });
    await waitFor(() => held.toC2.length >= notes.length + 1, 1000, 'A to seal its packets with the old session');
    const releaseToA = () => {
      held.holdToA = false;
      toA.mangle = undefined;
      for (const bytes of held.toA.splice(0)) toA.inject(bytes);
    };
    const releaseToC2 = () => {
      toC2.mangle = undefined;
      for (const bytes of held.toC2.splice(0)) toC2.inject(bytes);
    };
    return { a, c2, echo, seen, seen2, notes, call, initiationsBefore, releaseToA, releaseToC2 };
  }

  it('answers with a signed reset; what A sent meanwhile is delivered once, in a new session', async () => {
    const { a, c2, echo, seen, seen2, notes, call, initiationsBefore, releaseToA, releaseToC2 } = await restarted();
    releaseToC2();
    await waitFor(() => sessionsOf(a).resetsReceived >= 1, 2000, 'A to get the reset');
    releaseToA();
    await expect(within(call, 4000)).resolves.toBe('echo meanwhile');
    await waitFor(() => seen2.notes.length === notes.length, 2000, 'the notes to reach the new C');
    expect(sessionsOf(c2).resetsSent).toBeGreaterThanOrEqual(1);
    expect(sessionsOf(a).initiations).toBeGreaterThan(initiationsBefore);
    expect(c2.router.stats.dropped.nosession).toBeGreaterThanOrEqual(notes.length + 1);
    // Once: a later round trip finds nothing more delivered.
    await expect(within(echo.call('echo', { text: 'after' }))).resolves.toBe('echo after');
    expect(seen2.notes).toEqual(notes);
    expect(seen2.echoes).toEqual(['meanwhile', 'after']);
    expect(seen.echoes).toEqual(['before']);
  });

  // A packet C2 sends A in a session C2 opened itself proves C2 holds that session only: what A
  // sealed in the old one stays unanswered until the reset for it, and is sent again then.
  it("…even when the restarted peer's own first packets reach A before the reset does", async () => {
    const { a, call, seen2, notes, releaseToA, releaseToC2 } = await restarted(1500);
    const openedBefore = sessionsOf(a).opened;
    releaseToA();
    await waitFor(() => sessionsOf(a).opened > openedBefore, 2000, 'A to open what C2 sealed in its own session');
    releaseToC2();
    await expect(within(call, 2000)).resolves.toBe('echo meanwhile');
    await waitFor(() => seen2.notes.length === notes.length, 2000, 'the notes to reach the new C');
  });
});

describe('a reset', () => {
  /** The index A seals to C with, read from what R carried (it is in the clear). */
  function indexAtoC(toC: TappedLink, a: Mesh, c: Mesh): number {
    const sealed = toC.recorded.map(headerOf).filter((packet) => isSealedBetween(packet, a.id, c.id));
    return readIndex(sealed.at(-1)!.body, 0)!;
  }

  function resetPacket(from: Mesh, to: Mesh, index: number, signature: Uint8Array): Uint8Array {
    return encodePacket({
      version: PROTOCOL_VERSION,
      kind: PacketKind.session,
      src: { node: from.id, local: 'session' },
      dst: { node: to.id, local: 'session' },
      hop: DEFAULT_HOP_LIMIT,
      corr: 0,
      method: '',
      body: sessionBody(SessionMessage.reset, [index], signature),
    });
  }

  it("signed by anyone but the peer (R's key, garbage) is refused as forged; the session goes on", async () => {
    const { a, r, c, toA, toC, echo } = await line();
    await expect(within(echo.call('echo', { text: 'x' }))).resolves.toBe('echo x');
    const index = indexAtoC(toC, a, c);
    const before = a.router.stats;
    toA.inject(resetPacket(c, a, index, r.identity.sign(resetStatement(index, a.id, c.id))));
    toA.inject(resetPacket(c, a, index, new Uint8Array(64).fill(7)));
    await waitFor(() => a.router.stats.dropped.forged === before.dropped.forged + 2, 1000, 'A to refuse both resets');
    expect(sessionsOf(a).resetsReceived).toBe(0);
    await expect(within(echo.call('echo', { text: 'y' }))).resolves.toBe('echo y');
    expect(sessionsOf(a).initiations).toBe(before.sessions!.initiations);
  });

  it("signed by the peer itself is believed: A opens a new session (the contrast to the above)", async () => {
    const { a, c, toA, toC, echo } = await line();
    await expect(within(echo.call('echo', { text: 'x' }))).resolves.toBe('echo x');
    const index = indexAtoC(toC, a, c);
    const before = sessionsOf(a);
    toA.inject(resetPacket(c, a, index, c.identity.sign(resetStatement(index, a.id, c.id))));
    await waitFor(() => sessionsOf(a).resetsReceived === 1, 1000, 'A to take the reset');
    await expect(within(echo.call('echo', { text: 'y' }))).resolves.toBe('echo y');
    expect(sessionsOf(a).initiations).toBeGreaterThan(before.initiations);
  });
});

describe('the end of a node', () => {
  it('ends its sessions: what waited for a handshake is dropped at once and nothing stays held', async () => {
    const { a, c } = await line();
    // A fresh peer D behind C, whose handshake C's link end swallows: A's call waits for a session.
    const d = newMesh();
    const toD = link(c, d).atA;
    toD.mangle = (bytes, packet) => (isSessionBetween(packet, a.id, d.id) ? [] : [bytes]);
    await waitFor(() => a.router.isReachable(d.id), 5000, 'A to reach D');
    serveEcho(d);
    const waiting = a.node.ref({ node: d.id, local: ECHO }, Echo).call('echo', { text: 'never' }, { timeout: 10_000 });
    await waitFor(() => a.router.stats.held > 0, 1000, 'the call to wait for a session');
    const started = performance.now();
    await a.close();
    const error = (await within(waiting.catch((e: GlowError) => e), 1000)) as GlowError;
    expect(error.code).not.toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(a.router.stats.held).toBe(0);
    expect(a.router.stats.dropped.closed).toBeGreaterThan(0);
  });

  it('and a node started again with the same key opens new ones: nothing of the old sessions survives', async () => {
    const { a, r, c, echo } = await line();
    await expect(within(echo.call('echo', { text: 'x' }))).resolves.toBe('echo x');
    const identity = a.identity;
    await a.close();
    const responsesBefore = sessionsOf(c).responses;
    const a2 = newMesh({ identity });
    link(a2, r);
    await waitFor(() => a2.router.route(c.id)?.nextHop === r.id, 5000, 'the new A to reach C');
    await expect(within(a2.node.ref({ node: c.id, local: ECHO }, Echo).call('echo', { text: 'again' }), 3000)).resolves.toBe('echo again');
    expect(sessionsOf(a2).initiations + sessionsOf(c).initiations).toBeGreaterThanOrEqual(1);
    expect(sessionsOf(c).responses + sessionsOf(a2).responses).toBeGreaterThan(responsesBefore);
  });
});
