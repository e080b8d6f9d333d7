/**
 * The contract of the `sync` kind: `glow.SyncFolder/1`, one process per replica of a synced
 * folder. Replicas call each other through it (changes, reconcile, block, notify, hello); people
 * and the web app read status and conflicts. Records and reconciliation messages are checked
 * field by field where they are used (record.ts, reconcile.ts): a peer's bytes decide what this
 * replica writes.
 */
import * as v from 'valibot';
import { processInterface } from '../../actors/interfaces.js';
import { method } from '../../firefly/idl.js';
import { bytes } from '../../firefly/schemas.js';

const id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id is 1–64 characters of A–Z a–z 0–9 _ -'));
const seq = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const hash = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a block is named by its lowercase hex SHA-256'));

/** Most records one `changes` answer carries. */
export const MAX_CHANGES = 1000;

/** Schema of {@link SyncArgs}. */
export const SyncArgsSchema = v.object({
  root: v.pipe(v.string(), v.minLength(1), v.startsWith('/', 'root must be an absolute path')),
  /** The synced folder's id: the same on every replica. */
  folder: id,
  /** Its name, as people call it. */
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  /** A replica to start from (`glow sync join`): its resource ref. */
  from: v.optional(v.pipe(v.string(), v.maxLength(300))),
  /** A file modified less than this long ago (ms) is not sent yet. */
  stableMs: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(60_000))),
  /** How often (ms) a replica looks for peers it has not heard from. */
  pollMs: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(100), v.maxValue(3_600_000))),
});

/** Arguments of a `sync` process. */
export type SyncArgs = v.InferOutput<typeof SyncArgsSchema>;

/** Schema of {@link Member}. */
export const MemberSchema = v.object({
  replica: id,
  /** The resource ref of its `sync` process. */
  ref: v.pipe(v.string(), v.maxLength(300)),
  /** The node it runs on. */
  node: v.pipe(v.string(), v.maxLength(100)),
  /** The device's name, for people. */
  device: v.pipe(v.string(), v.maxLength(100)),
  /** Removed from the folder: gets nothing more, and stays removed. */
  removed: v.boolean(),
  /** The user whose device holds it, when not the folder's own user's (a friend granted the folder): its `ref` is in that user's namespace. */
  user: v.optional(v.pipe(v.string(), v.maxLength(100))),
});

/** A replica of the folder, as every replica's member list names it. */
export type Member = v.InferOutput<typeof MemberSchema>;

/** Schema of the `status` answer. */
export const SyncStatusSchema = v.object({
  folder: v.string(),
  name: v.string(),
  replica: v.string(),
  root: v.string(),
  files: v.number(),
  bytes: v.number(),
  sequence: v.number(),
  conflicts: v.array(v.string()),
  waiting: v.number(),
  /** While a batch of changes is being taken: files and bytes in it, and how many are done. */
  receiving: v.nullable(v.object({ files: v.number(), bytes: v.number(), doneFiles: v.number(), doneBytes: v.number() })),
  peers: v.array(
    v.object({
      replica: v.string(),
      device: v.string(),
      node: v.string(),
      removed: v.boolean(),
      /** False for another user's replica whose grant on the folder expired or was revoked: it is neither served nor pulled from. */
      granted: v.boolean(),
      /** When it was last reached (ms since the epoch), or null. */
      lastSeen: v.nullable(v.number()),
      /** Whether it holds everything this replica has seen of it. */
      inSync: v.boolean(),
      /** Files and bytes this replica has that it is known to lack. */
      filesBehind: v.number(),
      bytesBehind: v.number(),
    }),
  ),
});

/** What `status` answers. */
export type SyncStatus = v.InferOutput<typeof SyncStatusSchema>;

/** `glow.SyncFolder/1`. */
export const SyncFolderInterface = processInterface('glow.SyncFolder/1', {
  hello: method(v.object({ member: MemberSchema, members: v.pipe(v.array(MemberSchema), v.maxLength(1000)) }), v.object({ folder: v.string(), members: v.array(MemberSchema) }), {
    access: 'write',
    description: 'a replica introduces itself and the members it knows; answers the folder and the members this one knows',
  }),
  changes: method(
    v.object({ epoch: v.optional(v.string()), since: seq, limit: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1), v.maxValue(MAX_CHANGES))) }),
    v.object({ epoch: v.string(), records: v.array(v.unknown()), next: v.number(), more: v.boolean() }),
    { access: 'read', description: 'this replica’s changes after `since` in its log `epoch` (all of them for another epoch), oldest first' },
  ),
  position: method(v.object({}), v.object({ epoch: v.string(), seq: v.number() }), { access: 'read', description: 'the epoch and latest sequence number of this replica’s change log' }),
  reconcile: method(v.object({ message: v.pipe(v.array(v.unknown()), v.maxLength(8192)) }), v.object({ message: v.array(v.unknown()) }), {
    access: 'read',
    description: 'one round of range-based set reconciliation over this replica’s index',
  }),
  block: method(v.object({ hash }), v.nullable(bytes), { access: 'read', description: 'a block this replica holds, by SHA-256; null when it has none' }),
  notify: method(v.object({ replica: id }), v.null(), { access: 'write', description: 'a replica says it has new changes: this one pulls them' }),
  status: method(v.object({}), SyncStatusSchema, { access: 'read', description: 'files, bytes, conflicts and, per peer replica, how far behind it is and when it was last seen' }),
  members: method(v.object({}), v.array(MemberSchema), { access: 'read', description: 'the replicas of the folder this one knows' }),
  remove: method(v.object({ replica: id }), v.array(MemberSchema), { access: 'write', description: 'removes a replica from the folder: no replica sends it anything more' }),
  rescan: method(v.object({}), v.object({ changed: v.number(), deleted: v.number() }), { access: 'write', description: 'scans the folder now' }),
});
