/**
 * Who replicates a folder: every replica keeps the list of members it has heard of and merges
 * the lists of the replicas it meets, so a member added on one device is known everywhere after
 * a few meetings. Removal is for good: a removed member stays in the list, marked, so that an
 * old list carried by a replica that was away cannot bring it back. Browser-safe.
 */
import type { Member } from './interface.js';
import type { ReplicaState } from './replicaState.js';

const FILE = 'members.json';
/** Most members a folder has: a person's devices and a few friends', not a crowd. */
export const MAX_MEMBERS = 256;

/** A replica's member list, saved in its state files. */
export class MemberList {
  private readonly members = new Map<string, Member>();

  private constructor(private readonly state: ReplicaState) {}

  /** Loads the list (with `self` in it, updated). */
  static async open(state: ReplicaState, self: Member): Promise<MemberList> {
    const list = new MemberList(state);
    const text = await state.read(FILE);
    const saved = parseList(text);
    for (const member of saved) list.members.set(member.replica, member);
    const known = list.members.get(self.replica);
    list.members.set(self.replica, { ...self, removed: known?.removed ?? false });
    await list.save();
    return list;
  }

  /** Every member, removed ones included. */
  all(): Member[] {
    return [...this.members.values()];
  }

  /** The member `replica`. */
  get(replica: string): Member | undefined {
    return this.members.get(replica);
  }

  /** The members that are not removed. */
  live(): Member[] {
    return this.all().filter((member) => !member.removed);
  }

  /** The live member running on `node`, if any. */
  onNode(node: string): Member | undefined {
    return this.live().find((member) => member.node === node);
  }

  /** Takes what another list knows: new members, and removals. Answers whether anything changed. */
  async merge(members: readonly Member[]): Promise<boolean> {
    let changed = false;
    for (const member of members) {
      const known = this.members.get(member.replica);
      if (!known) {
        if (this.members.size >= MAX_MEMBERS) continue;
        this.members.set(member.replica, member);
        changed = true;
      } else if (member.removed && !known.removed) {
        this.members.set(member.replica, { ...known, removed: true });
        changed = true;
      }
      // Anything else a list says of a known member is hearsay: a member is believed about
      // itself only, in its hello.
    }
    if (changed) await this.save();
    return changed;
  }

  /** Updates what a member says of itself (in its hello). */
  async introduce(member: Member): Promise<void> {
    const known = this.members.get(member.replica);
    if (known?.removed) return;
    if (known && known.node === member.node && known.device === member.device && known.ref === member.ref) return;
    if (!known && this.members.size >= MAX_MEMBERS) return;
    this.members.set(member.replica, { ...member, removed: false });
    await this.save();
  }

  /** Marks `replica` removed. Answers whether it was a live member. */
  async remove(replica: string): Promise<boolean> {
    const known = this.members.get(replica);
    if (!known || known.removed) return false;
    this.members.set(replica, { ...known, removed: true });
    await this.save();
    return true;
  }

  private async save(): Promise<void> {
    await this.state.write(FILE, JSON.stringify(this.all()));
  }
}

/** A saved list; a torn one (a crash mid-write of the old, non-atomic saves) counts as empty: hellos fill it again. */
function parseList(text: string | undefined): Member[] {
  try {
    return text === undefined ? [] : (JSON.parse(text) as Member[]);
  } catch {
    return [];
  }
}
