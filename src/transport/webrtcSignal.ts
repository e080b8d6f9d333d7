import * as v from 'valibot';

/**
 * Longest SDP accepted from a peer, in characters. A data-channel offer is under 1 KiB; a
 * browser's with a dozen candidates stays under 8 KiB. The cap bounds what one signal can make
 * a node parse.
 */
export const MAX_SDP_LENGTH = 32 * 1024;

/** Longest ICE candidate line accepted; real ones are about 100 characters. */
export const MAX_CANDIDATE_LENGTH = 512;

const sdp = v.pipe(v.string(), v.maxLength(MAX_SDP_LENGTH));

/**
 * Schema of one WebRTC signaling message as it travels between two nodes — through the
 * signaling server today, as a Firefly packet through the mesh later. Validated on receipt:
 * signals arrive from the network.
 */
export const WebRtcSignalSchema = v.variant('type', [
  v.strictObject({ type: v.literal('offer'), sdp }),
  v.strictObject({ type: v.literal('answer'), sdp }),
  v.strictObject({
    type: v.literal('candidate'),
    candidate: v.pipe(v.string(), v.maxLength(MAX_CANDIDATE_LENGTH)),
    mid: v.pipe(v.string(), v.maxLength(32)),
  }),
  /** The sender gave up on this negotiation (timeout, refused, failed); the receiver stops too. */
  v.strictObject({ type: v.literal('end'), reason: v.optional(v.pipe(v.string(), v.maxLength(200))) }),
]);

/** One WebRTC signaling message: offer, answer, ICE candidate, or the end of a negotiation. */
export type WebRtcSignal = v.InferOutput<typeof WebRtcSignalSchema>;

/** Parses an untrusted signal; `undefined` when it is not one. */
export function parseWebRtcSignal(value: unknown): WebRtcSignal | undefined {
  const result = v.safeParse(WebRtcSignalSchema, value);
  return result.success ? result.output : undefined;
}

/**
 * The path signals of one negotiation travel on, whatever carries them. The negotiation
 * ({@link negotiateWebRtc}) sends with `send` and sets `onsignal`; the carrier calls `onsignal`
 * for every (already validated) signal from the remote node for this negotiation.
 */
export interface SignalPort {
  send(signal: WebRtcSignal): void;
  onsignal: ((signal: WebRtcSignal) => void) | undefined;
  /** Called by the negotiation when it is over (channel open, failed, or given up). */
  close(): void;
}
