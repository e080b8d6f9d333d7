/**
 * Why a daemon could not start (or had to stop), each with the exit status the process ends
 * with. The message is one line meant for a person; `main.ts` / `runDaemon` print it as
 * `glow daemon: <message>` on stderr and exit with {@link EXIT_CODES}[kind].
 */

/** Exit statuses of a daemon process. Stable: scripts and the CLI may match on them. */
export const EXIT_CODES = Object.freeze({
  /** Stopped cleanly (SIGTERM, SIGINT or the `stop` control request). */
  ok: 0,
  /** An unexpected failure (a bug, or a shutdown that had to be forced after its bound). */
  failed: 1,
  /** A bad flag or `DIR/config.json` (unknown key, wrong type, malformed HOST:PORT), or a plugin that does not load. */
  usage: 2,
  /** The home directory cannot be used: not creatable or readable, or its key file is corrupt or unreadable. */
  home: 3,
  /** Another daemon is running with the same home directory. */
  running: 4,
  /** An address given explicitly is in use or cannot be bound. */
  address: 5,
} as const);

/** A kind of start failure (a key of {@link EXIT_CODES}). */
export type DaemonErrorKind = Exclude<keyof typeof EXIT_CODES, 'ok'>;

/** A start failure with its exit status. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  constructor(
    readonly kind: DaemonErrorKind,
    message: string,
  ) {
    super(message);
  }

  /** The process exit status for this failure. */
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}
