/**
 * The little SDP reading a data-channel link needs: DTLS fingerprints (what binds the link
 * handshake to the channel), the advertised message size, and candidate filtering (keeping
 * tests on loopback). Plain string work, shared by every WebRTC backend, browser-safe.
 */

/** Decides whether an ICE candidate (`candidate:…` text, with or without `a=`) may be used. */
export type CandidateFilter = (candidate: string) => boolean;

/**
 * Keeps only host candidates on 127.0.0.1. werift lists every interface's address (and STUN
 * answers) in its SDP even when its sockets are bound to loopback; a peer that tried those
 * would send packets off loopback — see webrtc-loopback.md.
 */
export const loopbackCandidates: CandidateFilter = (candidate) => {
  const fields = candidate.replace(/^a=/, '').trim().split(/\s+/);
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …
  return fields[2]?.toLowerCase() === 'udp' && fields[4] === '127.0.0.1' && fields[6] === 'typ' && fields[7] === 'host';
};

/** Removes the `a=candidate` lines that `keep` rejects; every other line is left as it was. */
export function filterSdpCandidates(sdp: string, keep: CandidateFilter): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(eol)
    .filter((line) => !line.startsWith('a=candidate:') || keep(line))
    .join(eol);
}

/**
 * The DTLS certificate fingerprints an SDP announces, normalised as `algorithm HEX:HEX…`
 * (algorithm lower case, hex upper case) and deduplicated, in order of appearance.
 */
export function sdpFingerprints(sdp: string): string[] {
  const found = new Set<string>();
  for (const match of sdp.matchAll(/^a=fingerprint:\s*(\S+)\s+([0-9A-Fa-f:]+)\s*$/gm)) {
    found.add(`${match[1]!.toLowerCase()} ${match[2]!.toUpperCase()}`);
  }
  return [...found];
}

/**
 * The channel binding of a WebRTC connection: every fingerprint of both SDPs (local and remote,
 * as this side saw them), sorted and joined. Both ends compute the same string when the
 * signaling path delivered the SDPs untouched; a relay that put its own certificate in the
 * middle leaves each end with a different one, and the link handshake, which signs it, fails.
 * Throws when either SDP has no fingerprint: DTLS without one cannot be bound to anything.
 */
export function webrtcBinding(localSdp: string, remoteSdp: string): string {
  const local = sdpFingerprints(localSdp);
  const remote = sdpFingerprints(remoteSdp);
  if (local.length === 0 || remote.length === 0) throw new Error('an SDP carries no DTLS fingerprint');
  return [...new Set([...local, ...remote])].sort().join(',');
}

/**
 * The `a=max-message-size` an SDP advertises; `undefined` when absent (RFC 8841 then means
 * 64 KiB), 0 means "no limit".
 */
export function sdpMaxMessageSize(sdp: string): number | undefined {
  const match = /^a=max-message-size:\s*(\d+)\s*$/m.exec(sdp);
  return match ? Number(match[1]) : undefined;
}

/**
 * The message size to use on a channel: the smaller of what we and the peer accept, where 0 or
 * absent follows RFC 8841 (absent: 64 KiB; 0: unlimited, so our own limit applies).
 */
export function negotiatedMessageSize(ours: number, remoteSdp: string): number {
  const theirs = sdpMaxMessageSize(remoteSdp) ?? 65536;
  return theirs === 0 ? ours : Math.min(ours, theirs);
}
