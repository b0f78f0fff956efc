import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32cHex } from './crc32c.ts';
import type { Hashed, HashRequest } from './file-digests.ts';
import { Hasher, type HashJob, type HashThread, NotStarted } from './hasher.ts';

let dir: string;
let files: string[];
const bytes = (i: number) => Buffer.alloc(100_000 + i * 7_000, i);
const digest = (algorithm: string, i: number) => createHash(algorithm).update(bytes(i)).digest('hex');
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hasher-'));
  files = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const file = path.join(dir, `f${i}`);
      await writeFile(file, bytes(i));
      return file;
    }),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * Threads the test drives: each request waits until the test finishes it, so which job runs when is decided by the
 * scheduler alone, never by how fast a thread is. A thread works through the requests it was given in order, as a
 * worker does: only the first of its line is running.
 */
function drivenThreads() {
  type Entry = { request: HashRequest; resolve(hashed: Hashed): void; reject(err: Error): void };
  const lines: Entry[][] = [];
  const started: string[] = [];
  const given: string[] = [];
  let peak = 0;
  const name = (e: Entry) => path.basename(e.request.file);
  const heads = () => lines.map((line) => line[0]).filter((e): e is Entry => e !== undefined);
  /** Notes the files that just became the first of their line. */
  const begin = () => {
    for (const head of heads()) if (!started.includes(name(head))) started.push(name(head));
    peak = Math.max(peak, heads().length);
  };
  const startThread = (): HashThread => {
    const line: Entry[] = [];
    lines.push(line);
    const thread = {
      alive: true,
      keepAlive: () => {},
      hash: (request: HashRequest) =>
        new Promise<Hashed>((resolve, reject) => {
          given.push(path.basename(request.file));
          line.push({ request, resolve, reject });
          begin();
        }),
      die: (err: Error) => {
        thread.alive = false;
        const [hashing, ...behind] = line.splice(0);
        hashing?.reject(err);
        for (const e of behind) e.reject(new NotStarted('the thread died first'));
      },
    };
    threads.push(thread);
    return thread;
  };
  const threads: { alive: boolean; die(err: Error): void }[] = [];
  /** Lets the scheduler's promise callbacks run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const lineOf = (file: string) => lines.findIndex((line) => line[0] && name(line[0]) === file);
  return {
    startThread,
    started,
    given,
    settle,
    finish: async (file: string) => {
      const line = lines[lineOf(file)];
      const entry = line?.shift();
      entry?.resolve({ size: 1, hex: entry.request.algorithms.map(() => 'x'), identity: 'i', stable: true });
      begin();
      await settle();
    },
    fail: async (file: string) => {
      threads[lineOf(file)]?.die(new Error('thread died'));
      await settle();
    },
    running: () => heads().map(name).sort(),
    /** Files given to a thread behind the one it hashes. */
    ahead: () => lines.flatMap((line) => line.slice(1).map(name)).sort(),
    peak: () => peak,
    made: () => lines.length,
  };
}

describe('Hasher on worker threads', () => {
  it('hashes every file once, each with its own digests, whatever the priorities', async () => {
    const hasher = new Hasher({ threads: 2 });
    const jobs = files.map((f, i) => hasher.hash(f, ['sha256', 'sha512', 'md5'], { priority: i % 2 ? 'idle' : 'now' }));
    // One idle job waited for: raised, it is answered like the others.
    const results = await Promise.all(jobs.map((j, i) => (i === 3 ? j.wait() : j.result)));
    expect(results.map((r) => r.hex)).toEqual(files.map((_, i) => [digest('sha256', i), digest('sha512', i), digest('md5', i)]));
    expect(results.map((r) => r.size)).toEqual(files.map((_, i) => bytes(i).length));
  });

  it('computes CRC32C (GCS) in the same read as the SHA digests', async () => {
    const hasher = new Hasher({ threads: 1 });
    const { hex } = await hasher.hash(files[5] as string, ['sha256', 'crc32c', 'sha1']).result;
    expect(hex).toEqual([digest('sha256', 5), crc32cHex(bytes(5)), digest('sha1', 5)]);
  });

  it('keeps the file-system error code of a file it cannot read, and goes on hashing', async () => {
    const hasher = new Hasher({ threads: 1 });
    await expect(hasher.hash(path.join(dir, 'missing'), ['sha256']).result).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await hasher.hash(files[0] as string, ['sha256']).result).hex).toEqual([digest('sha256', 0)]);
  });

  it('tells by a stable identity that a file did not change between two reads', async () => {
    const file = path.join(dir, 'changing');
    await writeFile(file, 'first bytes');
    // Changed within racyMs before the read: a write in the same clock tick would not show in its identity.
    expect((await new Hasher({ threads: 1, racyMs: 3_600_000 }).hash(file, ['sha256']).result).stable).toBe(false);
    const hasher = new Hasher({ threads: 1, racyMs: 0 });
    const first = await hasher.hash(file, ['sha256']).result;
    expect(first.stable).toBe(true);
    expect((await hasher.hash(file, ['md5']).result).identity).toBe(first.identity);
    await writeFile(file, 'other bytes');
    expect((await hasher.hash(file, ['md5']).result).identity).not.toBe(first.identity);
  });

  /** The nice value of each of this process's threads (Linux). */
  const niceValues = () =>
    readdirSync('/proc/self/task').map((thread) => {
      try {
        const stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      } catch {
        return Number.NaN; // the thread has exited
      }
    });

  it.runIf(process.platform === 'linux')('runs its threads the nice steps asked below the caller', async (ctx) => {
    const own = readFileSync('/proc/thread-self/stat', 'utf8');
    const mine = Number(own.slice(own.lastIndexOf(')') + 2).split(' ')[16]);
    // At nice 15 or more, the threads cannot go 5 lower, and nothing tells them from the others.
    if (mine + 5 > 19) ctx.skip();
    const before = niceValues().filter((n) => n === mine + 5).length;
    const hasher = new Hasher({ threads: 2, niceStep: 5 });
    // Two files at once: one to each thread, and a thread lowers its priority before it answers.
    await Promise.all(files.slice(0, 2).map((f) => hasher.hash(f, ['sha256']).result));
    expect(niceValues().filter((n) => n === mine + 5).length - before).toBeGreaterThanOrEqual(2);
    const after = readFileSync('/proc/thread-self/stat', 'utf8');
    expect(Number(after.slice(after.lastIndexOf(')') + 2).split(' ')[16])).toBe(mine);
  });
});

describe('Hasher scheduling (threads driven by the test)', () => {
  it('never runs more files than threads, nor idle ones on every thread, and every file is hashed once', async () => {
    const threads = drivenThreads();
    const hasher = new Hasher({ threads: 3, startThread: threads.startThread });
    const jobs = files.map((f, i) => hasher.hash(f, ['sha256'], { priority: i < 4 ? 'idle' : 'now' }));
    const idle = new Set(['f0', 'f1', 'f2', 'f3']);
    while (threads.running().length > 0) {
      expect(threads.running().length).toBeLessThanOrEqual(3);
      expect(threads.running().filter((name) => idle.has(name)).length).toBeLessThanOrEqual(2);
      await threads.finish(threads.running()[0] as string);
    }
    await Promise.all(jobs.map((j) => j.result));
    expect(threads.peak()).toBe(3);
    expect([...threads.started].sort()).toEqual(files.map((f) => path.basename(f)).sort());
  });

  it('hashes `now` files before idle ones, idle ones on all threads but one, and never starves an idle file', async () => {
    const threads = drivenThreads();
    const hasher = new Hasher({ threads: 2, startThread: threads.startThread });
    const idle = ['f0', 'f1', 'f2'].map((f) => hasher.hash(path.join(dir, f), ['sha512'], { priority: 'idle' }));
    await threads.settle();
    // One thread stays free for a file someone waits for.
    expect(threads.running()).toEqual(['f0']);
    const now = hasher.hash(path.join(dir, 'f3'), ['md5']);
    expect(threads.running()).toEqual(['f0', 'f3']);
    await threads.finish('f3');
    await now.result;
    // Nothing waits now: the idle files take one thread at a time, each in its turn.
    expect(threads.running()).toEqual(['f0']);
    await threads.finish('f0');
    expect(threads.running()).toEqual(['f1']);
    await threads.finish('f1');
    await threads.finish('f2');
    expect((await Promise.all(idle.map((j) => j.result))).length).toBe(3);
    expect(threads.started).toEqual(['f0', 'f3', 'f1', 'f2']);
  });

  it('raises an idle file someone waits for: it goes at once to a free thread, behind the files already waited for', async () => {
    const threads = drivenThreads();
    const hasher = new Hasher({ threads: 2, startThread: threads.startThread });
    const idle: HashJob[] = ['f0', 'f1', 'f2'].map((f) => hasher.hash(path.join(dir, f), ['sha512'], { priority: 'idle' }));
    await threads.settle();
    const waited = idle[2]?.wait();
    expect(threads.running()).toEqual(['f0', 'f2']);
    // With both threads busy, a raised file queues behind the `now` files asked for before it.
    const now = hasher.hash(path.join(dir, 'f3'), ['md5']);
    void idle[1]?.wait();
    await threads.finish('f2');
    await waited;
    expect(threads.running()).toEqual(['f0', 'f3']);
    await threads.finish('f0');
    expect(threads.running()).toEqual(['f1', 'f3']);
    await threads.finish('f3');
    await threads.finish('f1');
    await Promise.all([now.result, ...idle.map((j) => j.result)]);
  });

  it('hashes idle files on a single thread too, after the files waited for', async () => {
    const threads = drivenThreads();
    const hasher = new Hasher({ threads: 1, startThread: threads.startThread });
    const later = hasher.hash(path.join(dir, 'f0'), ['sha256'], { priority: 'idle' });
    const later2 = hasher.hash(path.join(dir, 'f1'), ['sha256'], { priority: 'idle' });
    const now = hasher.hash(path.join(dir, 'f2'), ['sha256']);
    await threads.finish('f0');
    await threads.finish('f2');
    await threads.finish('f1');
    await Promise.all([later.result, later2.result, now.result]);
    // The first had started; the file waited for goes before the one that had not.
    expect(threads.started).toEqual(['f0', 'f2', 'f1']);
  });

  it('hands a busy thread its next `now` file ahead while more than one per thread waits; the last go to a free thread', async () => {
    const threads = drivenThreads();
    const hasher = new Hasher({ threads: 2, startThread: threads.startThread });
    const jobs = files.slice(0, 6).map((f) => hasher.hash(f, ['sha256']));
    await threads.settle();
    expect(threads.running()).toEqual(['f0', 'f1']);
    expect(threads.ahead()).toEqual(['f2', 'f3']);
    await threads.finish('f0');
    // Two files wait for two threads: neither is bound to a thread that is busy.
    expect(threads.running()).toEqual(['f1', 'f2']);
    expect(threads.ahead()).toEqual(['f3']);
    await threads.finish('f2');
    expect(threads.running()).toEqual(['f1', 'f4']);
    await threads.finish('f1');
    expect(threads.running()).toEqual(['f3', 'f4']);
    await threads.finish('f3');
    await threads.finish('f4');
    await threads.finish('f5');
    await Promise.all(jobs.map((j) => j.result));
    expect(threads.peak()).toBe(2);
    expect([...threads.given].sort()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
  });

  it('never hands an idle file ahead: a file waited for may come at any time', async () => {
    const threads = drivenThreads();
    const hasher = new Hasher({ threads: 3, startThread: threads.startThread });
    const jobs = files.map((f) => hasher.hash(f, ['sha256'], { priority: 'idle' }));
    await threads.settle();
    while (threads.running().length > 0) {
      expect(threads.ahead()).toEqual([]);
      await threads.finish(threads.running()[0] as string);
    }
    await Promise.all(jobs.map((j) => j.result));
  });

  it('fails only the file whose thread died, and hashes the others on a new thread', async () => {
    const threads = drivenThreads();
    const hasher = new Hasher({ threads: 1, startThread: threads.startThread });
    const lost = hasher.hash(path.join(dir, 'f0'), ['sha256']);
    const next = hasher.hash(path.join(dir, 'f1'), ['sha256']);
    const last = hasher.hash(path.join(dir, 'f2'), ['sha256']);
    await threads.settle();
    // f1 was handed to the thread ahead; it dies before starting it.
    expect(threads.ahead()).toEqual(['f1']);
    const failed = expect(lost.result).rejects.toThrow('thread died');
    await threads.fail('f0');
    await failed;
    expect(threads.made()).toBe(2);
    expect(threads.running()).toEqual(['f1']);
    await threads.finish('f1');
    await threads.finish('f2');
    expect((await next.result).hex).toEqual(['x']);
    expect((await last.result).hex).toEqual(['x']);
    expect(threads.started).toEqual(['f0', 'f1', 'f2']);
  });

  it('starts its threads on `start`, before the first file', () => {
    const threads = drivenThreads();
    const hasher = new Hasher({ threads: 3, startThread: threads.startThread });
    expect(threads.made()).toBe(0);
    hasher.start();
    expect(threads.made()).toBe(3);
  });
});
