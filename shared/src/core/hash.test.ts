import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBytes, hashFile, sha256Hex } from './hash.ts';

describe('hashing', () => {
  it('computes sha256, sha512 and sha1 in one read, equal to coreutils', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hash-'));
    try {
      const file = path.join(dir, 'blob');
      await writeFile(file, Buffer.alloc(3 * 1024 * 1024 + 17, 7));
      const digests = await hashFile(file);
      const coreutils = (tool: string) => execFileSync(tool, [file], { encoding: 'utf8' }).split(' ')[0];
      expect(digests.size).toBe(3 * 1024 * 1024 + 17);
      expect(digests.sha256).toBe(coreutils('sha256sum'));
      expect(digests.sha512).toBe(coreutils('sha512sum'));
      expect(digests.sha1).toBe(coreutils('sha1sum'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hashes bytes and strings the same way', () => {
    expect(hashBytes('abc').sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abc')).toBe(hashBytes(new TextEncoder().encode('abc')).sha256);
  });
});
