import type { NodeId } from '../firefly/address.js';
import type { GlowError } from '../firefly/errors.js';

/** A call sent to another node, waiting for its reply. */
export interface PendingCall {
  readonly corr: number;
  readonly node: NodeId;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: GlowError) => void;
  /** When it times out, on `DeadlineTimer.now`'s clock. */
  readonly deadline: number;
  readonly timeout: number;
}

const SLOTS = 256;

/**
 * Calls waiting for replies, by correlation id. Correlation ids are handed out in sequence, so
 * a call usually has slot `corr % 256` of a fixed array to itself; a Map holds the rest (more
 * than 256 in flight, or a slot still taken by a slow call). A Map alone, going from one entry
 * to none and back on every sequential call, reallocated its table each time (~50–70 ns and
 * garbage per call, measured).
 */
export class PendingCalls {
  private readonly slots: (PendingCall | undefined)[] = new Array<PendingCall | undefined>(SLOTS).fill(undefined);
  private readonly overflow = new Map<number, PendingCall>();
  /** Calls waiting. */
  size = 0;

  add(call: PendingCall): void {
    const slot = call.corr % SLOTS;
    if (this.slots[slot] === undefined) this.slots[slot] = call;
    else this.overflow.set(call.corr, call);
    this.size++;
  }

  get(corr: number): PendingCall | undefined {
    const call = this.slots[corr % SLOTS];
    return call !== undefined && call.corr === corr ? call : this.overflow.get(corr);
  }

  delete(call: PendingCall): void {
    const slot = call.corr % SLOTS;
    if (this.slots[slot] === call) this.slots[slot] = undefined;
    else if (!this.overflow.delete(call.corr)) return;
    this.size--;
  }

  /** Every waiting call, oldest first (a snapshot: deleting while iterating is safe). */
  all(): PendingCall[] {
    const calls: PendingCall[] = [];
    if (this.size === 0) return calls;
    for (const call of this.slots) if (call !== undefined) calls.push(call);
    for (const call of this.overflow.values()) calls.push(call);
    return calls.sort((a, b) => a.corr - b.corr);
  }
}
