/**
 * The NAT of a home router or a carrier, as nftables rules on its namespace. Linux's masquerade
 * keeps a flow's source port when it can and maps one inside address and port to the same outside
 * port whatever the destination: endpoint-independent mapping, the kind STUN-based hole punching
 * gets through. `fully-random` picks a new port for every new destination: a symmetric NAT, which
 * punching from another NAT cannot pass. Both filter what comes in: only replies to what went out,
 * to the inside and to the router itself alike. The router's own input matters: a punching peer's
 * first check often reaches the router before the inside host's first packet has left; accepted
 * there, it became a confirmed conntrack entry for that very port, so masquerade moved the inside
 * flow to another port and both sides' checks missed for as long as the entry lived (1 punch in 3
 * failed so). A home router's firewall drops it, as this one now does.
 */
import type { Namespace } from './namespace.js';

/** How a NAT maps inside flows to outside ports. */
export type NatKind = 'endpoint-independent' | 'symmetric';

/** The ruleset for a router whose uplink is `wan`. */
function ruleset(kind: NatKind, wan: string): string {
  const masquerade = kind === 'symmetric' ? 'masquerade fully-random' : 'masquerade';
  return `
    table ip glow_nat {
      chain postrouting { type nat hook postrouting priority srcnat; oifname "${wan}" ${masquerade}; }
      chain forward {
        type filter hook forward priority filter; policy accept;
        iifname "${wan}" ct state established,related accept;
        iifname "${wan}" drop;
      }
      chain input {
        type filter hook input priority filter; policy accept;
        iifname "${wan}" ct state established,related accept;
        iifname "${wan}" drop;
      }
    }`;
}

/** Makes `ns` a NAT router towards `wan` (forwarding on), replacing any NAT it had. */
export async function setNat(ns: Namespace, kind: NatKind, wan = 'wan'): Promise<void> {
  await ns.run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  await ns.run('nft', ['delete table ip glow_nat']).catch(() => undefined);
  await ns.run('nft', [ruleset(kind, wan)]);
}
