/**
 * The `glow` command's exit codes, in one place: `glow --help` prints {@link EXIT_CODES_HELP} and
 * the README copies it. `glow daemon`'s own start failures (apps/daemon/errors.ts) keep their
 * numbers; the client commands add theirs after them, so that one number never means two things.
 * Scripts may rely on them: a new failure kind gets a new number, never a reused one.
 */
import { HTTP_STATUS } from '../control.js';
import { EXIT_CODES as DAEMON_EXIT_CODES } from '../errors.js';

/** Every exit code the CLI uses, by name. */
export const EXIT = Object.freeze({
  /** The command did what it was asked (for `monitor`: the resource went DOWN, whatever the reason). */
  ok: DAEMON_EXIT_CODES.ok,
  /** The daemon answered with a Glow error code (noproc, badarg, timeout, …), or an unexpected failure. */
  failed: DAEMON_EXIT_CODES.failed,
  /** Usage error: unknown command or option, a missing or malformed argument, malformed JSON, a bad config.json. */
  usage: DAEMON_EXIT_CODES.usage,
  /** The home directory cannot be used: not a directory, unreadable, or a corrupt file in it. */
  badHome: DAEMON_EXIT_CODES.home,
  /** `glow daemon`: another daemon already runs with that home. */
  running: DAEMON_EXIT_CODES.running,
  /** `glow daemon`: an address given explicitly is in use or cannot be bound. */
  address: DAEMON_EXIT_CODES.address,
  /** No daemon: none runs for that home, its daemon.json is stale, or it cannot be reached in time. */
  noDaemon: 6,
  /** Unauthorized: no control token, or the daemon refused it. */
  unauthorized: 7,
} as const);

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each exit code means, in order, as `glow --help` and the README list them. */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT.ok, 'ok (monitor: the resource went DOWN, whatever the reason; daemon: it stopped cleanly)'],
  [EXIT.failed, 'the operation failed: the daemon answered with a Glow error code (printed), or an unexpected failure'],
  [EXIT.usage, 'usage error: unknown command or option, missing or malformed argument, malformed JSON, bad config.json'],
  [EXIT.badHome, 'the home directory cannot be used: not a directory, unreadable, or a corrupt file in it'],
  [EXIT.running, 'daemon: another daemon already runs with that home'],
  [EXIT.address, 'daemon: an address given explicitly is in use or cannot be bound'],
  [EXIT.noDaemon, 'no daemon: none runs for that home, daemon.json is stale, or it cannot be reached in time'],
  [EXIT.unauthorized, 'unauthorized: no control token, or the daemon refused it'],
];

/** The exit-code table as `glow --help` prints it. */
export const EXIT_CODES_HELP = `Exit codes:\n${EXIT_CODE_TABLE.map(([code, meaning]) => `  ${code}  ${meaning}`).join('\n')}`;

/**
 * A failure the CLI reports as one line on stderr and an exit code. `code` is the Glow error
 * code (or `unauthorized`) when the daemon gave one.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The exit code for an error code the daemon answered with. */
export function exitCodeForControlError(code: string): ExitCode {
  if (code === 'unauthorized') return EXIT.unauthorized;
  return EXIT.failed;
}

/**
 * The exit code for an HTTP answer that carried no Glow error body: 401/403 are the daemon (or
 * something in front of it) refusing us; anything else means the URL is not a Glow daemon.
 */
export function exitCodeForHttpStatus(status: number): ExitCode {
  if (status === HTTP_STATUS.unauthorized || status === HTTP_STATUS.denied) return EXIT.unauthorized;
  return EXIT.noDaemon;
}
