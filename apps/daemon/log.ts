/**
 * The daemon's log: pino, one JSON object per line on stdout (`level`, `time`, `msg`, `event`
 * and the event's fields), or, when stdout is a terminal, pino-pretty's `[time] LEVEL: message`
 * (the message alone says what a person needs; the fields are for machines). Both write
 * synchronously, so nothing logged is lost when the process exits right after (a forced
 * shutdown, a start failure).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogLevel } from './options.js';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default 'info' */
  level?: LogLevel;
  /** Human-readable lines instead of JSON. @default process.stdout.isTTY */
  pretty?: boolean;
  /** Where lines go. @default stdout (fd 1) */
  destination?: DestinationStream;
}

/** Creates the daemon's logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const destination =
    options.destination ??
    (pretty
      ? pinoPretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', hideObject: true })
      : pino.destination({ dest: 1, sync: true }));
  return pino({ level: options.level ?? 'info', base: { pid: process.pid } }, destination);
}
