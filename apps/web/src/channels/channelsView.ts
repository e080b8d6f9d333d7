/**
 * The Channels view: pick any channel of the mesh (`glow.Channel/1`), watch its messages live
 * and replay its history from an offset (liveFeed.ts, into messageLog.ts), and publish JSON to it
 * (publishForm.ts). The subscription runs only while the view is shown: a hidden view would keep
 * a stream open and hold the relay for nothing.
 */
import type { Mesh } from '../../../../src/actors/mesh.js';
import { ChannelInterface } from '../../../../src/resources/channel/interface.js';
import { errorText, h, markRefreshed } from '../dom.js';
import { resourcesOf, type FoundResource } from '../meshQueries.js';
import { liveFeed } from './liveFeed.js';
import { messageLog } from './messageLog.js';
import { publishForm } from './publishForm.js';

/**
 * Mounts the view into `root`. `refresh` (view shown) lists channels (counted on
 * `#channel-select` as `data-refreshed`) and resumes; `hide` (view left) stops the subscription.
 */
export function mountChannelsView(root: HTMLElement, mesh: Mesh): { refresh: () => Promise<void>; hide: () => void } {
  const picker = h('select', { id: 'channel-select' });
  const reload = h('button', { type: 'button', id: 'channel-refresh' }, 'Refresh');
  let channel: string | undefined;
  let visible = false;

  const log = messageLog();
  const feed = liveFeed({ mesh, log, channel: () => channel, visible: () => visible });
  const publish = publishForm(mesh, () => channel);
  root.append(h('div', { class: 'toolbar' }, h('label', { for: 'channel-select' }, 'Channel '), picker, ' ', reload), feed.form, feed.status, log.element, publish.element);

  const drawPicker = (channels: FoundResource[]) => {
    picker.replaceChildren(
      h('option', { value: '', disabled: true, selected: channel === undefined }, channels.length ? 'choose a channel…' : 'no channel in the mesh'),
      ...channels.map((found) => h('option', { value: found.id, selected: found.id === channel, title: found.id }, found.name ? `${found.name} (${found.id.replace(/^glow:\/\//, '').slice(0, 12)}…)` : found.id)),
    );
  };

  const refresh = async () => {
    visible = true;
    let channels: FoundResource[];
    try {
      channels = await resourcesOf(mesh, ChannelInterface.id);
    } catch (cause) {
      feed.status.textContent = errorText(cause);
      markRefreshed(picker);
      return;
    }
    if (!visible) return;
    drawPicker(channels);
    markRefreshed(picker);
    feed.resume();
  };

  const hide = () => {
    visible = false;
    feed.pause();
  };

  picker.onchange = () => {
    const id = picker.value;
    if (id === channel) return;
    channel = id || undefined;
    publish.forget();
    feed.restart();
  };
  reload.onclick = () => void refresh();
  return { refresh, hide };
}
