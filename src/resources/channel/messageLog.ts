/**
 * The messages a hub still holds, by offset: a contiguous window `[first, next)`. Appending is
 * O(1) and eviction from the front is amortised O(1) (a head index, compacted now and then),
 * so a channel with a long history does not shift an array on every publish.
 */
export class MessageLog {
  private items: unknown[] = [];
  private head = 0;
  /** Offset of `items[head]`: the oldest message held. */
  private base: number;

  constructor(start: number) {
    this.base = start;
  }

  /** Oldest offset held; equals {@link next} when nothing is held. */
  get first(): number {
    return this.base;
  }

  /** The offset the next appended message gets. */
  get next(): number {
    return this.base + this.items.length - this.head;
  }

  /** Messages held. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends a message; returns its offset. */
  append(message: unknown): number {
    this.items.push(message);
    return this.next - 1;
  }

  /** The message at `offset`; only call for `first <= offset < next`. */
  get(offset: number): unknown {
    return this.items[this.head + offset - this.base];
  }

  /** Forgets every message older than `offset` (no-op when already gone). */
  evictBefore(offset: number): void {
    const count = Math.min(offset, this.next) - this.base;
    if (count <= 0) return;
    for (let i = 0; i < count; i++) this.items[this.head + i] = undefined;
    this.head += count;
    this.base += count;
    // Compact once the dead prefix outweighs the live part, so memory stays O(size).
    if (this.head > 1024 && this.head > this.items.length >> 1) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops everything and restarts the window at `offset` (a relay whose upstream skipped ahead). */
  restartAt(offset: number): void {
    this.items = [];
    this.head = 0;
    this.base = offset;
  }
}
