import type { AnyResourceRef } from '../actors/ref.js';
import type { ExitReason } from '../actors/types.js';
import type { WireError } from '../firefly/errors.js';

/**
 * OTP's supervisor reports: `child_terminated` (a child ended by itself), `start_error` (a
 * start failed, including a restart attempt), `shutdown_error` (a child being stopped ended
 * with another reason than the one asked for, e.g. `killed` after its shutdown time) and
 * `shutdown` (the restart intensity was reached and the supervisor gives up).
 */
export type SupervisorReportEvent = 'child_terminated' | 'start_error' | 'shutdown_error' | 'shutdown';

/** Where a supervisor files its reports (the node: kept for `glow.Node/1 info`, given to `onReport` listeners). */
export interface ReportSink {
  report(report: { event: string; source: string; message: string; details?: Record<string, unknown> }): unknown;
}

/** What a report says about the child it concerns. */
export interface ChildFacts {
  /** The child's id in its supervisor. */
  readonly id: string;
  /** Its process, when it had one. */
  readonly ref?: AnyResourceRef;
  /** The exit reason, or the start error. */
  readonly reason: ExitReason | WireError | string;
}

/** A reason in a few words: `normal`, `killed`, `crashed: boom`. */
export function reasonText(reason: ChildFacts['reason']): string {
  if (typeof reason === 'string') return reason;
  const error = 'error' in reason ? reason.error : reason;
  return `${error.code}: ${error.message}`;
}

const WHAT: Record<SupervisorReportEvent, (child: string, reason: string) => string> = {
  child_terminated: (child, reason) => `child ${child} ended (${reason})`,
  start_error: (child, reason) => `child ${child} failed to start (${reason})`,
  shutdown_error: (child, reason) => `child ${child} ended with ${reason} while being stopped`,
  shutdown: (child) => `the restart intensity was reached when child ${child} ended: the supervisor shuts down`,
};

/** Files one supervisor report about `child` on `sink`. */
export function reportChild(
  sink: ReportSink,
  supervisor: string,
  event: SupervisorReportEvent,
  child: ChildFacts,
  extra: Record<string, unknown> = {},
): void {
  const ref = child.ref ? child.ref.toString() : null;
  sink.report({
    event,
    source: supervisor,
    message: WHAT[event](ref ? `${child.id} (${ref})` : child.id, reasonText(child.reason)),
    details: { child: child.id, ref, reason: child.reason, ...extra },
  });
}
