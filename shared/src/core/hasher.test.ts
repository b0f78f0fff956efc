import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashWorkers, WORKER_NICE_STEP } from './hash-workers.ts';
import { sleep } from './retry.ts';

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

  it('boots the whole pool with the first file and gives a worker files once it is up', async () => {
    const pool = new HashWorkers({ workers: 2, here: false });
    const first = pool.hash(files[0] as string, ['sha256']);
    // Still booting: the file waits for the first worker up.
    expect(pool.inFlight).toEqual([0, 0, 0]);
    expect((await first).hex).toEqual([sha256(0)]);
    expect(pool.inFlight).toEqual([0, 0, 0]);
  });

  it('hashes one file per worker, the rest waiting in one queue, each answered with its own digests', async () => {
    const pool = new HashWorkers({ workers: 2, here: false });
    await pool.hash(files[0] as string, ['sha256']);
    await sleep(200);
    const all = files.map((f) => pool.hash(f, ['sha256']));
    expect(pool.inFlight).toEqual([1, 1, 0]);
    expect((await Promise.all(all)).map((r) => r.hex[0])).toEqual(files.map((_, i) => sha256(i)));
    expect(pool.inFlight).toEqual([0, 0, 0]);
  });

  it('hashes on the calling thread too: the first file at once, while the workers boot', async () => {
    const pool = new HashWorkers({ workers: 1 });
    const all = files.map((f) => pool.hash(f, ['sha256', 'md5']));
    expect(pool.inFlight).toEqual([0, 1]);
    const results = await Promise.all(all);
    expect(results.map((r) => r.hex[0])).toEqual(files.map((_, i) => sha256(i)));
    expect(results.map((r) => r.size)).toEqual(files.map((_, i) => 100_000 + i));
    // The same answer, whichever thread read the file.
    const there = await new HashWorkers({ workers: 1, here: false }).hash(files[3] as string, ['sha256', 'md5']);
    expect({ ...there, stable: false }).toEqual({ ...results[3], stable: false });
  });

  it('fails on the calling thread as on a worker: a missing file keeps its code', async () => {
    for (const here of [true, false]) {
      const pool = new HashWorkers({ workers: 1, here });
      await expect(pool.hash(path.join(dir, 'missing'), ['sha256'])).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  it('never leaves a file waiting behind a large one while another worker is free', async () => {
    const big = path.join(dir, 'big');
    await writeFile(big, Buffer.alloc(64 * 1024 * 1024, 1));
    const pool = new HashWorkers({ workers: 2 });
    const done: string[] = [];
    const track = (name: string, file: string) =>
      pool.hash(file, ['sha256', 'sha512']).then(() => {
        done.push(name);
      });
    await Promise.all([track('big', big), ...files.slice(0, 5).map((f, i) => track(`small${i}`, f))]);
    expect(done.at(-1)).toBe('big');
  });

  it('tells by a stable identity that a file did not change between two reads', async () => {
    const pool = new HashWorkers({ workers: 1, racyMs: 500 });
    await pool.hash(files[0] as string, ['sha256']);
    const file = path.join(dir, 'changing');
    await writeFile(file, 'first bytes');
    // Just written: a write in the same clock tick would not show in its identity.
    expect((await pool.hash(file, ['sha256'])).stable).toBe(false);
    await sleep(600);
    const first = await pool.hash(file, ['sha256']);
    expect(first.stable).toBe(true);
    expect((await pool.hash(file, ['md5'])).identity).toBe(first.identity);
    await writeFile(file, 'other bytes');
    expect((await pool.hash(file, ['md5'])).identity).not.toBe(first.identity);
  });

  it('can be started before the first file, and started pools answer as usual', async () => {
    const pool = new HashWorkers({ workers: 2 });
    pool.start();
    expect(pool.inFlight).toEqual([0, 0, 0]);
    expect((await pool.hash(files[1] as string, ['sha256', 'md5'])).hex[0]).toBe(sha256(1));
  });

  it('hashes files for later on one worker only, after the files waited for, and hurries one when asked', async () => {
    const pool = new HashWorkers({ workers: 2, here: false });
    pool.start();
    await sleep(300);
    const later = files.slice(0, 3).map((f) => pool.later(f, ['sha256']));
    // The other worker stays free for a file someone waits for.
    expect(pool.inFlight).toEqual([1, 0, 0]);
    later[2]?.hurry();
    expect(pool.inFlight).toEqual([1, 1, 0]);
    expect((await Promise.all(later.map((l) => l.result))).map((r) => r.hex[0])).toEqual([0, 1, 2].map(sha256));

    const single = new HashWorkers({ workers: 1, here: false });
    single.start();
    await sleep(300);
    const done: string[] = [];
    const track = (name: string, result: Promise<unknown>) => result.then(() => done.push(name));
    await Promise.all([
      track('later 0', single.later(files[0] as string, ['sha256']).result),
      track('later 1', single.later(files[1] as string, ['sha256']).result),
      track('now', single.hash(files[2] as string, ['sha256'])),
    ]);
    // The first had started; the file waited for goes before the one that had not.
    expect(done).toEqual(['later 0', 'now', 'later 1']);
  });

  /** The nice value of each of this process's threads (Linux). */
  const niceValues = () =>
    readdirSync('/proc/self/task').map((thread) => {
      const stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });

  it.runIf(process.platform === 'linux')('hashes a little below the priority of the thread that moves the bytes', async (ctx) => {
    const own = readFileSync('/proc/thread-self/stat', 'utf8');
    const mine = Number(own.slice(own.lastIndexOf(')') + 2).split(' ')[16]);
    // Run at nice 15 or more, the workers cannot go 5 lower, and nothing tells them from the other threads.
    if (mine + WORKER_NICE_STEP > 19) ctx.skip();
    const lower = mine + WORKER_NICE_STEP;
    const before = niceValues().filter((n) => n === lower).length;
    const pool = new HashWorkers({ workers: 2, here: false });
    await Promise.all(files.slice(0, 2).map((f) => pool.hash(f, ['sha256'])));
    // Both workers lower their priority as they boot (one may have hashed both files before the other was up). At
    // least: a worker of an earlier test may have been still booting at `before`.
    const lowered = () => niceValues().filter((n) => n === lower).length - before;
    for (const deadline = Date.now() + 5_000; lowered() < 2 && Date.now() < deadline; ) await sleep(20);
    expect(lowered()).toBeGreaterThanOrEqual(2);
    const after = readFileSync('/proc/thread-self/stat', 'utf8');
    expect(Number(after.slice(after.lastIndexOf(')') + 2).split(' ')[16])).toBe(mine);
  });
});
