/**
 * The `fs` kind (src/resources/fs/kind.ts): spawn arguments, what it answers to `config` and
 * `describe`, and a call from another node, where every argument and result crosses as CBOR
 * packets (bytes as byte strings, chunks under the 4 MiB packet cap).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePacket, Node } from '../../../src/index.js';
import { FileSystemInterface, fsKind, MAX_CHUNK_BYTES } from '../../../src/resources/fs/index.js';
import { rejection, text, utf8, useFs, within } from './helpers.js';

const harness = useFs();
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

test('refuses spawn arguments that do not fit with badarg', async () => {
  const root = await harness.tempDir();
  const { node } = await harness.spawn({ root });
  for (const args of [{}, { root: 'relative/dir' }, { root, readOnly: 'yes' }, { root, retention: { maxVersions: -1 } }]) {
    expect((await rejection(node.spawn('fs', args))).code).toBe('badarg');
  }
});

test('fails to start (crashed) on a root that is missing or not a folder, saying why', async () => {
  const root = await harness.tempDir();
  await writeFile(join(root, 'file'), '');
  const { node } = await harness.spawn({ root });
  const missing = await rejection(node.spawn('fs', { root: join(root, 'missing') }));
  expect(missing).toMatchObject({ code: 'crashed', message: expect.stringContaining('no such file or directory') });
  const file = await rejection(node.spawn('fs', { root: join(root, 'file') }));
  expect(file).toMatchObject({ code: 'crashed', message: expect.stringContaining('is not a directory') });
});

test('refuses a root or version store that is, holds or lies inside a protected directory, and serves one beside it', async () => {
  const parent = await harness.tempDir();
  const home = join(parent, 'home');
  const beside = join(parent, 'beside');
  await Promise.all([mkdir(join(home, 'plugins'), { recursive: true }), mkdir(beside)]);
  const { node } = await harness.spawn({ root: beside }, { protect: [home] });
  for (const args of [{ root: home }, { root: join(home, 'plugins') }, { root: parent }, { root: '/' }, { root: beside, versionsDir: join(home, 'versions') }]) {
    const error = await rejection(node.spawn('fs', args));
    expect({ args, message: error.message }).toEqual({ args, message: expect.stringContaining('protected directory') });
  }
  // A symlink to the home is the home.
  await symlink(home, join(beside, 'link'));
  expect((await rejection(node.spawn('fs', { root: join(beside, 'link') }))).message).toContain('protected directory');
});

test('answers config with its defaults', async () => {
  const { fs } = await harness.spawn();
  await expect(within(fs.call('config', {}))).resolves.toEqual({ readOnly: false, maxChunkBytes: MAX_CHUNK_BYTES, retention: { maxVersions: 20, maxAgeMs: null } });
});

test('describes glow.FileSystem/1 with every member, including glow.Process/1', async () => {
  const { fs } = await harness.spawn();
  const description = await within(fs.describe());
  expect(description.interface).toBe('glow.FileSystem/1');
  expect(Object.keys(description.members).sort()).toEqual(Object.keys(FileSystemInterface.members).sort());
  expect(description.members.readStream?.kind).toBe('stream');
  expect(description.members.watch?.kind).toBe('stream');
  expect(fsKind.name).toBe('fs');
});

test('serves a caller on another node: write, stat, read and readStream cross as packets', async () => {
  const root = await harness.tempDir();
  const content = randomBytes(3 * MAX_CHUNK_BYTES);
  await writeFile(join(root, 'big.bin'), content);
  const server = new Node({ id: 'server' });
  const client = new Node({ id: 'client' });
  server.attachPort({ send: (packet) => queueMicrotask(() => client.receive(encodePacket(packet))) });
  client.attachPort({ send: (packet) => queueMicrotask(() => server.receive(encodePacket(packet))) });
  try {
    server.registerKind(fsKind);
    const spawned = await within(server.spawn('fs', { root }));
    const fs = client.ref(spawned.id, FileSystemInterface);
    const written = await within(fs.call('write', { path: 'a.txt', data: utf8('over the wire') }));
    expect(written.version).toBe(sha256('over the wire'));
    expect(text(await within(fs.call('read', { path: 'a.txt', offset: 5 })))).toBe('the wire');
    const full = await within(fs.call('read', { path: 'big.bin', offset: MAX_CHUNK_BYTES }));
    expect(Buffer.from(full).equals(content.subarray(MAX_CHUNK_BYTES, 2 * MAX_CHUNK_BYTES))).toBe(true);
    const hash = createHash('sha256');
    for await (const { data } of fs.iterate('readStream', { path: 'big.bin' }, { credit: 4 })) hash.update(data);
    expect(hash.digest('hex')).toBe(sha256(content));
    const error = await rejection(fs.call('read', { path: '../etc/passwd' }));
    expect(error).toMatchObject({ code: 'denied', details: { reason: 'outside' } });
  } finally {
    await Promise.all([server.shutdown({ timeout: 1000 }), client.shutdown({ timeout: 1000 })]);
  }
});
