/**
 * UDP probes across the simulated internet: an echo that answers each datagram with the address
 * and port it came from (what a NAT mapped it to, as STUN would say), and a prober that sends from
 * one socket to several echoes and reports, per echo, that address and the round trip.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Host } from './internet.js';
import { within } from '../waitFor.js';

const ECHO = `
const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(r.address + ':' + r.port, r.port, r.address));
s.bind(Number(process.argv[1]), '0.0.0.0', () => console.log('ready'));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;

const PROBE = `
const s = require('dgram').createSocket('udp4');
const targets = JSON.parse(process.argv[1]); const timeout = Number(process.argv[2]);
const sent = new Map(); const answers = {};
s.on('message', (m, r) => { const key = r.address + ':' + r.port; if (sent.has(key) && !(key in answers)) answers[key] = { seenAs: String(m), rttMs: Number(process.hrtime.bigint() - sent.get(key)) / 1e6 }; });
s.bind(0, '0.0.0.0', () => {
  for (const t of targets) { const [a, p] = t.split(':'); sent.set(t, process.hrtime.bigint()); s.send('?', Number(p), a); }
  setTimeout(() => { console.log(JSON.stringify(answers)); process.exit(0); }, timeout);
});`;

/** What one echo said: the prober's address and port as it saw them, and the round trip. */
export interface EchoAnswer {
  seenAs: string;
  rttMs: number;
}

/** Starts an echo on `host` at UDP `port`; resolves once it listens, with a function that stops it. */
export async function startEcho(host: Host, port: number): Promise<() => Promise<void>> {
  const child: ChildProcess = host.ns.spawn(process.execPath, ['-e', ECHO, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await within(once(child.stdout!, 'data'), 5000, `an echo on ${host.name}:${port}`);
  return async () => {
    const exited = once(child, 'exit');
    child.stdin!.end();
    await exited;
  };
}

/**
 * Sends one datagram from one socket on `host` to each `address:port` target and waits `timeoutMs`
 * for the answers; a target that did not answer has none.
 */
export async function probe(host: Host, targets: string[], timeoutMs = 1000): Promise<Record<string, EchoAnswer | undefined>> {
  return JSON.parse(await host.ns.run(process.execPath, ['-e', PROBE, JSON.stringify(targets), String(timeoutMs)])) as Record<string, EchoAnswer>;
}
