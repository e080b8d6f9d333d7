/**
 * The messages of a channel as they arrive, newest last, each with its offset; a note where
 * offsets are no longer kept or messages were dropped. It keeps the newest {@link MAX_SHOWN}.
 */
import type { ChannelItem } from '../../../../src/resources/channel/interface.js';
import { h } from '../dom.js';

/** Messages the list keeps: the oldest go first, so a busy channel cannot grow the page without bound. */
export const MAX_SHOWN = 500;

/** A message as one line of text: JSON, bytes by their length (JSON has no bytes), bigints as digits. */
export function messageText(message: unknown): string {
  if (message instanceof Uint8Array) return `<${message.byteLength} bytes>`;
  try {
    return JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? `<${value.byteLength} bytes>` : value)) ?? String(message);
  } catch {
    return String(message);
  }
}

/** The log. */
export interface MessageLog {
  /** `#channel-messages`. */
  readonly element: HTMLElement;
  /** The offset of the last message shown: a return to the view resumes after it instead of skipping what came meanwhile. */
  last(): number | undefined;
  /** Shows one item of a subscription. */
  show(item: ChannelItem): void;
  /** Empties it (another channel, or a replay). */
  clear(): void;
}

/** An empty log. */
export function messageLog(): MessageLog {
  const list = h('ol', { id: 'channel-messages', class: 'messages', role: 'log', 'aria-label': 'messages, newest last' });
  let last: number | undefined;

  const append = (...items: HTMLElement[]) => {
    // Follow the newest message only when the reader is at the bottom already, not while they scroll back.
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
    list.append(...items);
    while (list.childElementCount > MAX_SHOWN) list.firstElementChild!.remove();
    if (atBottom) list.scrollTop = list.scrollHeight;
  };

  return {
    element: list,
    last: () => last,
    show(item) {
      const notes: HTMLElement[] = [];
      if (item.gap) notes.push(h('li', { class: 'note', 'data-gap': `${item.gap.from}-${item.gap.to}` }, `offsets ${item.gap.from}–${item.gap.to} are no longer kept`));
      if (item.dropped) notes.push(h('li', { class: 'note', 'data-dropped': item.dropped }, `${item.dropped} message${item.dropped === 1 ? '' : 's'} dropped (this view fell behind)`));
      last = item.offset;
      append(...notes, h('li', { 'data-offset': item.offset }, h('span', { class: 'offset' }, `#${item.offset}`), ' ', h('code', {}, messageText(item.message))));
    },
    clear() {
      list.replaceChildren();
      last = undefined;
    },
  };
}
