import { Cron } from 'croner';
import type { Schedule } from './jobFile.js';

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/**
 * True when `now` (local time of this node) is inside the window `from`–`to`. A window whose
 * end is before its start wraps midnight (22:00–06:00); `to` itself is outside.
 */
export function insideWindow(window: { from: string; to: string }, now: number): boolean {
  const date = new Date(now);
  const minute = date.getHours() * 60 + date.getMinutes();
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  if (from === to) return true;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** The next time the window opens at or after `now` (now itself when it is open). */
export function nextWindowOpening(window: { from: string; to: string }, now: number): number {
  if (insideWindow(window, now)) return now;
  const date = new Date(now);
  const from = minutesOf(window.from);
  date.setHours(Math.floor(from / 60), from % 60, 0, 0);
  if (date.getTime() <= now) date.setDate(date.getDate() + 1);
  return date.getTime();
}

/**
 * When a job's next run is due, seen at `now`: `now` for `"now"`, the time for `at`, the next
 * cron match strictly after `after` (default `now`) for `cron`, the next window opening for
 * `whenIdle`. `undefined` when it never runs again (a cron that has no next match).
 */
export function nextRunAt(schedule: Schedule, now: number, after: number = now - 1): number | undefined {
  if (schedule === 'now') return now;
  if ('at' in schedule) return Date.parse(schedule.at);
  if ('whenIdle' in schedule) return nextWindowOpening(schedule.whenIdle, now);
  const cron = new Cron(schedule.cron, { paused: true, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) });
  const next = cron.nextRun(new Date(after));
  cron.stop();
  return next?.getTime();
}

/** Human text for a window, used in waiting reasons. */
export function describeWindow(window: { from: string; to: string }): string {
  return `${window.from}–${window.to}`;
}
