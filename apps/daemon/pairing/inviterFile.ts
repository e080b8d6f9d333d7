/**
 * `DIR/inviter.json`: the inviter a joined daemon paired with (its node id and link address),
 * written at `glow join` and dialled at every start like a `--connect` address, so that a joined
 * device finds its way back to its user's mesh after a restart without `--connect` or mDNS. Only
 * this daemon writes it (at a join the local user asked for); nothing a peer sends lands there.
 * A file that is missing holds nothing; one that cannot be read is reported and ignored (the
 * daemon then relies on `--connect` and mDNS, as before the join).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIdSegment, type NodeId } from '../../../src/firefly/address.js';
import { errorMessage } from '../../../src/firefly/errors.js';
import { writeFileAtomic } from '../atomicFile.js';
import { HOME_FILES } from '../home.js';

/** The inviter to link to. */
export interface RememberedInviter {
  node: NodeId;
  /** `ws://HOST:PORT` of its link listener. */
  link: string;
}

/** Writes `DIR/inviter.json` (atomically, mode 0600). */
export async function saveInviter(home: string, inviter: RememberedInviter, now = Date.now()): Promise<void> {
  await writeFileAtomic(join(home, HOME_FILES.inviter), `${JSON.stringify({ version: 1, node: inviter.node, link: inviter.link, joined: now }, null, 2)}\n`);
}

/** Reads `DIR/inviter.json`: the inviter, nothing, or why the file is ignored. */
export async function loadInviter(home: string): Promise<{ inviter?: RememberedInviter; warning?: string }> {
  const file = join(home, HOME_FILES.inviter);
  let parsed: { node?: unknown; link?: unknown };
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as typeof parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { warning: `ignoring ${file}: ${errorMessage(error)}` };
  }
  const { node, link } = parsed ?? {};
  if (typeof node !== 'string' || !isIdSegment(node) || typeof link !== 'string' || !/^wss?:\/\//.test(link) || !URL.canParse(link)) {
    return { warning: `ignoring ${file}: it does not hold a node id and a ws:// link address` };
  }
  return { inviter: { node, link } };
}
