/**
 * Syncthing (Debian's `syncthing`), the peer to beat, driven for the sync benchmarks: every
 * instance on 127.0.0.1 only — no global or local discovery, no relays, NAT traversal, STUN,
 * usage or crash reports, upgrades — configured through its REST API, devices given explicit
 * addresses (so a cuttable relay can stand between two of them).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `syncthing` is installed. */
export function syncthingInstalled(): boolean {
  return spawnSync('syncthing', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const set = (xml: string, tag: string, value: string) => xml.replace(new RegExp(`<${tag}>[^<]*</${tag}>`), `<${tag}>${value}</${tag}>`);

/** One Syncthing instance. */
export class Syncthing {
  private constructor(
    readonly home: string,
    readonly id: string,
    readonly listenPort: number,
    private readonly gui: string,
    private readonly apiKey: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(name: string): Promise<Syncthing> {
    const home = await mkdtemp(join(tmpdir(), `glow-bench-st-${name}-`));
    const generated = spawnSync('syncthing', ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'], { encoding: 'utf8' });
    const id = /Device ID: ([A-Z0-9-]+)/.exec(generated.stdout + generated.stderr)?.[1];
    if (!id) throw new Error(`syncthing generate: ${generated.stderr}`);
    const [guiPort, listenPort] = [await freePort(), await freePort()];
    const apiKey = `bench-${Math.random().toString(36).slice(2)}`;
    let xml = await readFile(join(home, 'config.xml'), 'utf8');
    xml = xml.replace(/<address>127\.0\.0\.1:\d+<\/address>/, `<address>127.0.0.1:${guiPort}</address>`).replace(/<apikey>[^<]*<\/apikey>/, `<apikey>${apiKey}</apikey>`);
    for (const [tag, value] of [
      ['listenAddress', `tcp://127.0.0.1:${listenPort}`],
      ['globalAnnounceEnabled', 'false'],
      ['localAnnounceEnabled', 'false'],
      ['relaysEnabled', 'false'],
      ['natEnabled', 'false'],
      ['startBrowser', 'false'],
      ['urAccepted', '-1'],
      ['autoUpgradeIntervalH', '0'],
      ['crashReportingEnabled', 'false'],
      ['stunKeepaliveStartS', '0'],
      ['stunServer', ''],
      ['announceLANAddresses', 'false'],
    ] as const) xml = set(xml, tag, value);
    await writeFile(join(home, 'config.xml'), xml);
    const child = spawn('syncthing', ['serve', `--home=${home}`, '--no-browser', '--no-restart', '--no-upgrade'], {
      stdio: 'ignore',
      env: { ...process.env, STNOUPGRADE: '1', STNODEFAULTFOLDER: '1', STGUIADDRESS: `127.0.0.1:${guiPort}` },
    });
    const instance = new Syncthing(home, id, listenPort, `http://127.0.0.1:${guiPort}`, apiKey, child);
    const deadline = Date.now() + 30_000;
    while (!(await instance.rest('GET', '/rest/system/ping').then(() => true, () => false))) {
      if (Date.now() > deadline) throw new Error('syncthing did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return instance;
  }

  async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.gui + path, {
      method,
      headers: { 'X-API-Key': this.apiKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Knows `peer`, reached at `address` (`dynamic`: only the peer dials). */
  async addDevice(peer: Syncthing, address = `tcp://127.0.0.1:${peer.listenPort}`): Promise<void> {
    await this.rest('PUT', `/rest/config/devices/${peer.id}`, { deviceID: peer.id, name: peer.id.slice(0, 7), addresses: [address], autoAcceptFolders: false });
  }

  /** Shares folder `id` at `path` with `peers`; `watcherDelayS` is Syncthing's watcher delay (default 10 s, minimum 1). */
  async addFolder(id: string, path: string, peers: Syncthing[], watcherDelayS = 10): Promise<void> {
    await this.rest('PUT', `/rest/config/folders/${id}`, {
      id,
      label: id,
      path,
      type: 'sendreceive',
      devices: [{ deviceID: this.id }, ...peers.map((peer) => ({ deviceID: peer.id }))],
      fsWatcherEnabled: true,
      fsWatcherDelayS: watcherDelayS,
      rescanIntervalS: 3600,
    });
  }

  /** The folder's state as `/rest/db/status` says. */
  status(folder: string): Promise<{ state: string; needFiles: number; localFiles: number; globalFiles: number; needBytes: number }> {
    return this.rest('GET', `/rest/db/status?folder=${folder}`);
  }

  /** Whether the folder is idle with nothing needed and `files` files. */
  async complete(folder: string, files?: number): Promise<boolean> {
    const s = await this.status(folder).catch(() => undefined);
    return !!s && s.state === 'idle' && s.needFiles === 0 && s.needBytes === 0 && (files === undefined || s.localFiles === files);
  }

  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.home, { recursive: true, force: true });
  }
}
