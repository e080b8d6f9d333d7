import { answerValue, control } from '../../../apps/daemon/cli/client.js';
import { CliError, EXIT, exitCodeForControlError, exitCodeForHttpStatus } from '../../../apps/daemon/cli/exitCodes.js';
import { HTTP_STATUS } from '../../../apps/daemon/control.js';
import { waitFor } from '../../helpers/waitFor.js';
import { startFakeDaemon, type FakeDaemon } from './fakeDaemon.js';

function failure(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('did not fail');
}

describe('control channel answers', () => {
  it('resolves { ok: true, value } with the value', () => {
    expect(answerValue(200, JSON.stringify({ ok: true, value: [1, 2] }), 'x')).toEqual([1, 2]);
    expect(answerValue(200, JSON.stringify({ ok: true }), 'x')).toBeUndefined();
  });

  it('turns every Glow error code into exit 1 with the code, and unauthorized into exit 7', () => {
    for (const code of Object.keys(HTTP_STATUS)) {
      const error = failure(() => answerValue(HTTP_STATUS[code as keyof typeof HTTP_STATUS], JSON.stringify({ ok: false, code, message: `m-${code}` }), 'x'));
      expect(error.code).toBe(code);
      expect(error.message).toBe(`m-${code}`);
      expect(error.exitCode).toBe(code === 'unauthorized' ? EXIT.unauthorized : EXIT.failed);
      expect(exitCodeForControlError(code)).toBe(error.exitCode);
    }
  });

  it('keeps the details of an error', () => {
    const details = { issues: [{ message: 'bad', path: ['by'] }] };
    expect(failure(() => answerValue(400, JSON.stringify({ ok: false, code: 'badarg', message: 'no', details }), 'x')).details).toEqual(details);
  });

  it('reads a body that is not a control answer by its HTTP status: 401/403 unauthorized, else no daemon', () => {
    expect(failure(() => answerValue(401, 'Unauthorized', 'http://h')).exitCode).toBe(EXIT.unauthorized);
    expect(failure(() => answerValue(403, '', 'http://h')).exitCode).toBe(EXIT.unauthorized);
    expect(failure(() => answerValue(404, '<html/>', 'http://h')).message).toBe('http://h did not answer as a Glow daemon (HTTP 404)');
    expect(failure(() => answerValue(200, '{"value": 1}', 'http://h')).exitCode).toBe(EXIT.noDaemon);
    expect(failure(() => answerValue(500, JSON.stringify({ ok: true, value: 1 }), 'http://h')).exitCode).toBe(EXIT.noDaemon);
    expect(exitCodeForHttpStatus(502)).toBe(EXIT.noDaemon);
  });
});

describe('control requests', () => {
  let fake: FakeDaemon;
  beforeAll(async () => {
    fake = await startFakeDaemon();
  });
  afterAll(() => fake.close());

  it('posts the request with the bearer token and resolves with the value', async () => {
    fake.answer((request) => ({ status: 200, body: { ok: true, value: { echoed: request } } }));
    let sent = false;
    const value = await control({ http: fake.url, token: fake.token }, { op: 'ls', all: true }, { onSent: () => (sent = true) });
    expect(value).toEqual({ echoed: { op: 'ls', all: true } });
    expect(sent).toBe(true);
    expect(fake.requests.at(-1)!.authorization).toBe(`Bearer ${fake.token}`);
  });

  it('gives up on a daemon that does not answer in time (exit 6)', async () => {
    fake.answer(() => 'hang');
    const started = Date.now();
    const error = await control({ http: fake.url, token: fake.token }, { op: 'status' }, { timeout: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.noDaemon);
    expect((error as CliError).message).toMatch(/did not answer within 100 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a daemon that goes away while a request waits (exit 6)', async () => {
    const local = await startFakeDaemon();
    local.answer(() => 'hang');
    let sent!: () => void;
    const onSent = new Promise<void>((resolve) => (sent = resolve));
    const pending = control({ http: local.url, token: local.token }, { op: 'monitor', ref: 'x' }, { timeout: null, onSent: sent }).catch((e: unknown) => e);
    await onSent;
    await waitFor(() => local.requests.length > 0, 2000, 'the fake daemon got no request');
    await local.close();
    const error = (await pending) as CliError;
    expect(error.exitCode).toBe(EXIT.noDaemon);
    expect(error.message).toMatch(/lost the daemon|cannot reach/);
  });
});
