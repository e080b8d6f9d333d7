/**
 * The Channels view: pick any channel of the mesh (`glow.Channel/1`), watch its messages live
 * (through the tab node: `observeChannel` subscribes to the tab's relay for a remote channel, so
 * several views of one channel share one upstream copy), replay its history from an offset, and
 * publish JSON to it. The subscription runs only while the view is shown: a hidden view would
 * keep a stream open and hold the relay for nothing.
 */
import type { Subscription } from 'rxjs';
import type { Mesh } from '../../../src/actors/mesh.js';
import { ChannelInterface, type ChannelItem } from '../../../src/resources/channel/interface.js';
import { observeChannel, publishChannel } from '../../../src/resources/channel/subscribeChannel.js';
import { errorText, h } from './dom.js';
import { resourcesOf, VIEW_TIMEOUT, type FoundResource } from './meshQueries.js';

/** Messages the list keeps: the oldest go first, so a busy channel cannot grow the page without bound. */
export const MAX_SHOWN = 500;

/** How long a publish may wait (a `block` subscriber that lags makes publishers wait, then `busy`). */
const PUBLISH_TIMEOUT = 10_000;

/** A message as one line of text: JSON, bytes by their length (JSON has no bytes), bigints as digits. */
export function messageText(message: unknown): string {
  if (message instanceof Uint8Array) return `<${message.byteLength} bytes>`;
  try {
    return JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? `<${value.byteLength} bytes>` : value)) ?? String(message);
  } catch {
    return String(message);
  }
}

/** Mounts the view into `root`. `refresh` (view shown) lists channels and resumes; `hide` (view left) stops the subscription. */
export function mountChannelsView(root: HTMLElement, mesh: Mesh): { refresh: () => Promise<void>; hide: () => void } {
  const picker = h('select', { id: 'channel-select' });
  const reload = h('button', { type: 'button', id: 'channel-refresh' }, 'Refresh');
  const from = h('input', { id: 'channel-from', type: 'number', min: 0, step: 1, inputmode: 'numeric', placeholder: 'live', size: 8 });
  const replay = h('button', { type: 'submit', id: 'channel-replay' }, 'Subscribe');
  const replayForm = h('form', { class: 'toolbar', id: 'channel-from-form' }, h('label', { for: 'channel-from' }, 'From offset '), from, ' ', replay);
  const status = h('p', { id: 'channel-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ol', { id: 'channel-messages', class: 'messages', role: 'log', 'aria-label': 'messages, newest last' });
  const message = h('textarea', { id: 'channel-message', rows: 3, spellcheck: 'false', placeholder: '{"hello": "world"}' });
  const publish = h('button', { type: 'submit', id: 'channel-publish' }, 'Publish');
  const published = h('p', { id: 'channel-publish-result', 'aria-live': 'polite' });
  const publishForm = h('form', { id: 'channel-publish-form' }, h('label', { for: 'channel-message' }, 'Message (JSON)'), message, publish, published);
  root.append(h('div', { class: 'toolbar' }, h('label', { for: 'channel-select' }, 'Channel '), picker, ' ', reload), replayForm, status, list, publishForm);

  let channels: FoundResource[] = [];
  let channel: string | undefined;
  let subscription: Subscription | undefined;
  /** The last offset shown: a return to the view resumes after it instead of skipping what came meanwhile. */
  let last: number | undefined;
  let visible = false;
  /** Bumped by every (re)subscribe and stop: a subscribe still waiting for `info` knows it was overtaken. */
  let generation = 0;

  const stop = () => {
    generation++;
    subscription?.unsubscribe();
    subscription = undefined;
  };

  const append = (...items: HTMLElement[]) => {
    // Follow the newest message only when the reader is at the bottom already, not while they scroll back.
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
    list.append(...items);
    while (list.childElementCount > MAX_SHOWN) list.firstElementChild!.remove();
    if (atBottom) list.scrollTop = list.scrollHeight;
  };

  const show = (item: ChannelItem) => {
    const notes: HTMLElement[] = [];
    if (item.gap) notes.push(h('li', { class: 'note', 'data-gap': `${item.gap.from}-${item.gap.to}` }, `offsets ${item.gap.from}–${item.gap.to} are no longer kept`));
    if (item.dropped) notes.push(h('li', { class: 'note', 'data-dropped': item.dropped }, `${item.dropped} message${item.dropped === 1 ? '' : 's'} dropped (this view fell behind)`));
    last = item.offset;
    append(...notes, h('li', { 'data-offset': item.offset }, h('span', { class: 'offset' }, `#${item.offset}`), ' ', h('code', {}, messageText(item.message))));
  };

  /**
   * (Re)subscribes to the chosen channel from `start` (undefined: live). Live starts at the
   * channel's `next` offset, read first: a message published between that answer and the
   * subscription reaching the channel is then replayed rather than missed.
   */
  const subscribe = async (start: number | undefined, clear: boolean) => {
    stop();
    const mine = generation;
    const id = channel;
    if (id === undefined || !visible) return;
    if (clear) {
      list.replaceChildren();
      last = undefined;
    }
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
      next: show,
      error: (cause: unknown) => {
        subscription = undefined;
        status.dataset.state = 'ended';
        status.textContent = `subscription ended: ${errorText(cause)}.${last === undefined ? '' : ` Subscribe from ${last + 1} to resume.`}`;
        if (last !== undefined) from.value = String(last + 1);
      },
      complete: () => {
        subscription = undefined;
        status.dataset.state = 'ended';
        status.textContent = 'the channel ended the subscription';
      },
    });
    // An error can arrive synchronously, inside subscribe(): then there is nothing left to hold.
    if (!opened.closed) subscription = opened;
  };

  const pick = (id: string) => {
    if (id === channel) return;
    channel = id || undefined;
    from.value = '';
    published.textContent = '';
    void subscribe(undefined, true);
  };

  replayForm.onsubmit = (event) => {
    event.preventDefault();
    const text = from.value.trim();
    const start = text === '' ? undefined : Number(text);
    if (start !== undefined && (!Number.isSafeInteger(start) || start < 0)) {
      status.textContent = 'the offset is a whole number, 0 or more';
      return;
    }
    void subscribe(start, true);
  };

  publishForm.onsubmit = (event) => {
    event.preventDefault();
    if (channel === undefined) {
      published.textContent = 'choose a channel first';
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(message.value);
    } catch (cause) {
      published.className = 'error';
      published.dataset.code = 'badjson';
      published.textContent = `invalid JSON: ${cause instanceof Error ? cause.message : String(cause)}`;
      return;
    }
    published.className = '';
    delete published.dataset.code;
    published.textContent = '…';
    publish.disabled = true;
    publishChannel(mesh.node, channel, value, { timeout: PUBLISH_TIMEOUT })
      .then((offset) => {
        published.textContent = `published at offset ${offset}`;
        published.dataset.offset = String(offset);
      })
      .catch((cause: unknown) => {
        published.className = 'error';
        published.dataset.code = (cause as { code?: string }).code ?? '';
        published.textContent = errorText(cause);
      })
      .finally(() => (publish.disabled = false));
  };

  const refresh = async () => {
    visible = true;
    try {
      channels = await resourcesOf(mesh, ChannelInterface.id);
    } catch (cause) {
      status.textContent = errorText(cause);
      return;
    }
    if (!visible) return;
    picker.replaceChildren(
      h('option', { value: '', disabled: true, selected: channel === undefined }, channels.length ? 'choose a channel…' : 'no channel in the mesh'),
      ...channels.map((found) => h('option', { value: found.id, selected: found.id === channel, title: found.id }, found.name ? `${found.name} (${found.id.replace(/^glow:\/\//, '').slice(0, 12)}…)` : found.id)),
    );
    // Back on the view: resume after the last message shown, so nothing published meanwhile is skipped.
    if (channel !== undefined && !subscription) void subscribe(last === undefined ? undefined : last + 1, false);
  };

  const hide = () => {
    visible = false;
    stop();
    if (channel !== undefined) {
      status.dataset.state = 'paused';
      status.textContent = 'paused (view hidden)';
    }
  };

  picker.onchange = () => pick(picker.value);
  reload.onclick = () => void refresh();
  return { refresh, hide };
}
