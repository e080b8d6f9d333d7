/** apps/daemon/networkWatch.ts: a change of this machine's addresses is told once, with what came and went. */
import { watchNetwork, type NetworkChange } from '../../../apps/daemon/networkWatch.js';
import { within } from '../../helpers/waitFor.js';

test('an address that goes and one that comes are told together, once; no change, nothing told', async () => {
  let addresses = ['100.64.0.2', 'fe80::1'];
  const changes: NetworkChange[] = [];
  let told!: () => void;
  const next = () => new Promise<void>((resolve) => (told = resolve));
  let waiting = next();
  const stop = watchNetwork({
    every: 10,
    addresses: () => addresses,
    onChange: (change) => {
      changes.push(change);
      told();
    },
  });
  try {
    addresses = ['10.1.0.9', 'fe80::1'];
    await within(waiting, 2000, 'the change to be told');
    expect(changes).toEqual([{ added: ['10.1.0.9'], removed: ['100.64.0.2'] }]);
    waiting = next();
    addresses = ['10.1.0.9', 'fe80::1', '192.0.2.7'];
    await within(waiting, 2000, 'the second change to be told');
    expect(changes).toEqual([
      { added: ['10.1.0.9'], removed: ['100.64.0.2'] },
      { added: ['192.0.2.7'], removed: [] },
    ]);
  } finally {
    stop();
  }
});
