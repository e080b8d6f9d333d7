import { homedir } from 'node:os';
import { join } from 'node:path';
import { DaemonError } from '../../../apps/daemon/errors.js';
import { parseConfig, parseHostPort, resolveHome, resolveSettings } from '../../../apps/daemon/options.js';

describe('daemon settings', () => {
  test('have a default for everything: loopback, ephemeral links, HTTP 7717 with fallback, mDNS on loopback', () => {
    const settings = resolveSettings({}, {}, '/h', '/cwd');
    expect(settings).toMatchObject({
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 7717 },
      httpFallback: true,
      signaling: [],
      connect: [],
      embeddedSignaling: false,
      mdns: true,
      mdnsInterface: '127.0.0.1',
      mdnsPort: 5353,
      web: true,
      logLevel: 'info',
      plugins: [],
      stopTimeout: 10000,
    });
  });

  test('take config.json over the defaults and flags over config.json', () => {
    const config = parseConfig({ listen: '0.0.0.0:7000', name: 'nas', mdns: false, connect: ['ws://a:1'], web: false }, 'config.json');
    const fromFile = resolveSettings({}, config, '/h');
    expect(fromFile).toMatchObject({ listen: { host: '0.0.0.0', port: 7000 }, name: 'nas', mdns: false, mdnsInterface: undefined, connect: ['ws://a:1'], web: false });
    const flagged = resolveSettings({ listen: '127.0.0.1:9', name: 'laptop', mdns: true, connect: ['ws://b:2'], http: '127.0.0.1:0' }, config, '/h');
    expect(flagged).toMatchObject({ listen: { port: 9 }, name: 'laptop', mdns: true, mdnsInterface: '127.0.0.1', connect: ['ws://b:2'], httpFallback: false });
  });

  test('seek direct links only off loopback, run a STUN responder only when asked, and take STUN URLs only', () => {
    expect(resolveSettings({}, {}, '/h')).toMatchObject({ direct: false, stun: undefined, iceServers: [] });
    expect(resolveSettings({ listen: '10.1.0.2:0' }, {}, '/h').direct).toEqual({ initial: 2000, max: 60_000 });
    expect(resolveSettings({ listen: '10.1.0.2:0' }, parseConfig({ direct: false }, 'c.json'), '/h').direct).toBe(false);
    expect(resolveSettings({}, parseConfig({ direct: { max: 5000 } }, 'c.json'), '/h').direct).toEqual({ initial: 2000, max: 5000 });
    const vps = resolveSettings({ stun: '198.51.100.2:3478', iceServers: ['stun:198.51.100.2:3478'] }, {}, '/h');
    expect(vps).toMatchObject({ stun: { host: '198.51.100.2', port: 3478 }, iceServers: ['stun:198.51.100.2:3478'] });
    expect(() => parseConfig({ iceServers: ['turn:user:pass@198.51.100.2:3478'] }, 'c.json')).toThrow(/iceServers\.0: a STUN URL/);
    expect(() => resolveSettings({ stun: '3478' }, {}, '/h')).toThrow(/--stun expects HOST:PORT/);
  });

  test('resolve --plugin paths against the current directory and config plugins against DIR', () => {
    expect(resolveSettings({ plugins: ['./p.ts', 'some-package'] }, {}, '/home/x', '/work').plugins).toEqual(['file:///work/p.ts', 'some-package']);
    expect(resolveSettings({}, { plugins: ['./p.ts'] }, '/home/x', '/work').plugins).toEqual(['file:///home/x/p.ts']);
  });

  test('refuse bad values with a usage error that names the flag or key', () => {
    const usage = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(DaemonError);
        expect((error as DaemonError).exitCode).toBe(2);
        return (error as Error).message;
      }
      throw new Error('no error');
    };
    expect(usage(() => parseHostPort('host', '--http'))).toBe('--http expects HOST:PORT, got "host"');
    expect(usage(() => parseHostPort('h:70000', '--http'))).toMatch(/HOST:PORT/);
    expect(usage(() => parseConfig({ signaling: ['http://x'] }, 'c.json'))).toMatch(/^c\.json: signaling\.0: /);
    expect(usage(() => parseConfig({ nmae: 'x' }, 'c.json'))).toMatch(/nmae/);
    expect(usage(() => resolveSettings({ logLevel: 'loud' as never }, {}, '/h'))).toMatch(/^--log-level: /);
    expect(usage(() => resolveSettings({ plugins: [''] }, {}, '/h'))).toMatch(/^--plugin: /);
    expect(parseHostPort('[::1]:80', 'x')).toEqual({ host: '::1', port: 80 });
  });

  test('find the home in --home, else $GLOW_HOME, else ~/.glow', () => {
    expect(resolveHome({ home: '/a' }, { GLOW_HOME: '/b' })).toBe('/a');
    expect(resolveHome({}, { GLOW_HOME: '/b' })).toBe('/b');
    expect(resolveHome({}, {})).toBe(join(homedir(), '.glow'));
  });
});
