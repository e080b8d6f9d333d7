import type { GlowError, WireError } from '../firefly/errors.js';
import type { ResourceId } from '../firefly/address.js';

/**
 * Why a resource ended (OTP's exit reasons). `normal`: it finished; `shutdown`: it was told to
 * stop; `killed`: it was stopped without a chance to clean up; `noproc`: it did not exist;
 * `noconnection`: its node became unreachable; `{ error }`: it crashed.
 */
export type ExitReason = 'normal' | 'shutdown' | 'killed' | 'noproc' | 'noconnection' | { error: WireError };

/** True for the reasons that mean "ended on purpose" (OTP: normal, shutdown). */
export function isCleanExit(reason: ExitReason): boolean {
  return reason === 'normal' || reason === 'shutdown';
}

/** A `DOWN` signal: the monitored resource ended. */
export interface DownSignal {
  readonly type: 'glow.down';
  /** The monitor that fired (as returned when it was set). */
  readonly monitor: number;
  readonly id: ResourceId;
  readonly reason: ExitReason;
}

/** An `EXIT` signal delivered as a message to a resource that traps exits. */
export interface ExitSignal {
  readonly type: 'glow.exit';
  readonly from: ResourceId;
  readonly reason: ExitReason;
}

/** A signal a resource can receive as a message. */
export type Signal = DownSignal | ExitSignal;

/** Where a call's outcome goes: a local promise, or a reply packet. Settles at most once. */
export interface Replier {
  resolve(value: unknown): void;
  reject(error: GlowError): void;
}

/** Where a stream's items go; `credit` says how many more the consumer will take. */
export interface StreamSink {
  /** Items the consumer has granted and not yet received. */
  readonly credit: number;
  item(value: unknown): void;
  end(): void;
  error(error: GlowError): void;
  /** Called when the consumer grants more credit. */
  onCredit(listener: () => void): void;
  /** Called when the consumer cancels; the producer stops. */
  onCancel(listener: () => void): void;
}

/** A message in a resource's mailbox. `caller` is who sent it, when known. */
export type Envelope =
  | { readonly type: 'glow.call'; readonly member: string; readonly args: unknown; readonly reply: Replier; readonly caller?: ResourceId }
  | { readonly type: 'glow.cast'; readonly member: string; readonly args: unknown; readonly caller?: ResourceId }
  | { readonly type: 'glow.stream'; readonly member: string; readonly args: unknown; readonly sink: StreamSink; readonly caller?: ResourceId }
  | Signal;

/** Options common to every kind of resource. */
export interface ResourceOptions {
  /**
   * Most messages waiting or in progress at once; one more is refused with `busy`. Signals are
   * never refused (losing a DOWN would break supervision).
   * @default 1024
   */
  capacity?: number;
  /**
   * Messages handled at once. Handler resources default to 1 (an actor handles one message at a
   * time); machine resources default to `capacity` (the machine serialises events itself and
   * a call is in progress until the machine replies).
   */
  concurrency?: number;
  /**
   * Receive `EXIT` signals from linked resources as messages instead of ending with them.
   * @default false
   */
  trapExit?: boolean;
}

/** Default mailbox capacity. */
export const DEFAULT_CAPACITY = 1024;
