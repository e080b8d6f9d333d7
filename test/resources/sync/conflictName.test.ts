import { conflictName, isConflictCopy } from '../../../src/resources/sync/conflictName.js';

describe('conflict names', () => {
  const at = Date.UTC(2026, 11, 6, 9, 5, 3);
  it('follow Syncthing: name.sync-conflict-YYYYMMDD-HHMMSS-DEVICE.ext next to the file', () => {
    expect(conflictName('notes/plan.txt', at, 'LAPTOP1xyz')).toBe('notes/plan.sync-conflict-20261206-090503-LAPTOP1.txt');
    expect(conflictName('archive.tar.gz', at, 'abc')).toBe('archive.tar.sync-conflict-20261206-090503-abc.gz');
  });
  it('treat a leading dot and a missing extension as part of the name', () => {
    expect(conflictName('.bashrc', at, 'dev')).toBe('.bashrc.sync-conflict-20261206-090503-dev');
    expect(conflictName('d/Makefile', at, 'dev')).toBe('d/Makefile.sync-conflict-20261206-090503-dev');
  });
  it('are recognised', () => {
    expect(isConflictCopy(conflictName('a/b.txt', at, 'dev'))).toBe(true);
    expect(isConflictCopy('a/b.txt')).toBe(false);
  });
});
