/**
 * `POST /api/account`, through which the web app's Devices and Sharing views run the user's
 * operations: it answers them for a logged-in browser, refuses every other control op, and
 * gives a browser without a session (or a page of another site) nothing.
 */
import { request } from 'node:http';
import type { DeviceValue, WhoamiValue } from '../../../apps/daemon/control.js';
import { DaemonProcess, removeHomes, stopAll } from './helpers.js';

let a: DaemonProcess;
/** The web UI session the requests carry. */
let session: { cookie?: string } = {};
beforeAll(async () => {
  a = await DaemonProcess.start();
  session = { cookie: await a.sessionCookie() };
}, 30_000);
afterAll(async () => {
  await stopAll([a]);
  await removeHomes();
});

/** `POST /api/account` with `body`, the session and extra `headers` (node:http: fetch does not let a test set Host). */
function account(body: object, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const url = new URL(a.info.http);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: '/api/account', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...session, ...headers }, timeout: 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

test("answers the user's operations to a login session, unwrapped", async () => {
  const whoami = await account({ op: 'whoami' });
  expect(whoami.status).toBe(200);
  expect((whoami.json as WhoamiValue).node).toBe(a.info.node);
  const devices = await account({ op: 'devices' });
  expect((devices.json as DeviceValue[]).map((device) => device.node)).toEqual([a.info.node]);
  // A refusal keeps its code: a device cannot remove itself.
  expect(await account({ op: 'removeDevice', device: a.info.node })).toMatchObject({ status: 400, json: { code: 'badarg' } });
});

test('refuses the control ops that are not the user’s (stop, join, call…): the daemon keeps running', async () => {
  for (const op of [{ op: 'stop' }, { op: 'join', invitation: 'x' }, { op: 'call', ref: 'node', method: 'info' }, {}]) {
    expect(await account(op)).toMatchObject({ status: 400, json: { code: 'badarg' } });
  }
  expect((await account({ op: 'whoami' })).status).toBe(200);
});

test('gives a browser without a session, or a page of another site, nothing', async () => {
  const port = new URL(a.info.http).port;
  expect(await account({ op: 'devices' }, { host: `glow-phone.test:${port}`, cookie: '' })).toMatchObject({ status: 401, json: { code: 'unauthorized' } });
  // The session cookie sent by a page of another origin does not count.
  expect(await account({ op: 'invite' }, { origin: 'http://evil.test' })).toMatchObject({ status: 401, json: { code: 'unauthorized' } });
  // With the token, from anywhere, it answers (as the gateway does).
  expect((await account({ op: 'devices' }, { host: `glow-phone.test:${port}`, authorization: `Bearer ${await a.token()}` })).status).toBe(200);
});
