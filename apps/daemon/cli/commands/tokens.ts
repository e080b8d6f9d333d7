/**
 * `glow token create|ls|revoke`: app passwords for operating systems' WebDAV clients (Finder,
 * Windows Explorer, GNOME Files, rclone), which log in to `/dav/` with Basic auth.
 */
import type { Command } from 'commander';
import { parseName } from '../args.js';
import { tokenCreatedView, tokenRevokedView, tokensView } from '../sharingViews.js';
import { clientCommand, request, type CliIo, type ClientOptions } from './common.js';

/** Registers `token`. */
export function registerTokenCommands(program: Command, io: CliIo): void {
  const token = program.command('token').description('app passwords for WebDAV clients (mount the mesh in a file manager): create, ls, revoke');
  clientCommand(token.command('create'))
    .description('a new app password: shown once, with the URL to mount')
    .requiredOption('--name <name>', 'what it is for (laptop-finder): the user name it logs in with', parseName)
    .option('--read-only', 'reading only')
    .option('--export <name>', 'this export only')
    .action(async (options: ClientOptions & { name: string; readOnly?: boolean; export?: string }) => {
      await request(io, options, { op: 'createToken', name: options.name, ...(options.readOnly ? { readOnly: true } : {}), ...(options.export ? { export: options.export } : {}) }, tokenCreatedView);
    });
  clientCommand(token.command('ls', { isDefault: true }))
    .description('the app passwords: name, what they may do (never the passwords)')
    .action(async (options: ClientOptions) => {
      await request(io, options, { op: 'tokens' }, tokensView);
    });
  clientCommand(token.command('revoke'))
    .description('ends an app password at once')
    .argument('<name>', 'its name or id')
    .action(async (name: string, options: ClientOptions) => {
      await request(io, options, { op: 'revokeToken', token: name }, tokenRevokedView);
    });
}
