import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hash.ts';
import { sleep } from '../core/retry.ts';
import { type FilePart, forEachFilePart, PartSlots } from './file-parts.ts';

describe('forEachFilePart', () => {
  let dir: string;
  let file: string;
  const content = randomBytes(10 * 1000 + 7);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'file-parts-'));
    file = path.join(dir, 'f.bin');
    await writeFile(file, content);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hands over every part in order and bounds buffers across files by the shared slots', async () => {
    const slots = new PartSlots(3);
    let alive = 0;
    let most = 0;
    const seen: FilePart[][] = [[], []];
    const upload = (into: FilePart[]) => async (part: FilePart) => {
      alive++;
      most = Math.max(most, alive);
      await sleep(5);
      into.push(part);
      alive--;
    };
    const options = { size: content.length, partSize: 1000, concurrency: 4, slots };
    const digests = await Promise.all(seen.map((into) => forEachFilePart(file, options, upload(into))));
    expect(most).toBeLessThanOrEqual(3);
    for (const [i, into] of seen.entries()) {
      expect(digests[i]).toMatchObject({ size: content.length, sha256: sha256Hex(content) });
      const sorted = into.sort((a, b) => a.number - b.number);
      expect(sorted.map((p) => p.number)).toEqual(Array.from({ length: 11 }, (_, n) => n + 1));
      expect(Buffer.concat(sorted.map((p) => p.data)).equals(content)).toBe(true);
    }
  });

  it('stops at the first failure, rethrows it and frees every slot', async () => {
    const slots = new PartSlots(2);
    let started = 0;
    const failing = forEachFilePart(file, { size: content.length, partSize: 1000, concurrency: 2, slots }, async (part) => {
      started++;
      if (part.number === 2) throw new Error('part 2 refused');
      await sleep(5);
    });
    await expect(failing).rejects.toThrow('part 2 refused');
    expect(started).toBeLessThan(11);
    const digest = await forEachFilePart(file, { size: content.length, partSize: 5000, concurrency: 2, slots }, async () => {});
    expect(digest.sha256).toBe(sha256Hex(content));
  });

  it('refuses a file shorter than announced', async () => {
    const options = { size: content.length + 1, partSize: 4000, concurrency: 2, slots: new PartSlots(2) };
    await expect(forEachFilePart(file, options, async () => {})).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
  });
});
