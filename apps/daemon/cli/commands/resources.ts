/**
 * Commands about resources anywhere in the mesh: `ls`, `describe`, `call`, `stream`. REF is a resource
 * id, a `glow://` URI or a registered name; the daemon resolves it.
 */
import type { Command } from 'commander';
import { parseCount, parseJsonArgument, parseMilliseconds, parseName, parseNode } from '../args.js';
import { REPLY_MARGIN } from '../client.js';
import { printStream } from './streams.js';
import { CliError, EXIT } from '../exitCodes.js';
import { describeView, resourcesView, resultView } from '../views.js';
import { clientCommand, request, requestNamed, type CliIo, type ClientOptions } from './common.js';

/** The call timeout the daemon applies when none is given (README: default 5 s). */
const DEFAULT_CALL_TIMEOUT = 5000;

/** Registers `ls`, `describe`, `call` and `stream`. */
export function registerResourceCommands(program: Command, io: CliIo): void {
  clientCommand(program.command('ls'))
    .description("list resources: this daemon's, NODE's, or every reachable node's with --all")
    .argument('[node]', 'a device name or node id (default: this daemon)', parseNode)
    .option('--all', 'every node the daemon can reach')
    .action(async (node: string | undefined, options: ClientOptions & { all?: boolean }) => {
      if (node !== undefined && options.all) throw new CliError(EXIT.usage, 'give either NODE or --all, not both');
      await requestNamed(io, options, { op: 'ls', ...(node !== undefined ? { node } : {}), ...(options.all ? { all: true } : {}) }, resourcesView);
    });

  clientCommand(program.command('describe'))
    .description("a resource's interface: its methods, casts and streams with their argument and result types")
    .argument('<ref>', 'resource id, glow:// URI or registered name', parseName)
    .action(async (ref: string, options: ClientOptions) => {
      await request(io, options, { op: 'describe', ref }, describeView);
    });

  clientCommand(program.command('call'))
    .description('call METHOD on a resource and print the result (on error: the code and message, exit 1)')
    .argument('<ref>', 'resource id, glow:// URI or registered name', parseName)
    .argument('<method>', 'method name', parseName)
    .argument('[args_json]', 'the arguments as one JSON document (default: {})', parseJsonArgument)
    .option('--timeout <ms>', 'call timeout (default: 5000)', parseMilliseconds)
    .action(async (ref: string, method: string, args: unknown, options: ClientOptions & { timeout?: number }) => {
      await request(
        io,
        options,
        { op: 'call', ref, method, args: args === undefined ? {} : args, ...(options.timeout ? { timeout: options.timeout } : {}) },
        resultView,
        // The daemon answers `timeout` itself when the call times out; wait a little longer than that.
        { timeout: (options.timeout ?? DEFAULT_CALL_TIMEOUT) + REPLY_MARGIN },
      );
    });

  clientCommand(program.command('stream'))
    .description('open a stream member of a resource and print each item as it arrives, until the stream ends (or --count items, or Ctrl-C)')
    .argument('<ref>', 'resource id, glow:// URI or registered name', parseName)
    .argument('<method>', 'stream member name', parseName)
    .argument('[args_json]', 'the arguments as one JSON document (default: {})', parseJsonArgument)
    .option('--count <n>', 'stop after this many items', parseCount)
    .action(async (ref: string, method: string, args: unknown, options: ClientOptions & { count?: number }) => {
      await printStream(io, options, { op: 'stream', ref, method, args: args === undefined ? {} : args }, resultView, options.count);
    });
}
