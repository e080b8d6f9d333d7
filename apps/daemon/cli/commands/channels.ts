/**
 * Channels (`glow spawn channel --name NAME`): `pub` publishes one message, `sub` prints the
 * messages as they come, each with its offset, so a subscriber that stops can resume with
 * `--from LAST+1` and miss nothing the channel still holds.
 */
import type { Command } from 'commander';
import { parseCount, parseJsonArgument, parseName } from '../args.js';
import { channelItemView } from '../views.js';
import { clientCommand, request, type CliIo, type ClientOptions } from './common.js';
import { printStream } from './streams.js';

/** Registers `pub` and `sub`. */
export function registerChannelCommands(program: Command, io: CliIo): void {
  clientCommand(program.command('pub'))
    .description('publish a message (one JSON document) to a channel and print its offset')
    .argument('<channel>', 'a channel: registered name or ref', parseName)
    .argument('<message_json>', 'the message, as JSON', parseJsonArgument)
    .action(async (channel: string, message: unknown, options: ClientOptions) => {
      await request(io, options, { op: 'call', ref: channel, method: 'publish', args: { message } }, (offset) => `${String(offset)}\n`);
    });

  clientCommand(program.command('sub'))
    .description('print the messages of a channel as they come: "OFFSET MESSAGE_JSON" per line (Ctrl-C stops)')
    .argument('<channel>', 'a channel: registered name or ref', parseName)
    .option('--from <offset>', 'start at this offset (replayed from the channel\'s history), e.g. the last one seen + 1', parseCount)
    .option('--drop-oldest', 'when this subscriber falls behind, drop its oldest messages (reported) instead of holding publishers back')
    .option('--count <n>', 'stop after this many messages', parseCount)
    .action(async (channel: string, options: ClientOptions & { from?: number; dropOldest?: boolean; count?: number }) => {
      await printStream(
        io,
        options,
        { op: 'subscribe', channel, ...(options.from === undefined ? {} : { from: options.from }), ...(options.dropOldest ? { policy: 'dropOldest' as const } : {}) },
        channelItemView,
        options.count,
      );
    });
}

