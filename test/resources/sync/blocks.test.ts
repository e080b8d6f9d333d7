import { createHash, randomBytes } from 'node:crypto';
import { blockSizeFor, ContentHasher, contentOf, MAX_BLOCK_SIZE, MIN_BLOCK_SIZE } from '../../../src/resources/sync/blocks.js';
import { recordProblem, type FileRecord } from '../../../src/resources/sync/record.js';

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('content blocks', () => {
  it('cut a file into blocks of one size set by its size, named by SHA-256; the file hash is the FileSystem version', () => {
    const data = randomBytes(3 * MIN_BLOCK_SIZE + 10);
    const content = contentOf(data);
    expect(content.hash).toBe(sha(data));
    expect(content.blockSize).toBe(MIN_BLOCK_SIZE);
    expect(content.blocks).toEqual([0, 1, 2, 3].map((i) => sha(data.subarray(i * MIN_BLOCK_SIZE, (i + 1) * MIN_BLOCK_SIZE))));
  });

  it('give the same blocks whatever pieces the bytes arrive in', () => {
    const data = randomBytes(2 * MIN_BLOCK_SIZE + 77);
    const hasher = new ContentHasher(data.length);
    for (let at = 0; at < data.length; at += 1000) hasher.update(data.subarray(at, at + 1000));
    expect(hasher.digest()).toEqual(contentOf(data));
  });

  it('name a one-block file by its hash and an empty file by no block', () => {
    expect(contentOf(new Uint8Array([1, 2, 3])).blocks).toEqual([sha(new Uint8Array([1, 2, 3]))]);
    expect(contentOf(new Uint8Array()).blocks).toEqual([]);
  });

  it('grow blocks with the file so a file has at most 2000 of them', () => {
    expect(blockSizeFor(0)).toBe(MIN_BLOCK_SIZE);
    expect(blockSizeFor(2000 * MIN_BLOCK_SIZE)).toBe(MIN_BLOCK_SIZE);
    expect(blockSizeFor(2000 * MIN_BLOCK_SIZE + 1)).toBe(2 * MIN_BLOCK_SIZE);
    expect(blockSizeFor(2 ** 40)).toBe(MAX_BLOCK_SIZE);
  });

  it('throw when fewer bytes came than announced', () => {
    const hasher = new ContentHasher(10);
    hasher.update(new Uint8Array(9));
    expect(() => hasher.digest()).toThrow(RangeError);
  });
});

describe('a peer’s record', () => {
  const good: FileRecord = { path: 'a/b.txt', version: [['r1', 1]], deleted: false, ...contentOf(new Uint8Array([1])), mtime: 1, modifiedBy: 'r1', seq: 3 };
  it('is accepted when every field is right', () => {
    expect(recordProblem(good)).toBeUndefined();
    expect(recordProblem({ ...good, deleted: true, hash: '', size: 0, blocks: [] })).toBeUndefined();
  });
  it.each([
    ['a path that climbs out', { path: '../etc/passwd' }, 'bad path'],
    ['an absolute path', { path: '/etc/passwd' }, 'bad path'],
    ['a reserved name', { path: '.glow-versions/x' }, 'bad path'],
    ['a backslash', { path: 'a\\..\\b' }, 'bad path'],
    ['an empty vector', { version: [] }, 'bad version vector'],
    ['a size the blocks do not cover', { size: 5 * 1024 * 1024 }, 'block count does not match size'],
    ['a block size that is not the rule', { blockSize: 2 * 131072 }, 'bad block size'],
    ['a tombstone with content', { deleted: true }, 'a tombstone with content'],
    ['a bad hash', { hash: 'zz' }, 'bad hash'],
    ['a negative size', { size: -1 }, 'bad size'],
  ])('is refused with %s', (_, change, reason) => {
    expect(recordProblem({ ...good, ...change })).toBe(reason);
  });
  it('is refused when it is not an object', () => {
    expect(recordProblem('x')).toBe('not an object');
    expect(recordProblem(null)).toBe('not an object');
  });
});
