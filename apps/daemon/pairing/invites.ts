/**
 * The inviter's open invitations. Creating one registers its secret as an OPAQUE password (the
 * daemon plays both roles of the registration, then forgets the secret: only the OPAQUE record
 * stays, which does not reveal it); a joiner then logs in with the code it typed.
 *
 * Every login start is a guess, counted before it is answered: after {@link MAX_TRIES} starts
 * without a finished pairing the invite is dead, the right code included. A finished pairing
 * uses the invite up at once. Invites live in memory only, so a restart ends them all: a used
 * or expired invite can never come back. Every refusal is `denied` with `details.reason`.
 */
import { GlowError } from '../../../src/firefly/errors.js';
import type { DeviceRole } from '../../../src/transport/certificate.js';
import { toBase64url } from '../../../src/transport/base64url.js';
import { MAX_TRIES, newInviteCode, type InviteCode } from './inviteCode.js';
import { KEY_STRETCHING, loadOpaque } from './pairingCrypto.js';

/** What an invitation is for: a new device of this user, or a friend (another user). */
export type InviteKind = 'device' | 'friend';

/** An open invitation, as the inviter keeps it. */
export interface Invite {
  readonly id: string;
  readonly kind: InviteKind;
  /** The new device's role (a friend invite: `member`, unused). */
  readonly role: DeviceRole;
  /** A friend invite: the handle the inviter gives the friend. */
  readonly handle?: string;
  /** ms since the epoch. */
  readonly expires: number;
  /** OPAQUE's registration record of the secret. */
  readonly record: string;
  /** Login starts so far. */
  tries: number;
}

/** A login between its start and its finish. */
interface PendingLogin {
  readonly invite: string;
  readonly state: string;
  readonly expires: number;
}

/** Options of {@link Invites}. */
export interface InvitesOptions {
  /** @default Date.now */
  now?: () => number;
  /** @default MAX_TRIES (3) */
  maxTries?: number;
  /**
   * How long a joiner has between a login's start and its finish, ms.
   * @default 60000
   */
  loginTimeout?: number;
}

/** Why a dead invite id is refused, kept so that a late joiner hears the real reason. */
type Death = 'invite used' | 'too many wrong codes' | 'invite expired';
/** Dead invite ids remembered (oldest forgotten first): enough for a person's invitations. */
const MAX_DEAD = 1024;

/** The open invitations of one daemon. */
export class Invites {
  private readonly open = new Map<string, Invite>();
  private readonly dead = new Map<string, Death>();
  private readonly logins = new Map<string, PendingLogin>();
  /**
   * Invites whose last allowed login is under way: dead for new starts, still finishable by the
   * login that spent the last try.
   */
  private readonly pending = new Map<string, Invite>();
  private readonly now: () => number;
  private readonly maxTries: number;
  private readonly loginTimeout: number;
  private serverSetup: string | undefined;

  constructor(options: InvitesOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxTries = options.maxTries ?? MAX_TRIES;
    this.loginTimeout = options.loginTimeout ?? 60_000;
  }

  /**
   * Opens an invitation for a device with `role` (or, with `friend`, for another user to become
   * a friend), valid for `lifetime` ms; answers its code.
   */
  async create(role: DeviceRole, lifetime: number, friend?: { handle?: string }): Promise<{ code: InviteCode; expires: number }> {
    const opaque = await loadOpaque();
    this.serverSetup ??= opaque.server.createSetup();
    const code = newInviteCode((id) => this.open.has(id) || this.dead.has(id));
    const started = opaque.client.startRegistration({ password: code.secret });
    const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup: this.serverSetup, userIdentifier: code.id, registrationRequest: started.registrationRequest });
    const { registrationRecord } = opaque.client.finishRegistration({
      password: code.secret,
      registrationResponse,
      clientRegistrationState: started.clientRegistrationState,
      keyStretching: KEY_STRETCHING,
    });
    const expires = this.now() + lifetime;
    const purpose = friend ? { kind: 'friend' as const, ...(friend.handle ? { handle: friend.handle } : {}) } : { kind: 'device' as const };
    this.open.set(code.id, { id: code.id, ...purpose, role, expires, record: registrationRecord, tries: 0 });
    return { code, expires };
  }

  /**
   * A joiner starts a login for invite `id`, saying what it came for (`kind`): one guess spent.
   * Answers the login's session id and OPAQUE's response. An invite of another kind is refused
   * before any guess (the invite id is public anyway): a device invite never makes a friend,
   * nor a friend invite a device.
   */
  async start(id: string, request: string, kind: InviteKind = 'device'): Promise<{ session: string; response: string }> {
    const invite = this.live(id);
    if (invite.kind !== kind) {
      throw new GlowError('denied', kind === 'friend' ? 'this is an invitation for a device: glow join takes it' : 'this is an invitation to become friends: glow friends add takes it', {
        reason: kind === 'friend' ? 'not a friend invite' : 'not a device invite',
      });
    }
    invite.tries++;
    if (invite.tries >= this.maxTries) this.bury(id, 'too many wrong codes', false);
    const opaque = await loadOpaque();
    let answer: { serverLoginState: string; loginResponse: string };
    try {
      answer = opaque.server.startLogin({ serverSetup: this.serverSetup!, registrationRecord: invite.record, startLoginRequest: request, userIdentifier: id });
    } catch {
      throw new GlowError('badarg', 'the login request is not an OPAQUE login start');
    }
    this.sweep();
    const session = toBase64url(crypto.getRandomValues(new Uint8Array(18)));
    this.logins.set(session, { invite: id, state: answer.serverLoginState, expires: this.now() + this.loginTimeout });
    return { session, response: answer.loginResponse };
  }

  /**
   * A joiner finishes its login: answers the shared session key and the invite, now used up.
   * `denied` when the finish does not verify (the joiner did not know the code).
   */
  async finish(session: string, finishRequest: string): Promise<{ sessionKey: string; invite: Invite }> {
    const login = this.logins.get(session);
    this.logins.delete(session);
    if (!login || login.expires <= this.now()) throw new GlowError('denied', 'no such login: start again', { reason: 'no such login' });
    const invite = this.pending.get(login.invite) ?? this.open.get(login.invite);
    if (!invite) throw refusal(this.dead.get(login.invite) ?? 'invite used');
    if (invite.expires <= this.now()) throw refusal('invite expired');
    const opaque = await loadOpaque();
    let sessionKey: string;
    try {
      ({ sessionKey } = opaque.server.finishLogin({ serverLoginState: login.state, finishLoginRequest: finishRequest }));
    } catch {
      throw new GlowError('denied', 'the login did not verify: wrong code', { reason: 'wrong code' });
    }
    // Used up before anything else happens: a second finish of this invite finds it dead.
    this.pending.delete(invite.id);
    this.bury(invite.id, 'invite used', true);
    for (const [other, pending] of this.logins) if (pending.invite === invite.id) this.logins.delete(other);
    return { sessionKey, invite };
  }

  /** Open invitations (not yet used, expired or dead). */
  list(): Invite[] {
    this.sweep();
    return [...this.open.values()];
  }

  private live(id: string): Invite {
    const death = this.dead.get(id);
    if (death) throw refusal(death);
    const invite = this.open.get(id);
    if (!invite) throw new GlowError('denied', 'no such invitation', { reason: 'no such invite' });
    if (invite.expires <= this.now()) {
      this.bury(id, 'invite expired', true);
      throw refusal('invite expired');
    }
    return invite;
  }

  /** Ends an invite for new logins; `final` also ends the login that spent its last try. */
  private bury(id: string, death: Death, final: boolean): void {
    const invite = this.open.get(id);
    this.open.delete(id);
    if (!final && invite) this.pending.set(id, invite);
    if (final) this.pending.delete(id);
    this.dead.set(id, death);
    if (this.dead.size > MAX_DEAD) this.dead.delete(this.dead.keys().next().value!);
  }

  /** Forgets expired logins and invites. */
  private sweep(): void {
    const now = this.now();
    for (const [session, login] of this.logins) if (login.expires <= now) this.logins.delete(session);
    for (const [id, invite] of this.open) if (invite.expires <= now) this.bury(id, 'invite expired', true);
    for (const [id, invite] of this.pending) if (invite.expires <= now) this.pending.delete(id);
  }
}

const DEATHS: Readonly<Record<Death, string>> = {
  'invite used': 'this invitation was used already',
  'invite expired': 'this invitation has expired',
  'too many wrong codes': 'this invitation died after too many wrong codes',
};

function refusal(death: Death): GlowError {
  return new GlowError('denied', DEATHS[death], { reason: death });
}
