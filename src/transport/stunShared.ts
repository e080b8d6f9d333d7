import { startStunServer, type StunServer } from './stunServer.js';

/**
 * One loopback STUN responder shared by every werift peer of this process that has no STUN
 * server configured. werift cannot be told "no STUN": with none it queries Google's server and
 * stalls 5 s when that does not answer (webrtc-loopback.md). A responder on 127.0.0.1 answers
 * at once and keeps every packet on this host. Reference-counted: it runs only while some peer
 * needs it, and is unref'd, so it never keeps a process alive.
 */
let shared: Promise<StunServer> | undefined;
let users = 0;

/** Starts (or reuses) the shared responder; pair every call with {@link releaseLoopbackStun}. */
export async function acquireLoopbackStun(): Promise<string> {
  users++;
  shared ??= startStunServer({ host: '127.0.0.1', port: 0, ref: false });
  try {
    return (await shared).url;
  } catch (error) {
    users--;
    shared = undefined;
    throw error;
  }
}

/** Gives back one use; the responder closes with the last one (the promise says when). */
export function releaseLoopbackStun(): Promise<void> {
  if (users === 0 || --users > 0) return Promise.resolve();
  const closing = shared;
  shared = undefined;
  return closing ? closing.then((server) => server.close()).catch(() => undefined) : Promise.resolve();
}
