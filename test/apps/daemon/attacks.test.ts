/**
 * The attacks of issue 12's *Why*, tried again as an attacker would, against real daemons: each
 * one worked before users, grants and protected homes; each is now refused with a typed error and
 * leaves no harm behind. The attacker is the strongest outsider the model admits: a **friend**
 * (bob) whose daemon is linked to alice's and holds no grant, acting through its own daemon's
 * control channel and the CLI; a **stranger** (carol) does not even get a link. Where a grant is
 * given to reach past the first door (a path in an export, the scheduler's `complete`), the
 * second line of defence (the export's confinement, the attempt's node) must still refuse.
 * Alice, bob and alice's export are shared by the whole file; every test leaves them as it found
 * them. Run under netguard.
 */
import { access, mkdir, mkdtemp, readFile, readdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createIdentity } from '../../../src/transport/identity.js';
import { glow } from '../cli/glowProcess.js';
import { waitFor } from '../../helpers/waitFor.js';
import { DaemonProcess, removeHomes, stopAll, tempHome } from './helpers.js';

const [ALICE, BOB, CAROL] = [createIdentity(), createIdentity(), createIdentity()];
const ALICE_CONFIG = { name: 'alice-desk' };

let alice: DaemonProcess;
let bob: DaemonProcess;
/** Alice's export `docs` (a folder beside her home): its root and its resource id. */
let docsRoot: string;
let docsId: string;
/** Bob's own export, registered by bob as `docs` too. */
let bobRoot: string;
const extra: DaemonProcess[] = [];

/** A refused control request: its HTTP status, Glow error code, `details.reason` and message. */
interface Refusal {
  status: number;
  code: string;
  reason: string | undefined;
  message: string;
  details: any;
}

/** Sends `request` to `daemon`'s control channel and expects a refusal. */
async function refused(daemon: DaemonProcess, request: object): Promise<Refusal> {
  const { status, body } = await daemon.control(request);
  if (status === 200 && body.ok) throw new Error(`${JSON.stringify(request)} was not refused: ${JSON.stringify(body.value).slice(0, 300)}`);
  return { status, code: body.code, reason: body.details?.reason, message: body.message, details: body.details };
}

/** Bob calls a resource on alice's node by its local id. */
const bobCalls = (local: string, method: string, args: object = {}) => refused(bob, { op: 'call', ref: `glow://${alice.id}/${local}`, method, args });

const NO_GRANT = { status: 403, code: 'denied', reason: 'no grant gives this user access to this resource' };
/** Denied for want of a grant, or because the one given earlier in this file was revoked. */
const NO_LIVE_GRANT = { status: 403, code: 'denied', reason: expect.stringMatching(/^(no grant gives this user access to this resource|the grant was revoked)$/) };

const localOf = (id: string) => id.split('/').pop()!;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** What must never change in alice's home, whatever bob tries. */
async function homeSnapshot(): Promise<Record<string, string>> {
  const files = (await readdir(alice.home)).filter((file) => ['config.json', 'control.token', 'user.key', 'node.key', 'device.cert'].includes(file)).sort();
  const contents = Object.fromEntries(await Promise.all(files.map(async (file) => [file, await readFile(join(alice.home, file), 'utf8')] as const)));
  // trust.json changes as alice shares and revokes; her friends do not.
  const trust = JSON.parse(await readFile(join(alice.home, 'trust.json'), 'utf8')) as { friends: unknown };
  return { ...contents, friends: JSON.stringify(trust.friends), plugins: String(await exists(join(alice.home, 'plugins'))) };
}

/** Alice's process tree as ids and kinds (what a kill would change). */
async function aliceTree(): Promise<unknown> {
  const strip = (process: { id: string; kind: string; children: unknown[] }): unknown => ({ id: process.id, kind: process.kind, children: process.children.map((child) => strip(child as never)) });
  return (await alice.op<{ processes: { id: string; kind: string; children: unknown[] }[] }>({ op: 'tree' })).processes.map(strip);
}

async function aliceSystem(): Promise<string[]> {
  return (await alice.op<{ id: string }[]>({ op: 'ls' })).map((resource) => localOf(resource.id)).filter((local) => ['node', 'directory', 'trust', 'rtc'].includes(local)).sort();
}

/** Alice shares `ref` with bob; answers a function that revokes it. */
async function aliceShares(ref: string, share: object): Promise<() => Promise<void>> {
  const grant = await alice.op<{ id: string }>({ op: 'share', ref, with: BOB.id, expires: 600_000, ...share });
  return async () => {
    await alice.op({ op: 'revoke', grant: grant.id });
  };
}

beforeAll(async () => {
  docsRoot = await realpath(await mkdtemp(join(tmpdir(), 'glow-attacks-docs-')));
  await mkdir(join(docsRoot, '2026'));
  await writeFile(join(docsRoot, '2026', 'x.txt'), "alice's file");
  bobRoot = await realpath(await mkdtemp(join(tmpdir(), 'glow-attacks-bob-')));
  await mkdir(join(bobRoot, '2026'));
  await writeFile(join(bobRoot, '2026', 'x.txt'), "bob's file");

  const aliceHome = await tempHome(ALICE_CONFIG, ALICE);
  await writeFile(join(aliceHome, 'trust.json'), JSON.stringify({ version: 1, friends: [{ user: BOB.id, handle: 'bob' }], removals: [] }));
  // Alice's export holds a link to her home (a careless `ln -s ~/.glow`): the export must still never lead there.
  await symlink(aliceHome, join(docsRoot, 'home'));
  alice = await DaemonProcess.start({ home: aliceHome });
  const bobHome = await tempHome(undefined, BOB);
  await writeFile(join(bobHome, 'trust.json'), JSON.stringify({ version: 1, friends: [{ user: ALICE.id, handle: 'alice' }], removals: [] }));
  // Bob's node allows exec: a worker that would gladly run alice's exec steps, were they placed there.
  bob = await DaemonProcess.start({ home: bobHome, args: ['--connect', alice.info.link, '--allow-exec'] });
  docsId = (await alice.op<{ ref: string }>({ op: 'spawn', kind: 'fs', args: { root: docsRoot }, name: 'docs' })).ref;
  // Linked, and alice's names known to bob.
  await bob.until<{ name: string }[]>({ op: 'call', ref: 'directory', method: 'list' }, (names) => names.some((entry) => entry.name === 'alice/docs'), 10_000);
}, 45_000);

afterAll(async () => {
  await stopAll([alice, bob, ...extra.splice(0)]);
  await removeHomes();
});

test("a stranger's daemon is refused at the handshake and reaches nothing of alice's", async () => {
  const carol = await DaemonProcess.start({ home: await tempHome(undefined, CAROL), args: ['--connect', alice.info.link, '--log-level', 'debug'] });
  extra.push(carol);
  await carol.waitLine((line) => line.event === 'connect.failed' && /not allowed/.test(String(line.error)), 10_000);
  expect((await alice.op<{ node: string }[]>({ op: 'peers' })).map((peer) => peer.node)).toEqual([bob.id]);
  // With no link there is no route: whatever carol asks of alice's node never arrives.
  const before = await alice.op<unknown[]>({ op: 'ls' });
  expect(await refused(carol, { op: 'spawn', kind: 'fs', args: { root: '/' }, on: alice.id })).toMatchObject({ code: 'noconnection' });
  expect(await refused(carol, { op: 'call', ref: `glow://${alice.id}/node`, method: 'spawn', args: { kind: 'fs', args: { root: '/' } } })).toMatchObject({ code: 'noconnection' });
  expect(await alice.op<unknown[]>({ op: 'ls' })).toEqual(before);
  await stopAll([carol]);
}, 20_000);

test('attack 1: a friend spawning fs on / (spawn --on, or a call to the node) is denied, and nothing is spawned', async () => {
  const before = await alice.op<unknown[]>({ op: 'ls' });
  expect(await refused(bob, { op: 'spawn', kind: 'fs', args: { root: '/' }, on: alice.id })).toMatchObject(NO_GRANT);
  expect(await bobCalls('node', 'spawn', { kind: 'fs', args: { root: '/' } })).toMatchObject(NO_GRANT);
  // Through the CLI, as a person would type it.
  const cli = await glow(['spawn', 'fs', JSON.stringify({ root: '/' }), '--on', alice.id, '--home', bob.home]);
  expect(cli.code).not.toBe(0);
  expect(cli.stderr).toMatch(/denied.*no grant gives this user access/s);
  // Nor can bob list what alice runs, to go looking.
  expect(await refused(bob, { op: 'ls', node: alice.id })).toMatchObject(NO_GRANT);
  expect(await alice.op<unknown[]>({ op: 'ls' })).toEqual(before);
});

test("attack 2: a friend reading DIR/control.token and stopping the daemon is refused: no export reaches the home, the token is not read, alice runs on", async () => {
  const home = await homeSnapshot();
  const docs = localOf(docsId);
  // Without a grant: alice's export itself is out of reach, as is an export of her home.
  expect(await bobCalls(docs, 'read', { path: 'home/control.token' })).toMatchObject(NO_LIVE_GRANT);
  expect(await refused(bob, { op: 'spawn', kind: 'fs', args: { root: alice.home }, on: alice.id })).toMatchObject(NO_GRANT);
  const cat = await glow(['cat', 'glow://alice/docs/home/control.token', '--home', bob.home]);
  expect(cat.code).not.toBe(0);
  expect(cat.stdout).toBe('');
  expect(cat.stderr).toMatch(/denied/);

  // With a read grant on the whole export, the export's confinement still refuses every way into the home.
  const revoke = await aliceShares('docs', { access: 'read' });
  try {
    expect(await waitForRead(docs, '2026/x.txt')).toBe(Buffer.from("alice's file").toString('base64'));
    // Through the symlink in the export, by climbing out of it: outside the root.
    for (const path of ['home/control.token', 'home', `../${basename(alice.home)}/control.token`]) {
      expect({ path, ...(await bobCalls(docs, 'read', { path })) }).toMatchObject({ path, code: 'denied', reason: 'outside' });
    }
    // An absolute path is not a path in an export at all.
    expect(await bobCalls(docs, 'read', { path: `${alice.home}/control.token` })).toMatchObject({ code: 'badarg', reason: 'path' });
    expect(await bobCalls(docs, 'list', { path: 'home' })).toMatchObject({ code: 'denied', reason: 'outside' });
    const viaCli = await glow(['cat', 'glow://alice/docs/home/control.token', '--home', bob.home]);
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.stdout).toBe('');
  } finally {
    await revoke();
  }

  // The control channel wants alice's token, which bob never had.
  expect((await alice.control({ op: 'stop' }, null)).status).toBe(401);
  expect((await alice.control({ op: 'stop' }, await bob.token())).status).toBe(401);
  expect(alice.child.exitCode).toBeNull();
  expect((await alice.op({ op: 'status' })).node).toBe(alice.id);
  expect(await homeSnapshot()).toEqual(home);
}, 30_000);

/** Reads `path` from alice's export as bob, once the grant just given holds. */
async function waitForRead(docs: string, path: string): Promise<string> {
  let value = '';
  await waitFor(
    async () => {
      const { status, body } = await bob.control({ op: 'call', ref: `glow://${alice.id}/${docs}`, method: 'read', args: { path } });
      if (status === 200) value = body.value as string;
      return status === 200;
    },
    5000,
    'the grant to let bob read',
    50,
  );
  return value;
}

test('attack 3: a friend writing config.json and a plugin module into the home is refused: config and plugins are unchanged', async () => {
  const home = await homeSnapshot();
  const docs = localOf(docsId);
  // No grant: no write anywhere, and no export of the home to write through.
  expect(await bobCalls(docs, 'mkdir', { path: 'home/plugins' })).toMatchObject(NO_LIVE_GRANT);
  expect(await refused(bob, { op: 'spawn', kind: 'fs', args: { root: alice.home }, on: alice.id })).toMatchObject(NO_GRANT);
  expect(await refused(bob, { op: 'spawn', kind: 'fs', args: { root: join(alice.home, 'plugins') }, on: alice.id, persist: true })).toMatchObject({ code: 'badarg' });

  // A write grant on the export: every way of writing into the home is still refused by the export.
  const revoke = await aliceShares('docs', { access: 'write' });
  try {
    await writeFile(join(docsRoot, 'evil.js'), 'export default () => { throw new Error("pwned") }');
    await waitFor(async () => (await bob.control({ op: 'call', ref: `glow://${alice.id}/${docs}`, method: 'stat', args: { path: 'evil.js' } })).status === 200, 5000, 'the write grant to hold', 50);
    const attempts: [string, object][] = [
      ['mkdir', { path: 'home/plugins', parents: true }],
      ['rename', { from: 'evil.js', to: 'home/plugins/evil.js' }],
      ['rename', { from: 'evil.js', to: 'home/config.json', overwrite: true }],
      ['rename', { from: 'evil.js', to: `../${basename(alice.home)}/config.json`, overwrite: true }],
      ['remove', { path: 'home/config.json' }],
      ['beginWrite', { path: 'home/config.json' }],
    ];
    for (const [method, args] of attempts) {
      expect({ method, args, ...(await bobCalls(docs, method, args)) }).toMatchObject({ method, args, code: 'denied', reason: 'outside' });
    }
  } finally {
    await revoke();
  }
  expect(await exists(join(alice.home, 'plugins'))).toBe(false);
  expect(JSON.parse(await readFile(join(alice.home, 'config.json'), 'utf8'))).toEqual(ALICE_CONFIG);
  expect(await homeSnapshot()).toEqual(home);
  expect(await exists(join(docsRoot, 'evil.js'))).toBe(true);
}, 30_000);

test('attack 4: a friend killing the root supervisor is denied; it and its children (worker, scheduler) live on', async () => {
  const tree = await aliceTree();
  const root = (await alice.op<{ processes: { id: string; kind: string }[] }>({ op: 'tree' })).processes.find((process) => process.kind === 'supervisor')!;
  expect(root).toBeDefined();
  expect(await bobCalls(localOf(root.id), 'terminate', {})).toMatchObject(NO_GRANT);
  // `kill` sends an exit (dropped at alice's door) and monitors the end (refused there): denied, not a DOWN.
  expect(await refused(bob, { op: 'kill', ref: root.id })).toMatchObject(NO_GRANT);
  const cli = await glow(['kill', root.id, '--home', bob.home]);
  expect(cli.code).not.toBe(0);
  expect(cli.stderr).toMatch(/denied/);
  expect(await aliceTree()).toEqual(tree);
  expect(await alice.op({ op: 'call', ref: root.id, method: 'info' })).toMatchObject({ id: root.id });
});

test('attack 5: a friend killing the node, directory, trust and rtc resources is denied; each still answers', async () => {
  const system = await aliceSystem();
  expect(system).toEqual(['directory', 'node', 'rtc', 'trust']);
  for (const local of system) {
    expect({ local, ...(await refused(bob, { op: 'kill', ref: `glow://${alice.id}/${local}` })) }).toMatchObject({ local, ...NO_GRANT });
  }
  expect(await bobCalls('node', 'info', {})).toMatchObject(NO_GRANT);
  expect(await bobCalls('directory', 'list', {})).toMatchObject(NO_GRANT);
  expect(await aliceSystem()).toEqual(system);
  // Still working, not merely listed: the node answers, the directory still syncs names both ways.
  expect((await alice.op({ op: 'call', ref: 'node', method: 'info' })).id).toBe(alice.id);
  expect((await alice.op<{ name: string }[]>({ op: 'call', ref: 'directory', method: 'list' })).map((entry) => entry.name)).toContain('docs');
  expect((await bob.op<{ name: string }[]>({ op: 'call', ref: 'directory', method: 'list' })).map((entry) => entry.name)).toContain('alice/docs');
});

test("attack 6: a friend registering alice's names (or a name that reads as her resource's id) is refused; her names and /fs/<node>/<id> serve her files", async () => {
  const claims = [
    { name: 'alice/docs', reason: 'namespace of another user' },
    { name: `${ALICE.id.slice(0, 10)}/docs`, reason: 'namespace of another user' },
    { name: `${ALICE.id}/docs`, reason: 'shadows an id' },
    { name: `${alice.id}/${localOf(docsId)}`, reason: 'shadows an id' },
    { name: `glow://${alice.id}/${localOf(docsId)}`, reason: 'shadows an id' },
  ];
  for (const { name, reason } of claims) {
    expect({ name, ...(await refused(bob, { op: 'spawn', kind: 'fs', args: { root: bobRoot }, name })) }).toMatchObject({ name, code: 'denied', reason });
  }
  // Bob's own `docs` is his: alice sees it as bob/docs, beside her own.
  const bobs = await bob.op<{ ref: string }>({ op: 'spawn', kind: 'fs', args: { root: bobRoot }, name: 'docs' });
  try {
    await alice.until<{ name: string; id: string }[]>({ op: 'call', ref: 'directory', method: 'list' }, (names) => names.some((entry) => entry.name === 'bob/docs' && entry.id === bobs.ref), 10_000);
    const names = await alice.op<{ name: string; id: string }[]>({ op: 'call', ref: 'directory', method: 'list' });
    expect(names.filter((entry) => entry.name === 'docs')).toEqual([expect.objectContaining({ id: docsId })]);
    expect(names.filter((entry) => entry.id === bobs.ref).map((entry) => entry.name)).toEqual(['bob/docs']);
    // What alice reads by name, by id on the CLI, and by id on her HTTP gateway is hers.
    expect(await glow(['cat', 'glow://docs/2026/x.txt', '--home', alice.home])).toMatchObject({ code: 0, stdout: "alice's file" });
    expect(await glow(['cat', `glow://${alice.id}/${localOf(docsId)}/2026/x.txt`, '--home', alice.home])).toMatchObject({ code: 0, stdout: "alice's file" });
    for (const path of [`/fs/${alice.id}/${localOf(docsId)}/2026/x.txt`, '/fs/docs/2026/x.txt']) {
      const response = await fetch(`${alice.info.http}${path}`, { headers: { authorization: `Bearer ${await alice.token()}` } });
      expect({ path, status: response.status, body: await response.text() }).toEqual({ path, status: 200, body: "alice's file" });
    }
  } finally {
    await bob.op({ op: 'kill', ref: bobs.ref });
  }
}, 30_000);

test("point 6: even alice's own other device cannot export her home (protected); an export beside it works", async () => {
  const own = await DaemonProcess.start({ home: await tempHome(undefined, ALICE), args: ['--connect', alice.info.link] });
  extra.push(own);
  try {
    await alice.until<{ node: string }[]>({ op: 'peers' }, (peers) => peers.some((peer) => peer.node === own.id), 10_000);
    for (const [root, on] of [[alice.home, alice.id], [dirname(alice.home), alice.id], ['/', alice.id], [own.home, own.id], ['/', own.id]] as const) {
      // The export fails to start (`crashed`, as any process whose start throws), with the typed refusal as its cause.
      const attempt = await refused(own, { op: 'spawn', kind: 'fs', args: { root }, on });
      expect({ root, on, code: attempt.code, cause: attempt.details?.error }).toMatchObject({ root, on, code: 'crashed', cause: { code: 'denied', details: { reason: 'protected' } } });
      expect(attempt.message).toMatch(/protected directory/);
    }
    expect((await alice.op<{ interface: string }[]>({ op: 'ls' })).filter((resource) => resource.interface === 'glow.FileSystem/1')).toHaveLength(1);
    // Her own devices may do everything else: an export beside the home, spawned on alice from the other device.
    const beside = await realpath(await mkdtemp(join(tmpdir(), 'glow-attacks-beside-')));
    const ok = await own.op<{ ref: string; node: string }>({ op: 'spawn', kind: 'fs', args: { root: beside }, on: alice.id });
    expect(ok.node).toBe(alice.id);
    await own.op({ op: 'kill', ref: ok.ref });
  } finally {
    // Gone before the jobs tests: its worker would take alice's steps (rightly: it is hers).
    await stopAll([own]);
  }
}, 30_000);

/** The scheduler of alice's daemon: its name and resource id. */
async function aliceScheduler(): Promise<{ name: string; id: string }> {
  const name = `glow.jobs/${alice.id}`;
  const entry = (await alice.op<{ name: string; id: string }[]>({ op: 'call', ref: 'directory', method: 'list' })).find((e) => e.name === name)!;
  return { name, id: entry.id };
}

type StepView = { state: string; waiting?: string; output?: unknown; attempts: { key: string; node?: string; state: string }[] };

async function showJob(id: string): Promise<{ state: string; steps: StepView[] }> {
  const { name } = await aliceScheduler();
  return alice.op({ op: 'call', ref: name, method: 'show', args: { id } });
}

test("attack 7: a friend's worker (exec allowed) never receives alice's exec steps; bob cannot submit or spawn exec on alice either", async () => {
  const scheduler = await aliceScheduler();
  // Bob's worker is visible to alice's scheduler (the bait is there)...
  await alice.until<{ name: string }[]>({ op: 'call', ref: 'directory', method: 'list' }, (names) => names.some((entry) => entry.name === `bob/glow.worker/${bob.id}`), 10_000);
  expect((await bob.op({ op: 'call', ref: `glow.worker/${bob.id}`, method: 'status' })).exec).toBe(true);
  const marker = join(await realpath(await mkdtemp(join(tmpdir(), 'glow-attacks-exec-'))), 'stolen');
  const job = {
    name: 'secret-exec',
    steps: [{ name: 'run', kind: 'exec', retries: 0, args: { command: process.execPath, args: ['-e', 'require("fs").writeFileSync(process.argv[1], process.env.GLOW_SECRET)', marker], env: { GLOW_SECRET: 's3cret' } } }],
  };
  // ...alice's own node does not allow exec, so bob's is the only node that could run the step: it waits instead.
  const { id } = await alice.op<{ id: string }>({ op: 'call', ref: scheduler.name, method: 'submit', args: { job } });
  try {
    await waitFor(async () => (await showJob(id)).steps[0]?.waiting === 'no node allows exec', 10_000, 'the exec step to wait for a node of alice that allows exec', 50);
    const step = (await showJob(id)).steps[0]!;
    expect(step.attempts).toEqual([]);
    expect(await exists(marker)).toBe(false);
    expect((await bob.op({ op: 'call', ref: `glow.worker/${bob.id}`, method: 'status' })).running).toBe(0);
    expect(bob.lines.some((line) => String(line.event ?? '').startsWith('step') || JSON.stringify(line).includes(id))).toBe(false);
  } finally {
    await alice.op({ op: 'call', ref: scheduler.name, method: 'cancel', args: { id } });
  }
  // Bob cannot push the step onto alice's side either: submit, and spawning on alice's worker or node, are denied.
  expect(await bobCalls(localOf(scheduler.id), 'submit', { job })).toMatchObject(NO_GRANT);
  expect(await refused(bob, { op: 'spawn', kind: 'exec', args: { command: 'true' }, on: alice.id })).toMatchObject(NO_GRANT);
  const worker = (await alice.op<{ name: string; id: string }[]>({ op: 'call', ref: 'directory', method: 'list' })).find((entry) => entry.name === `glow.worker/${alice.id}`)!;
  expect(await bobCalls(localOf(worker.id), 'status', {})).toMatchObject(NO_GRANT);
  expect(await exists(marker)).toBe(false);
}, 30_000);

test('attack 8: a friend completing or failing a step it never ran is refused, without a grant (no access) and with one (not the attempt node)', async () => {
  const scheduler = await aliceScheduler();
  const job = { name: 'long', steps: [{ name: 'wait', kind: 'sleep', retries: 0, args: { ms: 60_000 } }] };
  const { id } = await alice.op<{ id: string }>({ op: 'call', ref: scheduler.name, method: 'submit', args: { job } });
  try {
    let key = '';
    await waitFor(
      async () => {
        const attempt = (await showJob(id)).steps[0]?.attempts[0];
        key = attempt?.state === 'running' ? attempt.key : '';
        return key !== '';
      },
      10_000,
      'the step to run on alice',
      50,
    );
    const forged = [
      ['complete', { key, output: 'forged' }],
      ['fail', { key, error: { code: 'failed', message: 'forged' }, retry: false }],
    ] as const;
    for (const [method, args] of forged) expect({ method, ...(await bobCalls(localOf(scheduler.id), method, args)) }).toMatchObject({ method, ...NO_GRANT });
    // Even granted the scheduler's report methods, bob does not run the attempt: refused again.
    const revoke = await aliceShares(scheduler.name, { methods: ['complete', 'fail'] });
    try {
      for (const [method, args] of forged) {
        let answer: Refusal | undefined;
        await waitFor(
          async () => (answer = await bobCalls(localOf(scheduler.id), method, args)).reason !== NO_GRANT.reason,
          5000,
          'the grant to hold',
          50,
        );
        expect({ method, ...answer }).toMatchObject({ method, code: 'denied', reason: 'not the attempt node' });
      }
    } finally {
      await revoke();
    }
    const step = (await showJob(id)).steps[0]!;
    expect(step.state).toBe('running');
    expect(step.output).toBeUndefined();
    expect(step.attempts).toEqual([expect.objectContaining({ key, node: alice.id, state: 'running' })]);
  } finally {
    await alice.op({ op: 'call', ref: scheduler.name, method: 'cancel', args: { id } });
  }
}, 30_000);
