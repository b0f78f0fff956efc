/**
 * The folder store's durability barrier, seen by strace in a process of its own:
 * the files and folders written before a conditional write (the release index)
 * are fsynced before that write is renamed into place, its folder after; the
 * writes before it are not synced one by one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const straceWorks = spawnSync('strace', ['-f', '-e', 'trace=none', 'true']).status === 0;

describe.runIf(straceWorks)('FileStorage durability', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'file-storage-sync-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('fsyncs what was written before a conditional write, then renames it into place, then syncs its folders', async () => {
    const script = path.join(dir, 'write.ts');
    await writeFile(
      script,
      `import { createHash } from 'node:crypto';
import { FileStorage } from ${JSON.stringify(new URL('./file-storage.ts', import.meta.url).href)};
const store = new FileStorage(process.argv[2]);
const put = (key, text, extra = {}) => {
  const data = Buffer.from(text);
  return store.put(key, { data }, { size: data.length, sha256: createHash('sha256').update(data).digest('hex'), ...extra });
};
await put('release/v1/bin/linux/amd64/kubectl', 'kubectl');
await put('release/v1/kubernetes.tar.gz', 'tarball');
await put('release/v1/index.json', '{}', { ifNoneMatch: '*' });
`,
    );
    const store = path.join(dir, 'store');
    const traceFile = path.join(dir, 'trace');
    execFileSync('strace', [
      '-f',
      '-y',
      '-e',
      'trace=fsync,rename,renameat,renameat2',
      '-o',
      traceFile,
      process.execPath,
      script,
      store,
    ]);
    // Each call where it starts (a line of its own, or `<unfinished ...>` while another thread's call runs).
    const calls = (await readFile(traceFile, 'utf8')).split('\n').flatMap((line) => {
      const fsync = /^\d+ fsync\(\d+<([^>]*)>/.exec(line);
      if (fsync) return [{ call: 'fsync', path: fsync[1] as string }];
      const renamed = /^\d+ rename\w*\((.*)/.exec(line);
      const target = renamed ? [...(renamed[1] as string).matchAll(/"([^"]*)"/g)].at(-1)?.[1] : undefined;
      return target ? [{ call: 'rename', path: target }] : [];
    });
    const at = (call: string, target: string) => calls.findIndex((c) => c.call === call && c.path === path.join(store, target));
    const index = at('rename', 'release/v1/index.json');
    expect(index).toBeGreaterThan(0);
    const synced = (from: number, to: number) =>
      calls
        .slice(from, to)
        .filter((c) => c.call === 'fsync')
        .map((c) => c.path);

    // Nothing is synced while the release files go in; all of them (and their new folders) before the index.
    expect(synced(0, at('rename', 'release/v1/kubernetes.tar.gz'))).toEqual([]);
    const before = synced(0, index).map((p) => path.relative(store, p));
    expect(before).toEqual(
      expect.arrayContaining([
        'release/v1/bin/linux/amd64/kubectl',
        'release/v1/kubernetes.tar.gz',
        'release/v1/bin/linux/amd64',
        'release/v1/bin/linux',
        'release/v1/bin',
        'release/v1',
        'release',
        '',
      ]),
    );
    expect(before.some((p) => /^release\/v1\/\.tmp-.*-index\.json$/.test(p))).toBe(true);
    expect(synced(index, calls.length)).toContain(path.join(store, 'release/v1'));
  });
});
