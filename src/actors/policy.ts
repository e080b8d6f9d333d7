import type { NodeId, ResourceId } from '../firefly/address.js';
import type { InterfaceDef } from '../firefly/idl.js';

/** What a peer can ask of a node's resources. */
export type PeerAction = 'call' | 'cast' | 'stream' | 'monitor' | 'link' | 'unlink' | 'exit';

/** A request from another node, as the door sees it before any mailbox does. */
export interface PeerRequest {
  /** The node that sent it: the one the door knows as the sender. */
  readonly from: NodeId;
  /** The resource on that node that sent it (its node resource for requests made outside any resource). */
  readonly caller: ResourceId;
  /** The resource of this node it is for. */
  readonly target: ResourceId;
  readonly action: PeerAction;
  /** The member called, cast to or streamed; the signal's name for signals. */
  readonly member: string;
  /** The target's interface, when the target is a resource of this node. */
  readonly iface?: InterfaceDef;
  /**
   * The request's arguments, decoded on first use (undefined for signals and for a body that
   * does not decode, which the door refuses anyway). Policies that judge by arguments — a grant
   * limited to a path — read them; the others never pay for a decode.
   */
  args(): unknown;
}

/** The verdict that admits a request. */
export const ADMIT = true;

/** A verdict that refuses a request, with the reason the sender gets in `details.reason`. */
export interface Denial {
  readonly deny: string;
}

/** Refuses with `reason`. */
export function deny(reason: string): Denial {
  return { deny: reason };
}

/**
 * Decides what peers may do on this node: {@link ADMIT} or a {@link Denial}. Asked once per
 * request at the door (see `door.ts`), synchronously, before any resource sees it; a policy that
 * throws refuses. Requests made by code inside the node never reach it.
 */
export type PeerPolicy = (request: PeerRequest) => typeof ADMIT | Denial;
