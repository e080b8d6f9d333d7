/**
 * Pairing a device with no keys to copy: `glow invite` on a device of the user prints a
 * one-time code, a link and the link's QR code; `glow join CODE|LINK` on the new device makes
 * its daemon a device of that user (pairing/ has the exchange).
 *
 * The QR code comes from `qrcode` (npm): a maintained, dependency-light encoder with a terminal
 * renderer, used widely enough that its output is scanned by every phone camera; drawing QR
 * codes by hand would mean writing Reed–Solomon coding and mask selection ourselves.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import QRCode from 'qrcode';
import type { FriendInviteValue } from '../../pairing/friendInvite.js';
import type { InviteValue, JoinedValue } from '../../pairing/pairingOps.js';
import { parseName, urlParser } from '../args.js';
import { control } from '../client.js';
import { findDaemon } from '../discovery.js';
import { duration, json } from '../format.js';
import { clientCommand, request, type CliIo, type ClientOptions } from './common.js';

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `10m`, `2h`, `1d` into ms. */
export function parseLifetime(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  const value = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(`expected a duration like 10m, 2h or 1d, got ${JSON.stringify(text)}`);
  return value;
}

/** `invite`: the code, the link, the QR code of the link, and how long it holds. */
export async function inviteView(value: InviteValue | FriendInviteValue, now = Date.now()): Promise<string> {
  const qr = await QRCode.toString(value.link, { type: 'utf8', errorCorrectionLevel: 'L', margin: 2 });
  const within = `within ${duration(Math.round((value.expires - now) / 1000) * 1000)}; ${value.tries} wrong codes end it.`;
  const friend = 'kind' in value && value.kind === 'friend';
  return [
    `code     ${value.code}`,
    `link     ${value.link}`,
    qr.trimEnd(),
    ...(friend
      ? [
          `One other user may become your friend${value.handle ? ` (${value.handle})` : ''} with it, ${within}`,
          'On one of their devices: glow friends add LINK (or glow friends add CODE --connect http://THIS-HOST:PORT) [--handle NAME].',
        ]
      : [
          `One ${(value as InviteValue).role} device may join with it, ${within}`,
          'On the new device: glow join LINK, or glow join CODE (found by mDNS on this network; else add --connect http://THIS-HOST:PORT), or open the link in its browser.',
        ]),
    '',
  ].join('\n');
}

/** `join`: who this daemon belongs to now. */
export function joinedView(value: JoinedValue): string {
  return [
    `joined   user ${value.user}`,
    `device   ${value.name} (${value.node}), ${value.roles.join(', ')}`,
    `inviter  ${value.inviter.name ? `${value.inviter.name} ` : ''}${value.inviter.node}, linking to ${value.inviter.link}`,
    ...(value.oldUserKey ? [`The old user key was moved to ${value.oldUserKey}.`] : []),
    '',
  ].join('\n');
}

/** Registers `invite` and `join`. */
export function registerPairingCommands(program: Command, io: CliIo): void {
  clientCommand(program.command('invite'))
    .description('a one-time invitation for a new device of this user (or, with --friend, for another user to become a friend): a code, a link and its QR code')
    .addOption(new Option('--role <role>', 'the new device\'s role').choices(['member', 'admin']).default('member'))
    .addOption(new Option('--friend', 'for another user to become a friend (glow friends add CODE|LINK on their device), not for a device').conflicts('role'))
    .addOption(new Option('--handle <name>', 'with --friend: what to call the friend').argParser(parseName).implies({ friend: true }))
    .option('--expires <duration>', 'how long the invitation holds (s, m, h, d)', parseLifetime, 10 * 60_000)
    .action(async (options: ClientOptions & { role: 'member' | 'admin'; expires: number; friend?: boolean; handle?: string }) => {
      const body = options.friend
        ? ({ op: 'inviteFriend', expires: options.expires, ...(options.handle ? { handle: options.handle } : {}) } as const)
        : ({ op: 'invite', role: options.role, expires: options.expires } as const);
      const value = (await control(await findDaemon(options, io.env), body)) as InviteValue | FriendInviteValue;
      io.stdout(options.json ? json(value) : await inviteView(value));
    });

  clientCommand(program.command('join'))
    .description("makes this daemon a device of the inviter's user, with the code or link of `glow invite`")
    .argument('<invitation>', 'the link, or the code (the inviter is found by mDNS, or give --connect)')
    .addOption(new Option('--connect <url>', "the inviter's HTTP address, for a bare code when mDNS does not find it").argParser(urlParser(['http:', 'https:'])))
    .action(async (invitation: string, options: ClientOptions & { connect?: string }) => {
      await request(io, options, { op: 'join', invitation, ...(options.connect ? { connect: options.connect } : {}) }, (value) => joinedView(value as JoinedValue), {
        // Up to 4 s looking for the inviter by mDNS, two OPAQUE steps (about half a second each)
        // and two round trips to the inviter.
        timeout: 30_000,
      });
    });
}
