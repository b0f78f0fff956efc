import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashWorkers } from './hash-workers.ts';

describe('HashWorkers', () => {
  let dir: string;
  let files: string[];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hash-workers-'));
    files = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const file = path.join(dir, `f${i}`);
        await writeFile(file, Buffer.alloc(100_000 + i, i));
        return file;
      }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const sha256 = (i: number) =>
    createHash('sha256')
      .update(Buffer.alloc(100_000 + i, i))
      .digest('hex');

  it('starts the whole pool with the first file', async () => {
    const pool = new HashWorkers(2);
    const first = pool.hash(files[0] as string, ['sha256']);
    expect(pool.inFlight).toEqual([1, 0]);
    expect((await first).hex).toEqual([sha256(0)]);
    expect(pool.inFlight).toEqual([0, 0]);
  });

  it('gives each worker a few files while more wait than there are workers, each answered with its own digests', async () => {
    const pool = new HashWorkers(2);
    const all = files.map((f) => pool.hash(f, ['sha256']));
    // 10 files, 2 workers: 3 each in flight, 4 waiting.
    expect(pool.inFlight).toEqual([3, 3]);
    expect((await Promise.all(all)).map((r) => r.hex[0])).toEqual(files.map((_, i) => sha256(i)));
    expect(pool.inFlight).toEqual([0, 0]);
  });

  it('hands out the last files one at a time, so no worker waits behind another', () => {
    const pool = new HashWorkers(2);
    const three = files.slice(0, 3).map((f) => pool.hash(f, ['sha256']));
    // The third file waits for whichever worker is free first.
    expect(pool.inFlight).toEqual([1, 1]);
    return Promise.all(three);
  });

  it('can be started before the first file, and started pools answer as usual', async () => {
    const pool = new HashWorkers(2);
    pool.start();
    expect(pool.inFlight).toEqual([0, 0]);
    expect((await pool.hash(files[1] as string, ['sha256', 'md5'])).hex[0]).toBe(sha256(1));
  });
});
