/** The scheduler's reading of workers' replies: the shape, and that a worker speaks for its own node. */
import { isGlowError } from '../../../src/firefly/errors.js';
import { kindsReply, runReply, statusReply } from '../../../src/resources/jobs/workerReplies.js';

const HOST = 'a'.repeat(16);
const OTHER = 'b'.repeat(16);
const WORKER = `glow://${HOST}/w`;
const status = { node: HOST, running: 0, cap: 4, load: 0, onBattery: null, available: true, idle: true, busy: [], exec: false };

function refusal(read: () => unknown): { code: string; message: string; reason: unknown } {
  try {
    read();
  } catch (error) {
    if (!isGlowError(error)) throw error;
    return { code: error.code, message: error.message, reason: (error.details as { reason?: unknown } | undefined)?.reason };
  }
  throw new Error('the reply was accepted');
}

test('well-formed replies are read', () => {
  expect(statusReply(status, WORKER, HOST)).toEqual(status);
  expect(kindsReply([{ name: 'hash' }, { name: 'sleep', description: 'x' }], WORKER)).toEqual(new Set(['hash', 'sleep']));
  expect(runReply({ process: `glow://${HOST}/p1` }, WORKER, HOST)).toEqual({ node: HOST, local: 'p1' });
});

test.each([
  ['status: a busy list that is a number', () => statusReply({ ...status, busy: 5 }, WORKER, HOST), /status with a malformed reply/],
  ['status: another node', () => statusReply({ ...status, node: OTHER }, WORKER, HOST), /not its own/],
  ['kinds: not a list', () => kindsReply({ name: 'hash' }, WORKER), /kinds with a malformed reply/],
  ['run: no process', () => runReply({}, WORKER, HOST), /run with a malformed reply/],
  ['run: a malformed process id', () => runReply({ process: 'glow://x' }, WORKER, HOST), /malformed process id "glow:\/\/x"/],
  ['run: a process on another node', () => runReply({ process: `glow://${OTHER}/p1` }, WORKER, HOST), /a process on another node/],
])('%s is refused as badpacket/badreply', (_what, read, message) => {
  const refused = refusal(read);
  expect(refused).toMatchObject({ code: 'badpacket', reason: 'badreply' });
  expect(refused.message).toMatch(message);
  expect(refused.message).toContain(WORKER);
});
