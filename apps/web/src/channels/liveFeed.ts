/**
 * The subscription to the chosen channel, through the tab node (`observeChannel` subscribes to
 * the tab's relay for a remote channel, so several views of one channel share one upstream
 * copy): live, or replayed from an offset (the "From offset" form), into the message log, with a
 * status line that says which. Only one subscription runs at a time, and only while the view is shown.
 */
import type { Subscription } from 'rxjs';
import type { Mesh } from '../../../../src/actors/mesh.js';
import { ChannelInterface } from '../../../../src/resources/channel/interface.js';
import { observeChannel } from '../../../../src/resources/channel/subscribeChannel.js';
import { errorText, h } from '../dom.js';
import { VIEW_TIMEOUT } from '../meshQueries.js';
import type { MessageLog } from './messageLog.js';

/** What the feed needs from the view around it. */
export interface LiveFeedOptions {
  mesh: Mesh;
  log: MessageLog;
  /** The chosen channel, if any. */
  channel(): string | undefined;
  /** Whether the view is shown: a hidden view subscribes to nothing. */
  visible(): boolean;
}

/** The feed's controls and what the view does with it. */
export interface LiveFeed {
  /** `#channel-from-form`: replay from an offset. */
  readonly form: HTMLElement;
  /** `#channel-status`. */
  readonly status: HTMLElement;
  /** Another channel was chosen: live from its next offset, on an empty log. */
  restart(): void;
  /** Back on the view: resumes after the last message shown, so nothing published meanwhile is skipped. */
  resume(): void;
  /** The view is left: ends the subscription. */
  pause(): void;
}

/** A feed that subscribes once a channel is chosen. */
export function liveFeed({ mesh, log, channel, visible }: LiveFeedOptions): LiveFeed {
  const from = h('input', { id: 'channel-from', type: 'number', min: 0, step: 1, inputmode: 'numeric', placeholder: 'live', size: 8 });
  const replay = h('button', { type: 'submit', id: 'channel-replay' }, 'Subscribe');
  const form = h('form', { class: 'toolbar', id: 'channel-from-form' }, h('label', { for: 'channel-from' }, 'From offset '), from, ' ', replay);
  const status = h('p', { id: 'channel-status', role: 'status', 'aria-live': 'polite' });
  let subscription: Subscription | undefined;
  /** Bumped by every (re)subscribe and stop: a subscribe still waiting for `info` knows it was overtaken. */
  let generation = 0;

  const stop = () => {
    generation++;
    subscription?.unsubscribe();
    subscription = undefined;
  };

  const ended = (text: string) => {
    subscription = undefined;
    status.dataset.state = 'ended';
    status.textContent = text;
  };

  /**
   * (Re)subscribes to the chosen channel from `start` (undefined: live). Live starts at the
   * channel's `next` offset, read first: a message published between that answer and the
   * subscription reaching the channel is then replayed rather than missed.
   */
  const subscribe = async (start: number | undefined, clear: boolean) => {
    stop();
    const mine = generation;
    const id = channel();
    if (id === undefined || !visible()) return;
    if (clear) log.clear();
    let offset = start;
    if (offset === undefined) {
      try {
        offset = (await mesh.node.ref(id, ChannelInterface).call('info', {}, { timeout: VIEW_TIMEOUT })).next;
      } catch (cause) {
        if (mine === generation) status.textContent = `not subscribed: ${errorText(cause)}`;
        return;
      }
      // Switched channel, replayed or left the view while waiting: that newer choice owns the subscription.
      if (mine !== generation) return;
    }
    status.textContent = start === undefined ? `live from offset ${offset}` : `replaying from offset ${offset}, then live`;
    status.dataset.state = 'subscribed';
    const opened = observeChannel(mesh.node, id, { from: offset }).subscribe({
      next: log.show,
      error: (cause: unknown) => {
        const last = log.last();
        ended(`subscription ended: ${errorText(cause)}.${last === undefined ? '' : ` Subscribe from ${last + 1} to resume.`}`);
        if (last !== undefined) from.value = String(last + 1);
      },
      complete: () => ended('the channel ended the subscription'),
    });
    // An error can arrive synchronously, inside subscribe(): then there is nothing left to hold.
    if (!opened.closed) subscription = opened;
  };

  form.onsubmit = (event) => {
    event.preventDefault();
    const text = from.value.trim();
    const start = text === '' ? undefined : Number(text);
    if (start !== undefined && (!Number.isSafeInteger(start) || start < 0)) {
      status.textContent = 'the offset is a whole number, 0 or more';
      return;
    }
    void subscribe(start, true);
  };

  return {
    form,
    status,
    restart() {
      from.value = '';
      void subscribe(undefined, true);
    },
    resume() {
      const last = log.last();
      if (channel() !== undefined && !subscription) void subscribe(last === undefined ? undefined : last + 1, false);
    },
    pause() {
      stop();
      if (channel() === undefined) return;
      status.dataset.state = 'paused';
      status.textContent = 'paused (view hidden)';
    },
  };
}
