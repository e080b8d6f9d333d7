/**
 * Commands about other people: `friends` (who may link to this user's devices), `share`,
 * `grants` and `revoke` (what of ours another user may reach).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { publicKeyOf } from '../../../../src/transport/identity.js';
import { parseDuration, parseName, parseNode, urlParser } from '../args.js';
import { friendsView, friendView, grantsView, publicLinkRevokedView, publicLinksView, publicLinkView, revokedView, sharedView } from '../sharingViews.js';
import { clientCommand, request, type CliIo, type ClientOptions } from './common.js';

interface ShareOptions extends ClientOptions {
  with?: string;
  public?: boolean;
  read?: boolean;
  write?: boolean;
  methods?: string;
  expires?: number;
  delegate?: boolean;
}

function methodList(text: string): string[] {
  const methods = text.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (methods.length === 0 || methods.some((m) => !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(m))) throw new InvalidArgumentError(`expected method names separated by commas, got ${JSON.stringify(text)}`);
  return methods;
}

/** Registers `friends`, `share`, `grants` and `revoke`. */
export function registerSharingCommands(program: Command, io: CliIo): void {
  const friends = program.command('friends').description('users whose devices may link to yours: list, add, remove');
  clientCommand(friends.command('ls', { isDefault: true }))
    .description('your friends: handle, user id, their devices online')
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'friends' }, friendsView);
    });
  clientCommand(friends.command('add'))
    .description(
      "makes a user a friend, by their user id (glow whoami on one of their devices) or by the code or link of their glow invite --friend (then you become theirs too): their devices may link to yours; they reach only what you share",
    )
    .argument('<user|invite>', 'their user id, or the code or link of their invitation', parseNode)
    .option('--handle <name>', 'what to call them (names in their namespace read handle/name)', parseName)
    .addOption(new Option('--connect <url>', "the inviter's HTTP address, for a bare code").argParser(urlParser(['http:', 'https:'])))
    .action(async (user: string, options: ClientOptions & { handle?: string; connect?: string }) => {
      const handle = options.handle ? { handle: options.handle } : {};
      if (publicKeyOf(user) && !options.connect) {
        await request(io, options, { op: 'addFriend', user, ...handle }, friendView('added'));
        return;
      }
      // An invitation: the OPAQUE exchange with the inviter (two slow steps and two round trips).
      await request(io, options, { op: 'befriend', invitation: user, ...(options.connect ? { connect: options.connect } : {}), ...handle }, friendView('added'), { timeout: 30_000 });
    });
  clientCommand(friends.command('remove'))
    .description("ends a friendship: their devices' links are cut and refused from now on")
    .argument('<user>', 'their user id or handle', parseNode)
    .action(async (user: string, options: ClientOptions) => {
      await request(io, options, { op: 'removeFriend', user }, friendView('removed'));
    });

  // `share links --home X`: options after a subcommand's name are the subcommand's (see program.ts).
  const share = clientCommand(program.command('share').enablePositionalOptions())
    .description('lets a friend reach one of your resources (or a path in an export) through a signed grant, or anyone through a public link (--public)')
    .argument('<ref>', 'a name, a glow:// URI with a path (glow://docs/2026/) or a resource id')
    .option('--with <user>', "the friend: a handle, a user id, or one of their devices' node id", parseNode)
    .option('--public', 'a link anyone who reaches this daemon opens without an account: a file or folder of an export, read only')
    .option('--read', 'reading only (the default)')
    .option('--write', 'reading and changing')
    .option('--methods <a,b>', 'these methods (besides --read or --write if given)')
    .option('--expires <duration>', 'how long it holds: 10m, 12h, 7d (default 30d for a grant, 7d for a public link)', parseDuration)
    .option('--delegate', 'they may pass on a narrower grant')
    .action(async (ref: string, options: ShareOptions) => {
      if (options.public) {
        if (options.with || options.write || options.methods || options.delegate) throw new InvalidArgumentError('a public link is read only and for anyone: no --with, --write, --methods or --delegate');
        await request(io, options, { op: 'publicLink', ref, ...(options.expires ? { expires: options.expires } : {}) }, (value) => publicLinkView(value));
        return;
      }
      if (!options.with) throw new InvalidArgumentError('share with whom? --with USER, or --public for a link anyone may open');
      if (options.read && options.write) throw new InvalidArgumentError('--read or --write, not both');
      const methods = options.methods ? methodList(options.methods) : undefined;
      const access = options.write ? 'write' : options.read || !methods ? 'read' : undefined;
      await request(
        io,
        options,
        {
          op: 'share',
          ref,
          with: options.with,
          ...(access ? { access } : {}),
          ...(methods ? { methods } : {}),
          ...(options.expires ? { expires: options.expires } : {}),
          ...(options.delegate ? { delegate: true } : {}),
        },
        (value) => sharedView(value),
      );
    });
  clientCommand(share.command('links'))
    .description('the public links that still hold: id, what they open, expiry (their URLs were shown once)')
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'publicLinks' }, (value) => publicLinksView(value));
    });
  clientCommand(share.command('revoke'))
    .description('ends a public link at once')
    .argument('<link>', 'its id (glow share links), or its URL')
    .action(async (link: string, options: ClientOptions) => {
      await request(io, options, { op: 'revokePublicLink', link }, publicLinkRevokedView);
    });

  clientCommand(program.command('grants'))
    .description('grants you gave and grants given to you: id, user, what, abilities, expiry')
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'grants' }, (value) => grantsView(value));
    });

  clientCommand(program.command('revoke'))
    .description('takes back a grant you gave (and everything delegated from it), on every node within seconds')
    .argument('<grant>', 'the grant id, or a unique beginning of it')
    .action(async (grant: string, options: ClientOptions) => {
      await request(io, options, { op: 'revoke', grant }, revokedView);
    });
}
