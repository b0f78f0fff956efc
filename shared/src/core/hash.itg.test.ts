import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashBytes, hashFile, sha256File, sha256Hex } from './hash.ts';

describe('hashing', () => {
  it('computes sha256 and sha512 in one read on a worker (sha256 alone when asked), equal to coreutils', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hash-'));
    try {
      const file = path.join(dir, 'blob');
      await writeFile(file, Buffer.alloc(3 * 1024 * 1024 + 17, 7));
      const digests = await hashFile(file);
      const coreutils = (tool: string) => execFileSync(tool, [file], { encoding: 'utf8' }).split(' ')[0];
      expect(digests.size).toBe(3 * 1024 * 1024 + 17);
      expect(digests.sha256).toBe(coreutils('sha256sum'));
      expect(digests.sha512).toBe(coreutils('sha512sum'));
      expect(digests).toEqual({ size: digests.size, sha256: digests.sha256, sha512: digests.sha512 });
      expect(await sha256File(file)).toEqual({ size: digests.size, sha256: digests.sha256 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the file-system error code of a file it cannot read', async () => {
    await expect(hashFile(path.join(tmpdir(), 'no-such-file-for-hash-test'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hashes many files at once, each with its own digests', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hash-'));
    try {
      const files = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const file = path.join(dir, `f${i}`);
          await writeFile(file, `file ${i}\n`);
          return file;
        }),
      );
      const digests = await Promise.all(files.map((f) => hashFile(f)));
      expect(digests.map((d) => d.sha256)).toEqual(files.map((_, i) => sha256Hex(`file ${i}\n`)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hashes bytes and strings the same way', () => {
    expect(hashBytes('abc').sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abc')).toBe(hashBytes(new TextEncoder().encode('abc')).sha256);
  });
});
