/**
 * Which message counters of a session were already accepted. Sealed packets may arrive out of
 * order (routes change under them), so a counter is accepted once if it is new and not older
 * than the window behind the highest one seen; a replay, or one too old to tell, is refused.
 * The sliding bitmap of RFC 6479, as WireGuard keeps it.
 */
export class ReplayWindow {
  /** Bit i of word (c / 32) % WORDS is set when counter c (within the window) was accepted. */
  private readonly bits = new Uint32Array(WORDS);
  private highest = -1;

  /** True when `counter` was not seen and is recent enough; it is then marked as seen. */
  accept(counter: number): boolean {
    if (!Number.isSafeInteger(counter) || counter < 0) return false;
    if (counter > this.highest) {
      // Clear the words the window slides over (all of them after a long jump).
      const from = this.highest < 0 ? 0 : Math.floor(this.highest / 32) + 1;
      const to = Math.floor(counter / 32);
      for (let word = from; word <= to && word - from < WORDS; word++) this.bits[word % WORDS] = 0;
      this.highest = counter;
    } else if (this.highest - counter >= WINDOW) {
      return false;
    }
    const word = Math.floor(counter / 32) % WORDS;
    const bit = 1 << (counter % 32);
    if ((this.bits[word]! & bit) !== 0) return false;
    this.bits[word]! |= bit;
    return true;
  }
}

const WORDS = 64;
/** Counters this far behind the highest are refused: one word less than the bitmap, so a slide never clears a live bit. */
const WINDOW = (WORDS - 1) * 32;
