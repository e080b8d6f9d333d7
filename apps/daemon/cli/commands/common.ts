/**
 * What every client command shares: the options that find the daemon (`--home`, `--daemon`,
 * `--token`), `--json`, and one function that sends the request and prints the answer.
 */
import { Option, type Command } from 'commander';
import type { ControlRequest } from '../../control.js';
import { urlParser } from '../args.js';
import { control, type ControlOptions } from '../client.js';
import { findDaemon, type DiscoveryOptions } from '../discovery.js';
import { json } from '../format.js';
import type { ViewOptions } from '../views.js';

/** Where the CLI writes, and the environment it reads (injectable for tests). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Where bytes go (`glow cat`): the process's stdout; without it, bytes are written as UTF-8 text. */
  stdoutBytes?: (bytes: Uint8Array) => Promise<void>;
  /** True when stdout is a terminal (`job watch` then redraws progress bars in place). */
  isTTY?: boolean;
}

/** The options of every client command, as commander hands them over. */
export interface ClientOptions extends DiscoveryOptions {
  json?: boolean;
  ids?: boolean;
}

/** Adds the daemon-finding options, `--json` and `--ids` to a client command. */
export function clientCommand(command: Command): Command {
  return command
    .option('--home <dir>', 'the daemon\'s home directory (default: $GLOW_HOME, else ~/.glow)')
    .addOption(new Option('--daemon <url>', 'talk to the daemon at this http(s) URL instead of looking in a home').argParser(urlParser(['http:', 'https:'])))
    .option('--token <token>', 'control token for --daemon (default: $GLOW_TOKEN)')
    .option('--json', 'print the raw answer as one JSON document')
    .option('--ids', 'show nodes and resources by their full ids rather than device names');
}

/** What a human view is rendered with: `--ids`, and the daemon's device names (see {@link viewOptions}). */
export type Render = (value: unknown, view: ViewOptions) => string;

/**
 * How views show nodes: by the device names the daemon knows (one more request, skipped with
 * `--ids` or `--json`, and left out if the daemon cannot answer it), or by full ids.
 */
export async function viewOptions(target: Parameters<typeof control>[0], options: ClientOptions): Promise<ViewOptions> {
  if (options.ids) return { ids: true };
  if (options.json) return {};
  const names = await control(target, { op: 'names' }).catch(() => ({}));
  return { names: typeof names === 'object' && names !== null ? (names as Record<string, string>) : {} };
}

/**
 * Finds the daemon, sends `request`, and prints the answer: `render(value, view)` for humans,
 * the raw value as JSON with `--json`. Failures throw a CliError (the caller prints it and exits).
 */
export async function request(io: CliIo, options: ClientOptions, body: ControlRequest, render: Render, controlOptions: ControlOptions = {}): Promise<unknown> {
  const target = await findDaemon(options, io.env);
  const value = await control(target, body, controlOptions);
  io.stdout(options.json ? json(value) : render(value, { ids: options.ids === true }));
  return value;
}

/** {@link request} for an answer that names nodes: they show by device name (see {@link viewOptions}). */
export async function requestNamed(io: CliIo, options: ClientOptions, body: ControlRequest, render: Render): Promise<unknown> {
  const target = await findDaemon(options, io.env);
  // The names first: the request itself is the last one the daemon sees, as with `request`.
  const view = await viewOptions(target, options);
  const value = await control(target, body);
  io.stdout(options.json ? json(value) : render(value, view));
  return value;
}
