import { DaemonProcess, removeHomes } from './helpers.js';

let daemon: DaemonProcess;
beforeAll(async () => {
  daemon = await DaemonProcess.start({ args: ['--name', 'control-test', '--log-level', 'debug'] });
});
afterAll(async () => {
  await daemon?.terminate();
  await removeHomes();
});

describe('the control channel', () => {
  test('refuses a request without a token (401)', async () => {
    const { status, body } = await daemon.control({ op: 'status' }, null);
    expect(status).toBe(401);
    expect(body).toMatchObject({ ok: false, code: 'unauthorized' });
  });

  test('refuses a wrong token (401), even one of the right length', async () => {
    const token = await daemon.token();
    const wrong = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    expect((await daemon.control({ op: 'status' }, wrong)).status).toBe(401);
    expect((await daemon.control({ op: 'status' }, '')).status).toBe(401);
  });

  test('answers status with the right token', async () => {
    const status = await daemon.op({ op: 'status' });
    expect(status).toMatchObject({ node: daemon.id, name: 'control-test', pid: daemon.pid, http: daemon.info.http, link: daemon.info.link, peers: 0 });
    expect(status.processes).toBeGreaterThanOrEqual(1); // the root supervisor
  });

  test('refuses a malformed request with badarg (400)', async () => {
    expect(await daemon.control({ op: 'nonsense' })).toMatchObject({ status: 400, body: { ok: false, code: 'badarg' } });
    expect(await daemon.control({ op: 'call', ref: 'x' })).toMatchObject({ status: 400, body: { code: 'badarg' } });
    const response = await fetch(`${daemon.info.http}/control`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await daemon.token()}` },
      body: '{not json',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, code: 'badarg' });
  });

  test('spawns, names, calls, lists, describes and kills a process', async () => {
    const spawned = await daemon.op({ op: 'spawn', kind: 'counter', args: { initial: 40 }, name: 'control/counter' });
    expect(spawned).toMatchObject({ kind: 'counter', node: daemon.id, name: 'control/counter', persisted: false });
    expect(await daemon.op({ op: 'call', ref: 'control/counter', method: 'add', args: { by: 2 } })).toBe(42);
    expect(await daemon.op({ op: 'call', ref: spawned.ref, method: 'get' })).toBe(42);
    const listed = await daemon.op({ op: 'ls' });
    expect(listed).toContainEqual({ id: spawned.ref, interface: 'glow.demo.Counter/1', name: 'control/counter' });
    const described = await daemon.op({ op: 'describe', ref: 'control/counter' });
    expect(described.interface).toBe('glow.demo.Counter/1');
    expect(Object.keys(described.members)).toEqual(expect.arrayContaining(['add', 'get', 'info', 'terminate']));
    const tree = await daemon.op({ op: 'tree' });
    expect(tree.id).toBe(daemon.id);
    expect(tree.processes.map((p: { id: string }) => p.id)).toContain(spawned.ref);
    expect(await daemon.op({ op: 'kill', ref: 'control/counter' })).toEqual({ ref: spawned.ref, reason: 'killed' });
    expect(await daemon.control({ op: 'call', ref: 'control/counter', method: 'get' })).toMatchObject({ status: 404, body: { code: 'noproc' } });
  });

  test('answers call errors with their code and status', async () => {
    const { ref } = await daemon.op({ op: 'spawn', kind: 'echo' });
    expect(await daemon.control({ op: 'call', ref, method: 'nope' })).toMatchObject({ status: 404, body: { code: 'nomethod' } });
    expect(await daemon.control({ op: 'call', ref, method: 'sleep', args: { ms: 'long' } })).toMatchObject({ status: 400, body: { code: 'badarg' } });
    expect(await daemon.control({ op: 'call', ref, method: 'fail', args: { message: 'no' } })).toMatchObject({ status: 422, body: { code: 'failed', message: 'no' } });
    expect(await daemon.control({ op: 'call', ref, method: 'sleep', args: { ms: 2000 }, timeout: 100 })).toMatchObject({ status: 504, body: { code: 'timeout' } });
    expect(await daemon.control({ op: 'call', ref: 'no/such/name', method: 'x' })).toMatchObject({ status: 404, body: { code: 'noproc' } });
    expect(await daemon.control({ op: 'spawn', kind: 'nosuchkind' })).toMatchObject({ status: 400, body: { code: 'badarg' } });
    expect(await daemon.control({ op: 'kill', ref: 'nobody' })).toMatchObject({ status: 404, body: { code: 'noproc' } });
  });

  test('monitor waits for the DOWN and answers its reason', async () => {
    const { ref } = await daemon.op({ op: 'spawn', kind: 'echo' });
    const monitoring = daemon.op({ op: 'monitor', ref, timeout: 10000 });
    // The monitor is in place (the daemon says so) before the process ends.
    await daemon.waitLine((line) => line.event === 'monitor.placed' && line.ref === ref);
    await daemon.op({ op: 'call', ref, method: 'terminate', args: { reason: 'normal' } });
    expect(await monitoring).toEqual({ ref, reason: 'normal' });
    expect(await daemon.control({ op: 'monitor', ref: daemon.id + '/gone', timeout: 1000 })).toMatchObject({ status: 200, body: { value: { reason: 'noproc' } } });
    const { ref: other } = await daemon.op({ op: 'spawn', kind: 'echo' });
    expect(await daemon.control({ op: 'monitor', ref: other, timeout: 200 })).toMatchObject({ status: 504, body: { code: 'timeout' } });
  });

  /** Posts a `stream` request and reads the NDJSON lines as they come; `cancelAfter` closes it early. */
  async function streamLines(body: object, cancelAfter?: number): Promise<{ status: number; type: string | null; lines: any[] }> {
    const abort = new AbortController();
    const response = await fetch(`${daemon.info.http}/control`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await daemon.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: abort.signal,
    });
    const lines: any[] = [];
    const type = response.headers.get('content-type');
    if (!type?.startsWith('application/x-ndjson')) return { status: response.status, type, lines: [await response.json()] };
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        for (let nl = pending.indexOf('\n'); nl >= 0 && !abort.signal.aborted; nl = pending.indexOf('\n')) {
          lines.push(JSON.parse(pending.slice(0, nl)));
          pending = pending.slice(nl + 1);
          if (cancelAfter !== undefined && lines.length >= cancelAfter) abort.abort();
        }
        if (abort.signal.aborted) break;
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
    return { status: response.status, type, lines };
  }

  test('streams a stream member as NDJSON lines, in order, ending with end', async () => {
    const { ref } = await daemon.op({ op: 'spawn', kind: 'echo' });
    const { status, lines } = await streamLines({ op: 'stream', ref, method: 'count', args: { upTo: 500 } });
    expect(status).toBe(200);
    expect(lines.slice(0, -1)).toEqual(Array.from({ length: 500 }, (_, i) => ({ item: i })));
    expect(lines.at(-1)).toEqual({ end: true });
  });

  test('answers a stream that cannot start with an ordinary error and status', async () => {
    const { ref } = await daemon.op({ op: 'spawn', kind: 'echo' });
    expect(await streamLines({ op: 'stream', ref, method: 'count', args: { upTo: 'many' } })).toMatchObject({ status: 400, lines: [{ code: 'badarg' }] });
    expect(await streamLines({ op: 'stream', ref: 'no/such/name', method: 'count' })).toMatchObject({ status: 404, lines: [{ code: 'noproc' }] });
  });

  test('a client that goes away cancels the stream: the producer stops', async () => {
    const { ref } = await daemon.op({ op: 'spawn', kind: 'echo' });
    const { lines } = await streamLines({ op: 'stream', ref, method: 'count', args: { upTo: 1_000_000, everyMs: 1 } }, 5);
    expect(lines).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
    // The daemon saw the client go and cancelled the resource's stream.
    await daemon.waitLine((line) => line.event === 'http.stream.closed' && line.ref === ref && line.outcome === 'cancelled', 5000);
  });
});
