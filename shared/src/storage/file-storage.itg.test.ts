/**
 * The folder store's durability, seen by strace in a process of its own: the
 * files and folders written or found before a conditional write (the release
 * index) are fsynced before that write is renamed into place, its folder after;
 * the writes before it are not synced one by one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('FileStorage durability', () => {
  let dir: string;
  beforeAll(async () => {
    // Fails loudly where strace is missing or may not trace (a container without ptrace): never a silent skip.
    const probe = spawnSync('strace', ['-f', '-e', 'trace=none', 'true'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`strace cannot trace here: ${probe.error?.message ?? probe.stderr}`);
    dir = await mkdtemp(path.join(tmpdir(), 'file-storage-sync-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /**
   * Runs `steps` (module code with `store(root)` and `put(store, key, text, options)` in scope) under strace; answers
   * each fsync and rename as it started, in order (a rename by its target).
   */
  async function traced(name: string, steps: string): Promise<{ call: string; path: string }[]> {
    const script = path.join(dir, `${name}.ts`);
    await writeFile(
      script,
      `import { createHash } from 'node:crypto';
import { FileStorage } from ${JSON.stringify(new URL('./file-storage.ts', import.meta.url).href)};
const store = (root) => new FileStorage(root);
const put = (target, key, text, extra = {}) => {
  const data = Buffer.from(text);
  return target.put(key, { data }, { size: data.length, sha256: createHash('sha256').update(data).digest('hex'), ...extra });
};
${steps}`,
    );
    const traceFile = path.join(dir, `${name}.trace`);
    execFileSync('strace', [
      '-f',
      '-y',
      '-e',
      'trace=fsync,rename,renameat,renameat2',
      '-o',
      traceFile,
      process.execPath,
      script,
    ]);
    // Each call where it starts (a line of its own, or `<unfinished ...>` while another thread's call runs).
    return (await readFile(traceFile, 'utf8')).split('\n').flatMap((line) => {
      const fsync = /^\d+\s+fsync\(\d+<([^>]*)>/.exec(line);
      if (fsync) return [{ call: 'fsync', path: fsync[1] as string }];
      const renamed = /^\d+\s+rename\w*\((.*)/.exec(line);
      const target = renamed ? [...(renamed[1] as string).matchAll(/"([^"]*)"/g)].at(-1)?.[1] : undefined;
      return target ? [{ call: 'rename', path: target }] : [];
    });
  }

  function order(calls: { call: string; path: string }[], root: string) {
    const at = (call: string, target: string) => calls.findIndex((c) => c.call === call && c.path === path.join(root, target));
    const synced = (from: number, to: number) =>
      calls
        .slice(from, to)
        .filter((c) => c.call === 'fsync')
        .map((c) => path.relative(root, c.path));
    return { at, synced };
  }

  const RELEASE_FILES_AND_FOLDERS = [
    'release/v1/bin/linux/amd64/kubectl',
    'release/v1/kubernetes.tar.gz',
    'release/v1/bin/linux/amd64',
    'release/v1/bin/linux',
    'release/v1/bin',
    'release/v1',
    'release',
    '',
  ];

  it('fsyncs what was written before a conditional write, then renames it into place, then syncs its folders', async () => {
    const root = path.join(dir, 'one');
    const calls = await traced(
      'one',
      `const s = store(${JSON.stringify(root)});
await put(s, 'release/v1/bin/linux/amd64/kubectl', 'kubectl');
await put(s, 'release/v1/kubernetes.tar.gz', 'tarball');
await put(s, 'release/v1/index.json', '{}', { ifNoneMatch: '*' });`,
    );
    const { at, synced } = order(calls, root);
    const index = at('rename', 'release/v1/index.json');
    expect(index).toBeGreaterThan(0);
    // Nothing is synced while the release files go in; all of them (and their new folders) before the index.
    expect(synced(0, at('rename', 'release/v1/kubernetes.tar.gz'))).toEqual([]);
    expect(synced(0, index)).toEqual(expect.arrayContaining(RELEASE_FILES_AND_FOLDERS));
    expect(synced(0, index).some((p) => /^release\/v1\/\.tmp-.*-index\.json$/.test(p))).toBe(true);
    expect(synced(index, calls.length)).toContain('release/v1');
  });

  it('also fsyncs what it found: a rerun completing the files a killed run wrote syncs them before its index', async () => {
    const root = path.join(dir, 'two');
    const calls = await traced(
      'two',
      `const killed = store(${JSON.stringify(root)});
await put(killed, 'release/v1/bin/linux/amd64/kubectl', 'kubectl');
await put(killed, 'release/v1/kubernetes.tar.gz', 'tarball');
const rerun = store(${JSON.stringify(root)});
for await (const found of rerun.list('release/v1')) {}
await rerun.flush();
await put(rerun, 'release/v1/index.json', '{}', { ifNoneMatch: '*' });`,
    );
    const { at, synced } = order(calls, root);
    const index = at('rename', 'release/v1/index.json');
    expect(synced(0, at('rename', 'release/v1/kubernetes.tar.gz'))).toEqual([]);
    expect(synced(0, index)).toEqual(expect.arrayContaining(RELEASE_FILES_AND_FOLDERS));
  });
});
