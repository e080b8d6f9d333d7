/**
 * A stand-in for the daemon's control channel (apps/daemon/control.ts), in the test process:
 * it records each request and answers with whatever the test says, so that the CLI's client
 * side is tested against the contract without starting a daemon.
 */
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlRequest, DaemonInfo } from '../../../apps/daemon/control.js';

/** What the fake answers: a status and a JSON body, or `'hang'` to never answer. */
export type FakeAnswer = { status: number; body: unknown } | 'hang';

export interface FakeDaemon {
  url: string;
  token: string;
  /** Requests received, in order, with their Authorization header. */
  requests: { body: ControlRequest; authorization: string | undefined }[];
  /** Sets how the next requests are answered. */
  answer(respond: (request: ControlRequest) => FakeAnswer): void;
  /** A home whose daemon.json and control.token point at this fake. */
  home(): Promise<string>;
  close(): Promise<void>;
}

export async function startFakeDaemon(): Promise<FakeDaemon> {
  const token = 'test-token-0123456789';
  const requests: FakeDaemon['requests'] = [];
  let respond: (request: ControlRequest) => FakeAnswer = () => ({ status: 200, body: { ok: true, value: null } });
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk) => (text += String(chunk)));
    req.on('end', () => {
      const body = JSON.parse(text) as ControlRequest;
      requests.push({ body, authorization: req.headers.authorization });
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, code: 'unauthorized', message: 'bad token' }));
        return;
      }
      const answer = respond(body);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    requests,
    answer: (next) => (respond = next),
    async home() {
      const home = await mkdtemp(join(tmpdir(), 'glow-cli-fake-'));
      const info: DaemonInfo = { pid: process.pid, node: 'FAKE', http: url, link: 'ws://127.0.0.1:1', startedAt: Date.now() };
      await writeFile(join(home, 'daemon.json'), JSON.stringify(info));
      await writeFile(join(home, 'control.token'), `${token}\n`, { mode: 0o600 });
      return home;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
