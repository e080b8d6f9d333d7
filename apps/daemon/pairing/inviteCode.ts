/**
 * The invitation a person types or opens: a short code `xxxx-xxxx-xxxx` and a link
 * `http://HOST:PORT/join#CODE`. The first group names the invite (public: it only picks which
 * invite the inviter checks against); the other eight characters are the secret, 40 bits, used
 * as the OPAQUE password (pairingCrypto.ts). 40 bits is plenty because nobody can test guesses
 * offline — OPAQUE makes every guess a round trip to the inviter — and the inviter allows
 * {@link MAX_TRIES} of those. Browser-safe: the web app's Join screen reads codes too.
 */
import { GlowError } from '../../../src/firefly/errors.js';

/** Crockford's base32: no i, l, o, u, so a code read aloud or from a screen is not misread. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ID_LENGTH = 4;
const SECRET_LENGTH = 8;

/** How many logins an invite allows before it dies (the right code's included). */
export const MAX_TRIES = 3;

/** A code split into its parts. */
export interface InviteCode {
  /** Which invite (public). */
  readonly id: string;
  /** The secret (the OPAQUE password). */
  readonly secret: string;
}

/** Random characters of the alphabet (32 divides 256: no modulo bias). */
function randomText(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((byte) => ALPHABET[byte & 31]).join('');
}

/** A fresh code; `taken` rejects invite ids already in use. */
export function newInviteCode(taken: (id: string) => boolean = () => false): InviteCode {
  let id = randomText(ID_LENGTH);
  while (taken(id)) id = randomText(ID_LENGTH);
  return { id, secret: randomText(SECRET_LENGTH) };
}

/** The code as people see it: `xxxx-xxxx-xxxx`. */
export function formatInviteCode(code: InviteCode): string {
  return `${code.id}-${code.secret.slice(0, 4)}-${code.secret.slice(4)}`;
}

/**
 * Reads a typed code: case, spaces and dashes do not matter, and the letters people confuse
 * with digits (i, l → 1; o → 0) are read as the digits. `badarg` when it is not a code.
 */
export function parseInviteCode(text: string): InviteCode {
  const plain = text
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/[il]/g, '1')
    .replace(/o/g, '0');
  if (plain.length !== ID_LENGTH + SECRET_LENGTH || ![...plain].every((char) => ALPHABET.includes(char))) {
    throw new GlowError('badarg', 'an invitation code is 12 letters and digits, like 7k2m-4xq9-p3ve');
  }
  return { id: plain.slice(0, ID_LENGTH), secret: plain.slice(ID_LENGTH) };
}

/** The link that opens the web app's Join screen with the code filled in. */
export function inviteLink(httpBase: string, code: InviteCode): string {
  return `${httpBase.replace(/\/+$/, '')}/join#${formatInviteCode(code)}`;
}

/**
 * Reads a code or a link: a link gives the inviter's HTTP address as well. `badarg` for
 * anything else.
 */
export function parseInvitation(text: string): { code: InviteCode; inviter?: string } {
  const trimmed = text.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new GlowError('badarg', `not a link: ${trimmed}`);
    }
    if (url.pathname !== '/join' || url.hash.length < 2) throw new GlowError('badarg', 'an invitation link looks like http://HOST:PORT/join#CODE');
    return { code: parseInviteCode(decodeURIComponent(url.hash.slice(1))), inviter: url.origin };
  }
  return { code: parseInviteCode(trimmed) };
}
