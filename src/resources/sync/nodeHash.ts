/**
 * node:crypto's SHA-256 for the Node.js side of sync: several times faster than a JavaScript
 * SHA-256 on the large files a folder holds, and it uses the CPU's SHA instructions.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ContentHasher, type Content, type Sha256Factory } from './blocks.js';

/** node:crypto's SHA-256 as a {@link Sha256Factory}. */
export const nodeSha256: Sha256Factory = () => createHash('sha256');

const READ_BUFFER = 1024 * 1024;

/** The content of the first `size` bytes of an open file. Throws a RangeError when the file is shorter. */
export async function contentOfHandle(handle: FileHandle, size: number): Promise<Content> {
  const hasher = new ContentHasher(size, nodeSha256);
  const buffer = Buffer.allocUnsafe(Math.min(READ_BUFFER, Math.max(1, size)));
  for (let position = 0; position < size; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break;
    hasher.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hasher.digest();
}

/** SHA-256 hex of `data`, by node:crypto. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
