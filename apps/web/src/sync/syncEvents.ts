/**
 * Live announcements of the synced folders: the view subscribes (through the tab node, see
 * subscribeChannel.ts) to the events channel of every reachable replica of each folder, since
 * the replica that meets a conflict is the one that announces it, which may be any of them.
 * Each subscription starts at the channel's `next` offset read first, so nothing published after
 * the view looked is missed; a subscription that breaks (its device left) is opened again by a
 * later `follow` once the channel is reachable. Messages are checked before they are shown: they
 * come from another node.
 */
import * as v from 'valibot';
import type { Mesh } from '../../../../src/actors/mesh.js';
import { formatResourceId } from '../../../../src/firefly/address.js';
import { ChannelInterface, type ChannelItem } from '../../../../src/resources/channel/interface.js';
import { subscribeChannel } from '../../../../src/resources/channel/subscribeChannel.js';
import { VIEW_TIMEOUT } from '../meshQueries.js';
import type { SyncNames } from './syncApi.js';

const text = v.pipe(v.string(), v.maxLength(1000));

/** Schema of {@link SyncEvent}: what meshReplica.ts announces. */
const SyncEventSchema = v.variant('event', [
  v.object({ event: v.literal('conflict'), folder: text, copy: text, from: text, at: v.number() }),
  v.object({ event: v.literal('removed'), folder: text, replica: text, device: text, at: v.number() }),
]);

/** A conflict copy made, or a replica removed from the folder. */
export type SyncEvent = v.InferOutput<typeof SyncEventSchema>;

/** Announcements kept per folder. */
const KEPT = 20;

/** The subscriptions of the view. */
export interface SyncEventFeed {
  /** Subscribes to the channels `wanted` names (channel name → its folder's name), and ends the others. */
  follow(wanted: ReadonlyMap<string, string>): Promise<void>;
  /** Ends every subscription (the view is hidden). Announcements already shown stay. */
  stop(): void;
  /** The announcements of `folder`, newest first. */
  events(folder: string): readonly SyncEvent[];
  /** How many subscriptions are open now. */
  open(): number;
}

interface Feed {
  /** The channel's id when it was subscribed: a name that moved to a new channel means a new subscription. */
  readonly id: string;
  readonly iterator: AsyncIterableIterator<ChannelItem>;
  ended: boolean;
}

/** No subscription yet; `onEvent` runs for each new announcement. */
export function syncEventFeed(mesh: Mesh, names: SyncNames, onEvent: (event: SyncEvent) => void): SyncEventFeed {
  const feeds = new Map<string, Feed>();
  const byFolder = new Map<string, SyncEvent[]>();
  /** Bumped by `stop`: a subscription still reading `info` then knows it is not wanted. */
  let generation = 0;

  const take = (message: unknown) => {
    const parsed = v.safeParse(SyncEventSchema, message);
    if (!parsed.success) return;
    const event = parsed.output;
    const list = byFolder.get(event.folder) ?? [];
    // Both sides of a conflict may announce the same copy; a removal is announced by each replica that learns it.
    const same = (other: SyncEvent) => (event.event === 'conflict' ? other.event === 'conflict' && other.copy === event.copy : other.event === 'removed' && other.replica === event.replica);
    if (list.some(same)) return;
    byFolder.set(event.folder, [event, ...list].slice(0, KEPT));
    onEvent(event);
  };

  const pump = async (feed: Feed) => {
    try {
      for await (const item of feed.iterator) take(item.message);
    } catch {
      // The channel ended or its node left: a later `follow` subscribes again.
    } finally {
      feed.ended = true;
    }
  };

  const start = async (name: string) => {
    const target = names.whereis(name);
    if (target === undefined) return;
    const mine = generation;
    const { next } = await mesh.node.ref(target, ChannelInterface).call('info', {}, { timeout: VIEW_TIMEOUT });
    if (mine !== generation) return;
    const feed: Feed = { id: formatResourceId(target), iterator: subscribeChannel(mesh.node, target, { from: next }), ended: false };
    feeds.set(name, feed);
    void pump(feed);
  };

  return {
    async follow(wanted) {
      await names.learn([...wanted.keys()]).catch(() => undefined);
      for (const [name, feed] of feeds) {
        const target = names.whereis(name);
        const current = target === undefined || formatResourceId(target) === feed.id;
        if (wanted.has(name) && !feed.ended && current) continue;
        feeds.delete(name);
        void feed.iterator.return?.().catch(() => undefined);
      }
      await Promise.all([...wanted.keys()].filter((name) => !feeds.has(name)).map((name) => start(name).catch(() => undefined)));
    },
    stop() {
      generation++;
      for (const feed of feeds.values()) void feed.iterator.return?.().catch(() => undefined);
      feeds.clear();
    },
    events: (folder) => byFolder.get(folder) ?? [],
    open: () => [...feeds.values()].filter((feed) => !feed.ended).length,
  };
}
