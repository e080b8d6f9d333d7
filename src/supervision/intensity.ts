import type { Clock } from '../firefly/clock.js';

/**
 * OTP's restart intensity: at most `intensity` restarts within any `period` milliseconds,
 * measured on a monotonic clock (injected, so tests decide what time it is).
 */
export class RestartIntensity {
  private restarts: number[] = [];

  constructor(
    readonly intensity: number,
    readonly period: number,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** Records a restart; false when this one exceeds the intensity (the supervisor must give up). */
  record(): boolean {
    const now = this.clock.now();
    this.restarts = this.restarts.filter((at) => now - at <= this.period);
    this.restarts.push(now);
    return this.restarts.length <= this.intensity;
  }

  /** Restarts counted in the current window. */
  get recent(): number {
    const now = this.clock.now();
    return this.restarts.filter((at) => now - at <= this.period).length;
  }
}
