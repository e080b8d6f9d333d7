/**
 * Commands about processes: `spawn`, `kill`, `monitor`, `tree`.
 */
import type { Command } from 'commander';
import { parseJsonArgument, parseMilliseconds, parseName, parseNode } from '../args.js';
import { REPLY_MARGIN } from '../client.js';
import { downView, killView, spawnView, treeView } from '../views.js';
import { clientCommand, request, requestNamed, type CliIo, type ClientOptions } from './common.js';

/** How long `monitor` waits for an immediate answer before it says it is monitoring, in ms. */
const MONITOR_NOTICE_DELAY = 100;

/** Registers `spawn`, `kill`, `monitor` and `tree`. */
export function registerProcessCommands(program: Command, io: CliIo): void {
  clientCommand(program.command('spawn'))
    .description('start a process of a registered KIND (here, or on another node with --on) and print its ref')
    .argument('<kind>', 'process kind, e.g. counter', parseName)
    .argument('[args_json]', 'the start arguments as one JSON document', parseJsonArgument)
    .option('--on <node>', 'start it on this node (a device name or node id) instead of this daemon', parseNode)
    .option('--name <name>', 'register the process under this name', parseName)
    .option('--persist', 'record it in the home, so the daemon starts it again after a restart')
    .action(async (kind: string, args: unknown, options: ClientOptions & { on?: string; name?: string; persist?: boolean }) => {
      await request(
        io,
        options,
        {
          op: 'spawn',
          kind,
          ...(args !== undefined ? { args } : {}),
          ...(options.on !== undefined ? { on: options.on } : {}),
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.persist ? { persist: true } : {}),
        },
        spawnView,
      );
    });

  clientCommand(program.command('kill'))
    .description('end a process or resource (a --persist process is forgotten too) and print how it ended')
    .argument('<ref>', 'resource id, glow:// URI or registered name', parseName)
    .action(async (ref: string, options: ClientOptions) => {
      await request(io, options, { op: 'kill', ref }, (value) => killView(value, ref));
    });

  clientCommand(program.command('monitor'))
    .description('wait until a resource ends and print its DOWN reason (e.g. DOWN noconnection)')
    .argument('<ref>', 'resource id, glow:// URI or registered name', parseName)
    .option('--timeout <ms>', 'give up after this long (exit 1, code timeout; default: wait forever)', parseMilliseconds)
    .action(async (ref: string, options: ClientOptions & { timeout?: number }) => {
      // Once the daemon has held the request for a moment (it refuses an unknown ref at once),
      // say on stderr that we are waiting: stdout keeps only the DOWN line, and a script (or a
      // test) knows the monitor is in place.
      let notice: ReturnType<typeof setTimeout> | undefined;
      try {
        await request(io, options, { op: 'monitor', ref, ...(options.timeout ? { timeout: options.timeout } : {}) }, downView, {
          timeout: options.timeout ? options.timeout + REPLY_MARGIN : null,
          onSent: () => {
            if (!options.json) notice = setTimeout(() => io.stderr(`monitoring ${ref}\n`), MONITOR_NOTICE_DELAY);
          },
        });
      } finally {
        clearTimeout(notice);
      }
    });

  clientCommand(program.command('tree'))
    .description("the supervision tree of this daemon, or of NODE: processes indented under their supervisor")
    .argument('[node]', 'a device name or node id (default: this daemon)', parseNode)
    .action(async (node: string | undefined, options: ClientOptions) => {
      await requestNamed(io, options, { op: 'tree', ...(node !== undefined ? { node } : {}) }, treeView);
    });
}
