/** `/fs/…` and REF text with namespaced names (apps/daemon/fsGateway.ts, refs.ts). */
import { resolveExport } from '../../../apps/daemon/fsGateway.js';
import { resolveRef } from '../../../apps/daemon/refs.js';
import { FileSystemInterface } from '../../../src/resources/fs/interface.js';
import { linkDevices, meshed, testUser, useDevices } from '../../helpers/userMeshes.js';
import { waitFor } from '../../helpers/waitFor.js';

const device = useDevices();

test("a bare name and the handle's name lead to the same export; a node id in front is always an id", async () => {
  const [alice, bob] = [testUser(), testUser()];
  const laptop = device(alice, 'laptop', { handle: 'alice', friends: [{ user: bob, handle: 'bob' }] });
  const bobs = device(bob, 'bobs', { friends: [{ user: alice, handle: 'alice' }] });
  await linkDevices(laptop, bobs);
  await meshed(laptop, bobs);
  const docs = laptop.node.spawnResource({ iface: FileSystemInterface, handlers: {} as never });
  laptop.node.register('docs', docs);
  await waitFor(() => bobs.node.whereis('alice/docs') !== undefined, 2000, 'the name to reach Bob');
  for (const [node, segments] of [
    [laptop.node, ['docs', '2026', 'x']],
    [laptop.node, ['alice', 'docs', '2026', 'x']],
    [bobs.node, ['alice', 'docs', '2026', 'x']],
  ] as const) {
    const { ref, path } = resolveExport(node, segments);
    expect([ref.id, path]).toEqual([docs.id, '2026/x']);
  }
  expect(() => resolveExport(bobs.node, ['docs', 'x'])).toThrow(expect.objectContaining({ code: 'noproc' }));
  expect(resolveRef(bobs.node, `glow://${laptop.id}/${docs.id.local}`).id).toEqual(docs.id);
});
