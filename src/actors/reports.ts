/**
 * What the runtime reports out of band, like OTP's supervisor reports: a child that ended, a
 * start that failed, a child that would not stop, a supervisor that gave up. Nothing a resource
 * decides is lost silently: each report goes to the node's listeners (the daemon logs them) and
 * the most recent ones are kept for `glow.Node/1 info`.
 */

import { notifyAll } from '../firefly/listeners.js';

/** One report. */
export interface NodeReport {
  /** What happened, e.g. `child_terminated`, `start_error`, `shutdown_error`, `shutdown`. */
  readonly event: string;
  /** The resource that reports (printable id). */
  readonly source: string;
  /** What happened, for people. */
  readonly message: string;
  /** Structured facts: the child's id, its ref, the exit reason, … */
  readonly details?: Record<string, unknown>;
  /** When, in ms since the epoch. */
  readonly at: number;
}

/** The most recent reports and who listens for new ones. */
export class Reports {
  private readonly kept: NodeReport[] = [];
  private readonly listeners = new Set<(report: NodeReport) => void>();

  constructor(
    private readonly capacity: number,
    private readonly wallNow: () => number,
  ) {}

  /** Files a report: kept (the oldest dropped beyond capacity) and handed to every listener. */
  add(report: Omit<NodeReport, 'at'>): NodeReport {
    const filed: NodeReport = { ...report, at: this.wallNow() };
    this.kept.push(filed);
    if (this.kept.length > this.capacity) this.kept.shift();
    // A listener's failure is its own: reported out of band, the report stays filed.
    notifyAll(this.listeners, filed);
    return filed;
  }

  /** Listens for new reports; returns a function that stops listening. */
  listen(listener: (report: NodeReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The reports kept, oldest first. */
  recent(): NodeReport[] {
    return [...this.kept];
  }
}
