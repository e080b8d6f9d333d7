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
});
