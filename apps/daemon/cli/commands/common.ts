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
}

/** Adds the daemon-finding options and `--json` to a client command. */
export function clientCommand(command: Command): Command {
  return command
    .option('--home <dir>', 'the daemon\'s home directory (default: $GLOW_HOME, else ~/.glow)')
    .addOption(new Option('--daemon <url>', 'talk to the daemon at this http(s) URL instead of looking in a home').argParser(urlParser(['http:', 'https:'])))
    .option('--token <token>', 'control token for --daemon (default: $GLOW_TOKEN)')
    .option('--json', 'print the raw answer as one JSON document');
}

/**
 * Finds the daemon, sends `request`, and prints the answer: `render(value)` for humans, the raw
 * value as JSON with `--json`. Failures throw a CliError (the caller prints it and exits).
 */
export async function request(
  io: CliIo,
  options: ClientOptions,
  body: ControlRequest,
  render: (value: unknown) => string,
  controlOptions: ControlOptions = {},
): Promise<unknown> {
  const target = await findDaemon(options, io.env);
  const value = await control(target, body, controlOptions);
  io.stdout(options.json ? json(value) : render(value));
  return value;
}
