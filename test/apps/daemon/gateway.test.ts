import { request } from 'node:http';
import { createIdentity } from '../../../src/transport/identity.js';
import { DaemonProcess, removeHomes, stopAll } from './helpers.js';

// A — B, and a counter on B: the gateway of A reaches it through the mesh.
let a: DaemonProcess;
let b: DaemonProcess;
let counter: string;
beforeAll(async () => {
  a = await DaemonProcess.start({ args: ['--name', 'gateway-a'] });
  b = await DaemonProcess.start({ args: ['--connect', a.info.link] });
  counter = (await b.op({ op: 'spawn', kind: 'counter', args: { initial: 1 }, name: 'remote/counter' })).ref;
  // The name reaches A's directory replica once the two are linked.
  await a.until<{ name?: string }[]>({ op: 'ls', all: true }, (list) => list.some((r) => r.name === 'remote/counter'));
}, 30000);
afterAll(async () => {
  await stopAll([a, b]);
  await removeHomes();
});

async function api(path: string, body?: unknown): Promise<{ status: number; type: string | null; json: any; bytes: Buffer }> {
  const response = await fetch(`${a.info.http}/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(await a.bearer()) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type');
  return { status: response.status, type, bytes, json: type?.startsWith('application/json') ? JSON.parse(bytes.toString()) : undefined };
}

/** A raw request with chosen headers (fetch does not let a test set Host). */
function raw(path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(a.info.http);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the HTTP/JSON gateway', () => {
  test('POST /api/call reaches a resource on another daemon, by name and by id', async () => {
    expect(await api('/call', { ref: 'remote/counter', method: 'add', args: { by: 41 } })).toMatchObject({ status: 200, json: 42 });
    expect(await api('/call', { ref: counter, method: 'get', args: {} })).toMatchObject({ status: 200, json: 42 });
    expect(await api('/call', { ref: counter, method: 'get' })).toMatchObject({ status: 200, json: 42 });
  });

  test('answers bytes as application/octet-stream', async () => {
    const { ref } = await b.op({ op: 'spawn', kind: 'echo' });
    const answer = await api('/call', { ref, method: 'bytes', args: { text: 'héllo' } });
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('application/octet-stream');
    expect(answer.bytes.toString('utf8')).toBe('héllo');
    // Any other result is JSON.
    expect(await api('/call', { ref, method: 'echo', args: { value: { n: 1, list: [true, null] } } })).toMatchObject({ json: { n: 1, list: [true, null] } });
  });

  test('errors come back with their code and the HTTP status that fits', async () => {
    const { ref } = await b.op({ op: 'spawn', kind: 'echo' });
    const cases: [unknown, number, string][] = [
      [{ ref: 'nobody/by/that/name', method: 'get' }, 404, 'noproc'],
      [{ ref: `glow://${b.id}/nope`, method: 'get' }, 404, 'noproc'],
      [{ ref: counter, method: 'subtract', args: {} }, 404, 'nomethod'],
      [{ ref: counter, method: 'add', args: { by: 'two' } }, 400, 'badarg'],
      [{ ref, method: 'fail', args: { message: 'refused' } }, 422, 'failed'],
      [{ ref, method: 'sleep', args: { ms: 3000 }, timeout: 100 }, 504, 'timeout'],
      [{ ref: `glow://${createIdentity().id}/x`, method: 'get' }, 502, 'noconnection'],
      [{ method: 'get' }, 400, 'badarg'],
      [[1, 2], 400, 'badarg'],
    ];
    for (const [body, status, code] of cases) {
      const answer = await api('/call', body);
      expect({ body, status: answer.status, code: answer.json?.code }).toEqual({ body, status, code });
      expect(typeof answer.json.message).toBe('string');
    }
    const response = await fetch(`${a.info.http}/api/call`, { method: 'POST', body: 'not json', headers: await a.bearer() });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'badarg' });
  });

  test('GET /api/describe and /api/ls', async () => {
    const described = await api(`/describe?ref=${encodeURIComponent('remote/counter')}`);
    expect(described.status).toBe(200);
    expect(described.json.interface).toBe('glow.demo.Counter/1');
    expect(described.json.members.add).toMatchObject({ kind: 'method' });
    const local = await api('/ls');
    expect(local.json.every((r: { id: string }) => r.id.startsWith(`glow://${a.id}/`))).toBe(true);
    const remote = await api(`/ls?node=${b.id}`);
    expect(remote.json).toContainEqual({ id: counter, interface: 'glow.demo.Counter/1', name: 'remote/counter' });
    expect((await api('/ls?all=1')).json.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([counter, local.json[0].id]));
    expect(await api('/describe?ref=')).toMatchObject({ status: 400, json: { code: 'badarg' } });
  });

  test('needs the token (or a login session), from this machine too, and whatever the Host', async () => {
    const host = new URL(a.info.http).host;
    // Loopback proves nothing: every local Unix user has it.
    expect(await raw('/api/ls', { host })).toBe(401);
    expect(await raw('/status', { host })).toBe(401);
    const token = await a.token();
    expect(await raw('/api/ls', { host, authorization: `Bearer ${token}` })).toBe(200);
    expect(await raw('/api/ls', { host: 'evil.example', authorization: `Bearer ${token}` })).toBe(200);
    expect(await raw('/api/ls', { host, authorization: 'Bearer wrong' })).toBe(401);
  });
});

describe('the status page', () => {
  test('(at /status, and at / until the web app is built) shows the node id, its name, a peer with its kind, routes and processes', async () => {
    const response = await fetch(`${a.info.http}/status`, { headers: await a.bearer() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain(a.id);
    expect(html).toContain('gateway-a');
    expect(html).toMatch(new RegExp(`<td>${b.id}</td><td>websocket</td>`));
    expect(html).toContain('Routes (1)');
    expect(html).toContain('glow.Supervisor/1');
  });

  test('is absent with --no-web, while the gateway stays', async () => {
    const quiet = await DaemonProcess.start({ args: ['--no-web'] });
    try {
      expect((await fetch(`${quiet.info.http}/`)).status).toBe(404);
      expect((await fetch(`${quiet.info.http}/api/ls`, { headers: await quiet.bearer() })).status).toBe(200);
      expect((await fetch(`${quiet.info.http}/api/ls`)).status).toBe(401);
    } finally {
      await quiet.terminate();
    }
  });
});
