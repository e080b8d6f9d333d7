/**
 * The Glow daemon: one mesh node per device, with its identity and state in a home directory.
 *
 * For the `glow daemon` command (and apps/daemon/main.ts):
 *
 *   import { runDaemon, type DaemonOptions } from '../daemon.js';
 *   process.exit(await runDaemon(options)); // options: the flags, see DaemonOptions in options.ts
 *
 * `runDaemon` starts the daemon, stops it gracefully on SIGTERM/SIGINT (a second signal, or a
 * shutdown longer than `stopTimeout`, forces the exit with status 1) and resolves with the exit
 * status: 0 after a clean stop, else the start failure's (EXIT_CODES in errors.ts: 2 bad
 * options, 3 unusable home or corrupt key, 4 already running, 5 address in use), whose one-line
 * reason it has printed on stderr as `glow daemon: <reason>`.
 *
 * `startDaemon` is the same without signals or exit: it resolves once everything listens.
 *
 * What a start does, in order: claims DIR (daemon.lock; a live daemon refuses, a killed one's
 * files are replaced), loads or creates the key, writes a fresh control token, loads or creates
 * the user and this device's certificate (userHome.ts), loads the process
 * kinds (built-in, then plugins), listens for links, starts the embedded signaling server when
 * asked, starts the root supervisor with the persisted processes, starts the `glow.Account/1`
 * resource (accountResource.ts: the user's operations for its other devices), listens for HTTP, writes
 * daemon.json, then dials `--connect` peers, the inviter it joined through (DIR/inviter.json) and
 * signaling servers (retrying with backoff) and starts mDNS discovery (advertising the HTTP port too), and logs one line `daemon.started` with the node id, the URLs
 * and, with the web UI on, a one-time login URL for it (`login`; `glow open` asks for another).
 *
 * The link listener, the embedded signaling server and the control channel accept browser pages
 * of the daemon's own web origins only (webOrigins.ts); programs send no `Origin`.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../src/firefly/errors.js';
import { useSignatureBackend } from '../../src/transport/identity.js';
import { nodeSignatures } from '../../src/transport/nodeSignatures.js';
import { useCipherBackend } from '../../src/transport/ciphers.js';
import { nodeCiphers } from '../../src/transport/nodeCiphers.js';
import { Mesh } from '../../src/actors/mesh.js';
import { loadWebRtcBackend } from '../../src/transport/webrtcBackend.js';
import { createNodeWebSocket, listenWebSocket, type WebSocketListener } from '../../src/transport/websocketServer.js';
import { registerSupervision } from '../../src/supervision/supervisor.js';
import { startSignalingServer, type SignalingServer } from '../signaling/server.js';
import type { DaemonInfo } from './control.js';
import { claimHome, type HomeClaim } from './daemonFile.js';
import { startDiscovery, type Discovery } from './discovery.js';
import { DaemonError, EXIT_CODES } from './errors.js';
import { HOME_FILES, loadIdentity, prepareHome, readConfig, writeControlToken } from './home.js';
import { startHttp, type HttpServer } from './http.js';
import { registerJobKinds, startJobServices } from './jobs.js';
import { builtinKinds } from './kinds.js';
import { grantPrefix } from './sharing.js';
import { releaseMemoryWhenQuiet } from './memoryRelease.js';
import { createLogger, type Logger } from './log.js';
import { linkLog } from './linkLog.js';
import type { DaemonContext } from './operations.js';
import { ACCOUNT_RESOURCE } from './accountInterface.js';
import { accountResource } from './accountResource.js';
import { loginUrl } from './login.js';
import { Sessions } from './sessions.js';
import { PublicLinks } from './publicLinks.js';
import { AppPasswords } from './appPasswords.js';
import { lazyDavHandler } from './dav/davPath.js';
import { webOrigins } from './webOrigins.js';
import { isLoopbackHost, resolveHome, resolveSettings, type DaemonOptions, type DaemonSettings } from './options.js';
import { PersistedProcesses } from './persist.js';
import { startRenewals } from './renewal.js';
import { loadDevice } from './userHome.js';
import { dialLoop, signalingLoop } from './links.js';
import { startStunResponder } from './stun.js';
import { loadTls } from './tls.js';
import { keepDirectPaths, type DirectPaths } from '../../src/actors/directPaths.js';
import { watchNetwork } from './networkWatch.js';
import { loadInviter, saveInviter, type RememberedInviter } from './pairing/inviterFile.js';
import { Invites } from './pairing/invites.js';
import type { PairingContext } from './pairing/pairingOps.js';
import type { Reconnector } from './reconnect.js';

export type { DaemonOptions, DaemonSettings } from './options.js';
export { EXIT_CODES, DaemonError } from './errors.js';

/** A running daemon. */
export interface RunningDaemon {
  readonly info: DaemonInfo;
  readonly settings: DaemonSettings;
  readonly mesh: Mesh;
  readonly log: Logger;
  /** Stops gracefully (idempotent): processes in supervision order, then links ('daemon stopping'), then servers; removes daemon.json. */
  stop(): Promise<void>;
  /** Settles when a stop begins (by `stop()`, a signal or the `stop` control request). */
  readonly stopping: Promise<void>;
  /** Settles when the daemon has stopped. */
  readonly stopped: Promise<void>;
}

/** Things a program embedding the daemon may provide instead of the defaults. */
export interface DaemonRuntime {
  /** @default a pino logger on stdout at the settings' level */
  logger?: Logger;
  /** Directory `--plugin` paths are relative to. @default process.cwd() */
  cwd?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Starts a daemon (see the top of this file). Rejects with a {@link DaemonError}. */
export async function startDaemon(options: DaemonOptions = {}, runtime: DaemonRuntime = {}): Promise<RunningDaemon> {
  const home = resolveHome(options, runtime.env);
  await prepareHome(home);
  const settings = resolveSettings(options, await readConfig(home), home, runtime.cwd);
  const log = runtime.logger ?? createLogger({ level: settings.logLevel });
  const claim = await claimHome(home);
  const cleanups: (() => Promise<void> | void)[] = [() => claim.release()];
  try {
    return await assemble(settings, log, claim, cleanups);
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}

async function assemble(settings: DaemonSettings, log: Logger, claim: HomeClaim, cleanups: (() => Promise<void> | void)[]): Promise<RunningDaemon> {
  const { home } = settings;
  if (claim.stale) log.warn({ event: 'daemon.stale', pid: claim.stale.pid }, `replaced the files of a daemon that did not exit cleanly (pid ${claim.stale.pid ?? '?'} is not running)`);
  const { identity, created, warning } = await loadIdentity(home);
  if (warning) log.warn({ event: 'identity.mode' }, warning);
  if (created) log.info({ event: 'identity.created', node: identity.id }, `created a new node identity ${identity.id}`);
  const token = await writeControlToken(home);
  // Native Ed25519: links, certificates and grants are checked on every start and request. And
  // native sealing (libsodium, OpenSSL for bulk): every byte on a link and through a relay is
  // sealed, and the JavaScript cipher would cap a daemon's traffic at a fraction of its links.
  useSignatureBackend(nodeSignatures);
  useCipherBackend(nodeCiphers);
  const device = await loadDevice(home, identity, settings.name ?? hostname(), (error) =>
    log.error({ event: 'trust.writeFailed', error: errorMessage(error) }, `cannot save the trust store: ${errorMessage(error)}`),
  );
  if (device.warning) log.warn({ event: 'identity.mode' }, device.warning);
  const { user } = device.trust;
  if (device.userCreated) log.info({ event: 'user.created', user }, `created a new user ${user}: this device is its first (admin) device`);
  if (device.certified) log.info({ event: 'device.certified', user, node: identity.id, expires: device.trust.certificate.expires }, `certified this device for user ${user}`);
  const loopback = isLoopbackHost(settings.listen.host);
  // Always loaded (node-datachannel in ~50 ms, else werift): besides signaling servers, WebRTC
  // offers also arrive through the mesh itself, from browser tabs linked to other daemons.
  const backend = await loadWebRtcBackend('auto');

  const mesh = new Mesh({
    identity,
    // Only this user's devices and friends link in; the door lets other users do only what grants allow.
    trust: device.trust,
    transit: settings.transit,
    webSocket: createNodeWebSocket,
    // A loopback daemon offers loopback ICE candidates only: it exposes nothing beyond this machine.
    webrtc: { backend, loopbackOnly: loopback, ...(settings.iceServers.length > 0 ? { iceServers: settings.iceServers } : {}) },
    // Refusals at info, once a minute per peer: a stranger redialling must not flood the log.
    link: { log: linkLog(log) },
    // Routine where NATs refuse a punched link (direct paths try again later): not a warning.
    log: (event) => log.info(event, `WebRTC link to ${event.peer} failed: ${event.reason}`),
  });
  // Supervisors' reports (a child ended, a start or shutdown failed, a supervisor gave up): a
  // crash is worth a warning; a clean end is routine.
  mesh.node.onReport((report) => {
    const clean = report.event === 'child_terminated' && (report.details?.reason === 'normal' || report.details?.reason === 'shutdown');
    log[clean ? 'info' : 'warn']({ ...report, event: `supervisor.${report.event}` }, report.message);
  });
  registerSupervision(mesh.node);
  // A friend's folder joined here: the friend's replicas may call this user's replica of it.
  const grantBack = (user: string, prefix: string) => Promise.resolve(grantPrefix(mesh.identity, device, user, prefix));
  for (const kind of builtinKinds(home, device.trust.certificate.name, { grantBack })) mesh.node.registerKind(kind);
  registerJobKinds(mesh.node, settings, log);
  for (const plugin of settings.plugins) {
    try {
      const kinds = await mesh.node.loadKinds(plugin);
      log.info({ event: 'plugin.loaded', plugin, kinds }, `plugin ${plugin}: ${kinds.join(', ')}`);
    } catch (error) {
      throw new DaemonError('usage', `cannot load plugin ${plugin}: ${errorMessage(error)}`);
    }
  }
  let stopping: Promise<void> | undefined;
  cleanups.push(() => mesh.close({ reason: 'daemon stopping' }));
  cleanups.push(startRenewals(device, mesh, log));
  cleanups.push(
    releaseMemoryWhenQuiet({
      onRelease: (before, after) => log.debug({ event: 'memory.released', before, after }, `collected ${Math.round((before - after) / 1e6)} MB after a burst of work`),
    }),
  );

  const tls = await loadTls(settings.tls, home, identity, [settings.listen.host, settings.http.host]);
  if (tls) {
    log.info(
      { event: 'tls.ready', bound: tls.bound, pin: tls.pin },
      tls.bound ? `TLS with a certificate bound to this node (browsers: trust the key sha256/${tls.pin})` : 'TLS with the given certificate',
    );
  }
  const origins = webOrigins(settings.http.host, settings.origins, tls !== undefined);
  const sessions = new Sessions();
  let listener: WebSocketListener;
  try {
    listener = await listenWebSocket({
      ...mesh.linkOptions(),
      identity,
      ...(tls ? { tls } : {}),
      host: settings.listen.host,
      port: settings.listen.port,
      onLink: (link) => mesh.addLink(link),
      // A tab of the web app links in; a page of any other site is refused before the upgrade.
      allowOrigin: origins.allows,
      onOriginRefused: ({ origin, remote }) => log.warn({ event: 'link.originRefused', origin, remote }, `refused a link from a page of ${origin} (${remote})`),
    });
  } catch (error) {
    throw new DaemonError('address', `cannot listen for links on ${settings.listen.host}:${settings.listen.port}: ${errorMessage(error)}`);
  }
  cleanups.push(() => listener.close());

  let signaling: SignalingServer | undefined;
  if (settings.embeddedSignaling) {
    signaling = await startSignalingServer({
      host: settings.http.host,
      port: 0,
      ...(tls ? { tls } : {}),
      stun: settings.embeddedStun,
      allowOrigin: origins.allows,
      // Refusals for an origin or over a limit are the owner's business; the rest is routine.
      log: (event) => log[event.event === 'signaling.limited' ? 'warn' : 'debug']({ ...event, ...('error' in event ? { error: String(event.error) } : {}) }, event.event),
    });
    cleanups.push(() => signaling!.close());
  }

  if (settings.stun) {
    const stun = await startStunResponder(settings.stun, settings.listen.host);
    mesh.offerIceServers([stun.url]);
    cleanups.push(() => stun.close());
  }
  let directPaths: DirectPaths | undefined;
  if (settings.direct) {
    const trust = device.trust;
    directPaths = keepDirectPaths(mesh, {
        ...settings.direct,
        // This user's own devices; friends' devices go through the mesh as their grants allow.
        wanted: (node) => trust.deviceOf(node)?.user === trust.user,
        // A browser tab (a node its device key delegated to) dials us: werift's offers through
        // NATs to Chromium did not get through where Chromium's to werift did.
        dials: (node) => trust.deviceOf(node)?.key === undefined && mesh.id < node,
        log: (event) =>
          event.event === 'direct.linked'
            ? log.info(event, `direct link to ${event.peer} in ${event.ms} ms`)
            : log[event.failures === 1 ? 'info' : 'debug'](event, `no direct link to ${event.peer} (${event.reason}); through the mesh, next try in ${Math.round(event.retryIn / 1000)} s`),
    });
    cleanups.push(() => directPaths?.stop());
    // A device is wanted once its certificate is known here, which may come after its route.
    cleanups.push(trust.onChange((event) => (event.type === 'device' ? directPaths?.lookAgain() : undefined)));
  }

  const persisted = new PersistedProcesses(mesh.node, home, log);
  await persisted.start();
  await startJobServices(mesh.node, persisted, home);
  await persisted.startService({ id: 'glow.sync', kind: 'syncd', args: { file: join(home, HOME_FILES.sync) } });

  const info: DaemonInfo = {
    pid: process.pid,
    node: identity.id,
    // The device's name as the mesh knows it: its certificate's (--name when it was made, else
    // the host name).
    name: device.trust.certificate.name,
    http: '',
    link: listener.url,
    ...(signaling ? { signaling: signaling.url } : {}),
    startedAt: Date.now(),
  };
  let stop = (): Promise<void> => Promise.resolve();
  // A stop asked for by a control request: nobody waits for it, so its failure is logged here.
  const requestStop = () => {
    stop().catch((error: unknown) => log.error({ event: 'daemon.stopError', error: String(error) }, `stopping failed: ${String(error)}`));
  };
  const loops: Reconnector[] = [];
  let discovery: Discovery | undefined;
  let inviterLoop: Reconnector | undefined;
  // The inviter this device joined through: dialled like a --connect address, expecting its id.
  const dialInviter = (inviter: RememberedInviter) => {
    if (stopping) return;
    inviterLoop?.stop();
    inviterLoop = dialLoop(mesh, inviter.link, settings, log, inviter.node);
    loops.push(inviterLoop);
  };
  const pairing: PairingContext = {
    home,
    invites: new Invites(),
    linkTo: (url: string) => {
      if (!stopping) loops.push(dialLoop(mesh, url, settings, log));
    },
    // A joined daemon links to its inviter at once, and after every restart (DIR/inviter.json).
    keepInviter: async (inviter) => {
      try {
        await saveInviter(home, inviter);
      } catch (error) {
        log.error({ event: 'inviter.saveFailed', error: errorMessage(error) }, `cannot remember the inviter: ${errorMessage(error)}; after a restart, give --connect ${inviter.link}`);
      }
      dialInviter(inviter);
    },
    nearby: () => discovery,
  };
  const publicLinks = await PublicLinks.open(join(home, HOME_FILES.publicLinks));
  const appPasswords = await AppPasswords.open(join(home, HOME_FILES.appPasswords));
  const ctx: DaemonContext = { mesh, info: () => info, persisted, log, device, pairing, sessions, publicLinks, appPasswords, home, requestStop };
  // The user's operations for the user's other devices over the mesh (a paired phone's tab).
  mesh.node.spawnWellKnown(ACCOUNT_RESOURCE, accountResource(ctx));
  const http: HttpServer = await startHttp({
    ...(tls ? { tls } : {}),
    host: settings.http.host,
    port: settings.http.port,
    fallback: settings.httpFallback,
    token,
    sessions,
    dav: lazyDavHandler(async () => {
      const [{ davHandler }, { DavStore }] = await Promise.all([import('./dav/davServer.js'), import('./dav/davStore.js')]);
      return davHandler(mesh.node, await DavStore.open(join(home, HOME_FILES.davProps)), appPasswords, token);
    }),
    origins,
    ctx,
    web: settings.web,
    log,
  });
  cleanups.push(() => http.close());
  info.http = http.url;
  await claim.publish(info);

  // Links and discovery: failures are retried with backoff, never fatal.
  for (const url of settings.connect) loops.push(dialLoop(mesh, url, settings, log));
  const remembered = await loadInviter(home);
  if (remembered.warning) log.warn({ event: 'inviter.unreadable' }, remembered.warning);
  if (remembered.inviter) dialInviter(remembered.inviter);
  for (const url of [...(signaling ? [signaling.url] : []), ...settings.signaling]) loops.push(signalingLoop(mesh, url, settings, log));
  if (settings.mdns) {
    discovery = await startDiscovery({
      mesh,
      linkPort: listener.port,
      // Where `glow join CODE` on another daemon looks for its inviter; not advertised on a
      // network from which a loopback-only HTTP gateway cannot be reached.
      ...(isLoopbackHost(settings.http.host) && !(settings.mdnsInterface ?? '').startsWith('127.') ? {} : { httpPort: Number(new URL(http.url).port) }),
      interface: settings.mdnsInterface,
      port: settings.mdnsPort,
      backoff: settings.reconnect,
      log,
    });
  }

  // A network that changed under us (a phone on a new WiFi): links prove themselves now, what
  // is kept connected is redialled now, direct paths are tried again.
  cleanups.push(
    watchNetwork({
      onChange: (change) => {
        log.info({ event: 'network.changed', ...change }, `this machine's network changed (${[...change.added.map((a) => `+${a}`), ...change.removed.map((a) => `-${a}`)].join(' ')})`);
        mesh.probeLinks();
        for (const loop of loops) loop.kick();
        directPaths?.networkChanged();
      },
    }),
  );

  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  let markStopping!: () => void;
  const stopBegan = new Promise<void>((resolve) => (markStopping = resolve));
  stop = () => {
    stopping ??= (async () => {
      markStopping();
      log.info({ event: 'daemon.stopping' }, 'stopping');
      const step = (name: string, run: () => Promise<unknown> | undefined) =>
        Promise.resolve()
          .then(run)
          .catch((error: unknown) => log.error({ event: 'daemon.stopError', step: name, error: String(error) }, `stopping ${name} failed: ${String(error)}`));
      for (const loop of loops) loop.stop();
      await step('discovery', () => discovery?.close());
      // Processes end in supervision order while the links still carry their DOWNs; then the links close.
      await step('mesh', () => mesh.close({ reason: 'daemon stopping', timeout: Math.min(5000, settings.stopTimeout / 2) }));
      await Promise.all([step('link listener', () => listener.close()), step('signaling', () => signaling?.close()), step('http', () => http.close())]);
      await step('home', () => claim.release());
      log.info({ event: 'daemon.stopped' }, 'stopped');
      markStopped();
    })();
    return stopping;
  };

  const urls = [`http ${info.http}/`, `links ${info.link}`, ...(info.signaling ? [`signaling ${info.signaling}`] : [])].join(' · ');
  // Whoever started the daemon sees this line; anyone else must ask with the token (glow open).
  const login = settings.web ? loginUrl(info.http, sessions.issueLogin().secret) : undefined;
  log.info(
    { event: 'daemon.started', node: info.node, name: info.name, http: info.http, link: info.link, signaling: info.signaling, home, login },
    `glow daemon ${info.node}${info.name ? ` (${info.name})` : ''} — ${urls}${login ? `\nopen the web UI (this link works once): ${login}` : ''}${nextSteps(home === resolveHome({}) ? undefined : home, login !== undefined)}`,
  );
  return { info, settings, mesh, log, stop: () => stop(), stopping: stopBegan, stopped };
}

/**
 * Runs a daemon until it is stopped; resolves with the process exit status (see the top of this
 * file). Installs SIGTERM/SIGINT handlers for its lifetime.
 */
export async function runDaemon(options: DaemonOptions = {}, runtime: DaemonRuntime = {}): Promise<number> {
  // Handlers go in before anything starts: daemon.json appears during the start, and a SIGTERM
  // sent as soon as it does must stop the daemon cleanly, not kill it with the default action.
  let daemon: RunningDaemon | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      daemon?.log.warn({ event: 'daemon.forced', signal }, `${signal} again: exiting now`);
      process.exit(EXIT_CODES.failed);
    }
    daemon?.log.info({ event: 'daemon.signal', signal }, `${signal}: stopping`);
    stopNow();
  };
  // A stop nobody waits for (a signal's): its failure is logged, and the forced exit below still bounds it.
  const stopNow = () => {
    daemon?.stop().catch((error: unknown) => daemon?.log.error({ event: 'daemon.stopError', error: String(error) }, `stopping failed: ${String(error)}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    daemon = await startDaemon(options, runtime);
  } catch (error) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    const known = error instanceof DaemonError;
    process.stderr.write(`glow daemon: ${errorMessage(error).split('\n')[0]}\n`);
    return known ? error.exitCode : EXIT_CODES.failed;
  }
  const running = daemon;
  // A signal that arrived while the daemon was starting stops it now.
  if (signals > 0) stopNow();
  // However the stop began (signal or control request), it has a bounded time.
  const bounded = () => {
    setTimeout(() => {
      running.log.error({ event: 'daemon.forced', after: running.settings.stopTimeout }, `the shutdown took more than ${running.settings.stopTimeout} ms: exiting now`);
      process.exit(EXIT_CODES.failed);
    }, running.settings.stopTimeout).unref();
  };
  // `stopping` settles when a stop begins (it never rejects): bounded either way.
  running.stopping.then(bounded, bounded);
  await running.stopped.then(
    () => undefined,
    () => undefined,
  );
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return EXIT_CODES.ok;
}

/** What a newcomer can do next, in plain words, after the start line (`home` when not the default). */
function nextSteps(home: string | undefined, web: boolean): string {
  const glow = (command: string) => `glow ${command}${home === undefined ? '' : ` --home ${home}`}`;
  return [
    '\nwhat next:',
    web ? '  1. open the web UI with the link above (a new link any time: glow open)' : `  1. see this node's state: ${glow('status')}`,
    `  2. share a folder with your devices: ${glow('export ~/Documents')}`,
    `  3. add a device: ${glow('invite')} prints a link; open it on the phone or laptop to add`,
  ].join('\n');
}
