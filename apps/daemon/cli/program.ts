/**
 * The `glow` command line: one commander program, one file per command group, and the single
 * place where every failure becomes one line on stderr and an exit code (see exitCodes.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { errorMessage } from '../../../src/firefly/errors.js';
import { shieldNodeIds } from './args.js';
import { registerChannelCommands } from './commands/channels.js';
import { registerDaemonCommands } from './commands/daemon.js';
import { registerFileCommands } from './commands/files.js';
import { registerJobCommands } from './commands/jobs.js';
import { registerSyncCommands } from './commands/sync.js';
import type { CliIo } from './commands/common.js';
import { registerMeshCommands } from './commands/mesh.js';
import { registerOpenCommand } from './commands/open.js';
import { registerPairingCommands } from './commands/pairing.js';
import { registerProcessCommands } from './commands/processes.js';
import { registerResourceCommands } from './commands/resources.js';
import { registerSharingCommands } from './commands/sharing.js';
import { registerTokenCommands } from './commands/tokens.js';
import { registerExportCommands } from './commands/exports.js';
import { registerSignalingCommand } from './commands/signaling.js';
import { CliError, EXIT, EXIT_CODES_HELP, type ExitCode } from './exitCodes.js';
import { brief, oneLine } from './format.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    stdoutBytes: (bytes) => new Promise<void>((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()))),
  };
}

/**
 * Builds the program. Commander never exits the process itself: errors come back as exceptions
 * (subcommands inherit exitOverride and the output configuration when they are created).
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('glow')
    .description('Drive a Glow daemon: the node that links your devices into one mesh of addressable, supervised resources.')
    .version(VERSION, '-V, --version')
    .addHelpText(
      'after',
      `
REF is a resource id, a glow:// URI or a registered name. A client command finds its daemon through
--home DIR (default $GLOW_HOME, else ~/.glow) or --daemon URL with --token (default $GLOW_TOKEN).
Errors are one line on stderr (with --json: one JSON object {code, message, details?}).

${EXIT_CODES_HELP}
`,
    )
    .showSuggestionAfterError(true)
    // A command with subcommands of its own (`share` and `share links`) leaves the options after
    // a subcommand's name to it: commander needs this on the program for that.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // Commander's own errors (unknown command, bad option value, …) are printed by runCli.
      outputError: () => undefined,
    });
  registerDaemonCommands(program, io);
  registerOpenCommand(program, io);
  registerMeshCommands(program, io);
  registerSharingCommands(program, io);
  registerTokenCommands(program, io);
  registerExportCommands(program, io);
  registerPairingCommands(program, io);
  registerResourceCommands(program, io);
  registerProcessCommands(program, io);
  registerFileCommands(program, io);
  registerChannelCommands(program, io);
  registerJobCommands(program, io);
  registerSyncCommands(program, io);
  // Every command's --help ends with the exit codes (signaling's help is the server's own).
  for (const command of program.commands) command.addHelpText('after', `\n${EXIT_CODES_HELP}\n`);
  registerSignalingCommand(program, io);
  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script paths) and resolves with the exit code.
 * Nothing is thrown: every failure is reported on `io.stderr` as one line.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const program = buildProgram(io);
  const asJson = argv.includes('--json');
  const command = commandName(program, argv);
  try {
    await program.parseAsync(shieldNodeIds(argv), { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    const failure = toCliError(error);
    if (failure.message) io.stderr(errorLine(failure, command, asJson));
    return failure.exitCode;
  }
}

/** The subcommand `argv` names, for the `glow <command>:` prefix of error lines. */
function commandName(program: Command, argv: readonly string[]): string {
  const first = argv.find((arg) => !arg.startsWith('-'));
  return first && program.commands.some((command) => command.name() === first) ? `glow ${first}` : 'glow';
}

/** Any failure as a CliError: commander's errors are usage errors (or a clean exit after --help). */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof CommanderError) {
    // --help and --version end the same way as an error does; they are successes.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return new CliError(EXIT.ok, '');
    const message = error.code === 'commander.help' ? 'missing command (see glow --help)' : `${error.message.replace(/^error: /, '')} (see --help)`;
    return new CliError(EXIT.usage, message);
  }
  return new CliError(EXIT.failed, errorMessage(error));
}

/** The one line a failure prints: `glow call: noproc: no resource …`, or JSON with --json. */
export function errorLine(error: CliError, command: string, asJson: boolean): string {
  if (asJson) {
    const body: Record<string, unknown> = { code: error.code ?? exitName(error.exitCode), message: oneLine(error.message) };
    if (error.details !== undefined) body.details = error.details;
    return `${JSON.stringify(body)}\n`;
  }
  const code = error.code ? `${error.code}: ` : '';
  return `${command}: ${code}${oneLine(error.message)}${issueSuffix(error.details)}\n`;
}

/** For `badarg`: where the first validation issue is (`[at by]`), when the daemon said. */
function issueSuffix(details: unknown): string {
  const issues = (details as { issues?: unknown } | null | undefined)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return '';
  const path = (issues[0] as { path?: unknown }).path;
  if (!Array.isArray(path) || path.length === 0) return '';
  return ` [at ${oneLine(path.map((segment) => brief(segment)).join('.'))}]`;
}

function exitName(code: ExitCode): string {
  const entry = Object.entries(EXIT).find(([, value]) => value === code);
  return entry ? entry[0] : 'failed';
}
