import { bumpVector, compareVectors, isVersionVector, mergeVectors } from '../../../src/resources/sync/versionVector.js';

describe('version vectors', () => {
  it('order an edit after what it replaced, and two unseen edits as concurrent', () => {
    const base = bumpVector([], 'laptop');
    const phone = bumpVector(base, 'phone');
    const laptop = bumpVector(base, 'laptop');
    expect(compareVectors(base, phone)).toBe('before');
    expect(compareVectors(phone, base)).toBe('after');
    expect(compareVectors(phone, laptop)).toBe('concurrent');
    expect(compareVectors(phone, [...phone])).toBe('equal');
    const merged = mergeVectors(phone, laptop);
    expect(compareVectors(phone, merged)).toBe('before');
    expect(compareVectors(laptop, merged)).toBe('before');
  });

  it('bump past every counter, so an edit is after everything it saw', () => {
    expect(bumpVector([['a', 7], ['b', 2]], 'b')).toEqual([['a', 7], ['b', 8]]);
    expect(bumpVector([['b', 2]], 'a')).toEqual([['a', 3], ['b', 2]]);
  });

  it('refuse malformed vectors from peers', () => {
    expect(isVersionVector([['a', 1], ['b', 2]])).toBe(true);
    for (const bad of [null, {}, [['b', 1], ['a', 1]], [['a', 1], ['a', 2]], [['a', 0]], [['a', -1]], [['a', 1.5]], [['', 1]], [['a']], [[1, 1]], Array.from({ length: 300 }, (_, i) => [`r${String(i).padStart(3, '0')}`, 1])]) {
      expect(isVersionVector(bad)).toBe(false);
    }
  });
});
