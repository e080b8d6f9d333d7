import { Observable } from 'rxjs';
import { GlowError } from '../firefly/errors.js';
import type { Cell, RunningStream } from './cell.js';
import { closeIterator } from './closeIterator.js';
import type { StreamSink } from './types.js';

/** Options of a stream subscription. */
export interface StreamOptions {
  /**
   * Items the producer may send before the consumer grants more. Credit is granted back in
   * batches of half the window as items are consumed, so the producer pauses when the
   * consumer does not keep up.
   * @default 32
   */
  credit?: number;
}

/** Default credit window of a stream. */
export const DEFAULT_CREDIT = 32;

/**
 * The consumer's end of a stream, as a {@link StreamSink} the producer writes to. It holds at
 * most `window` items (the producer can never send more than the credit it was given).
 */
export class StreamConsumer implements StreamSink {
  credit: number;
  private consumed = 0;
  private readonly buffer: unknown[] = [];
  private done = false;
  private failure?: GlowError;
  private creditListener?: () => void;
  private cancelListener?: () => void;
  /** Wakes whoever waits for items (an iterator's `next`, or the observable's drain). */
  private wake?: () => void;

  constructor(readonly window: number = DEFAULT_CREDIT) {
    if (!Number.isInteger(window) || window < 1) throw new GlowError('badarg', 'stream credit must be a positive integer');
    this.credit = window;
  }

  item(value: unknown): void {
    if (this.done || this.credit <= 0) return;
    this.credit--;
    this.buffer.push(value);
    this.wake?.();
  }
  end(): void {
    this.done = true;
    this.wake?.();
  }
  error(error: GlowError): void {
    if (this.done) return;
    this.failure = error;
    this.done = true;
    this.wake?.();
  }
  onCredit(listener: () => void): void {
    this.creditListener = listener;
  }
  onCancel(listener: () => void): void {
    this.cancelListener = listener;
  }

  /** The consumer is gone: tell the producer, drop what is buffered. */
  cancel(): void {
    if (!this.done) {
      this.done = true;
      this.cancelListener?.();
    }
    this.buffer.length = 0;
    // A `next` waiting for an item settles as done, rather than never.
    this.wake?.();
  }

  /** One item was handed to the consumer: grant credit back in batches. */
  private consumedOne(): void {
    if (++this.consumed >= Math.max(1, this.window >> 1)) {
      this.credit += this.consumed;
      this.consumed = 0;
      if (!this.done) this.creditListener?.();
    }
  }

  /** Hands out buffered items; returns false once the stream is over and drained. */
  private next(): IteratorResult<unknown> | undefined {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift();
      this.consumedOne();
      return { value, done: false };
    }
    if (this.failure) throw this.failure;
    if (this.done) return { value: undefined, done: true };
    return undefined;
  }

  /** The stream as an rxjs Observable: items are pushed as they arrive. */
  toObservable(start: (consumer: StreamConsumer) => void): Observable<unknown> {
    return new Observable((subscriber) => {
      const drain = () => {
        try {
          for (let result = this.next(); result; result = this.next()) {
            if (result.done) return subscriber.complete();
            subscriber.next(result.value);
          }
        } catch (error) {
          subscriber.error(error);
        }
      };
      this.wake = drain;
      start(this);
      drain();
      return () => this.cancel();
    });
  }

  /** The stream as an async iterator: credit is granted only as the consumer pulls. */
  toAsyncIterator(start: (consumer: StreamConsumer) => void): AsyncIterableIterator<unknown> {
    let started = false;
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => {
        if (!started) {
          started = true;
          start(this);
        }
        return new Promise((resolve, reject) => {
          const attempt = () => {
            try {
              const result = this.next();
              if (!result) return false;
              this.wake = undefined;
              resolve(result);
            } catch (error) {
              this.wake = undefined;
              reject(error);
            }
            return true;
          };
          if (!attempt()) this.wake = attempt;
        });
      },
      return: async () => {
        this.cancel();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

function iteratorOf(source: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterator<unknown> | Iterator<unknown> {
  if (source && typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }
  if (source && typeof (source as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return (source as Iterable<unknown>)[Symbol.iterator]();
  }
  throw new GlowError('crashed', 'a stream handler must return an iterable or async iterable');
}

/**
 * Runs a stream handler's iterable into a sink, pulling only while the consumer has credit.
 * A GlowError thrown by the producer ends the stream with that error; anything else is a bug
 * in the resource and crashes it.
 */
export function produce(cell: Cell, source: AsyncIterable<unknown> | Iterable<unknown>, sink: StreamSink): void {
  const iterator = iteratorOf(source);
  let stopped = false;
  let pulling = false;
  const finish = () => {
    stopped = true;
    cell.removeStream(running);
    closeIterator(iterator);
  };
  const running: RunningStream = {
    stop(error) {
      if (stopped) return;
      finish();
      sink.error(error);
    },
  };
  cell.addStream(running);
  sink.onCancel(finish);
  const pull = async () => {
    if (pulling) return;
    pulling = true;
    try {
      while (!stopped && sink.credit > 0) {
        const result = await iterator.next();
        if (stopped) return;
        if (result.done) {
          stopped = true;
          cell.removeStream(running);
          sink.end();
          return;
        }
        sink.item(result.value);
      }
    } catch (error) {
      if (stopped) return;
      if (error instanceof GlowError) {
        running.stop(error);
      } else {
        cell.crash(error); // ends this stream (and every other) with `crashed`
      }
    } finally {
      pulling = false;
    }
  };
  // `pull` handles the producer's failures; anything that still escapes is a bug of this
  // resource, which crashes it (its supervisor decides), never the node.
  const pullSafely = () => {
    pull().catch((error: unknown) => cell.crash(error));
  };
  sink.onCredit(pullSafely);
  pullSafely();
}
