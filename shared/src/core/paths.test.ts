import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UnsafePathError } from './errors.ts';
import { expandGlobs, listTree, matchesAny, resolveInside, resolveSafe, resolveSafeSync, toPosix } from './paths.ts';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'paths-'));
  root = path.join(base, 'workspace');
  await mkdir(path.join(root, 'bin/linux/amd64'), { recursive: true });
  await writeFile(path.join(root, 'bin/linux/amd64/kubectl'), 'kubectl');
  await writeFile(path.join(root, 'bin/linux/amd64/kubectl.sha256'), 'x');
  await writeFile(path.join(root, 'kubernetes.tar.gz'), 'tar');
  await writeFile(path.join(root, 'README.md'), 'readme');
  await writeFile(path.join(base, 'secret'), 'outside');
  await symlink(path.join(base, 'secret'), path.join(root, 'escape'));
  await symlink('kubernetes.tar.gz', path.join(root, 'alias.tar.gz'));
});

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.close();
  await rm(base, { recursive: true, force: true });
});

/** A Unix socket at `at`, listening until the tests end. */
function listen(at: string): Promise<void> {
  const server = createServer();
  servers.push(server);
  return new Promise((resolve) => server.listen(at, resolve));
}

function unsafe(fn: () => unknown): UnsafePathError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafePathError);
    return error as UnsafePathError;
  }
  throw new Error('expected UnsafePathError');
}

describe('safe paths', () => {
  it('refuses ../ escapes and absolute paths outside the root', () => {
    expect(unsafe(() => resolveInside(root, '../x')).code).toBe('PATH_UNSAFE');
    expect(unsafe(() => resolveInside(root, 'bin/../../x')).path).toBe('bin/../../x');
    unsafe(() => resolveInside(root, '/etc/passwd'));
    expect(resolveInside(root, 'bin/./linux')).toBe(path.join(root, 'bin/linux'));
    expect(resolveInside(root, path.join(root, 'a'))).toBe(path.join(root, 'a'));
    // A name that merely starts with two dots is inside.
    expect(resolveInside(root, '..hidden')).toBe(path.join(root, '..hidden'));
  });

  it('refuses a symlink that points out of the root, accepts one that stays inside', async () => {
    const error = await resolveSafe(root, 'escape').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafePathError);
    expect((error as Error).message).toContain('symlink');
    await expect(resolveSafe(root, 'alias.tar.gz')).resolves.toBe(path.join(root, 'alias.tar.gz'));
    await expect(resolveSafe(root, 'not-yet-there')).resolves.toBe(path.join(root, 'not-yet-there'));
  });

  it('refuses a path not there yet whose folder, or whose dangling link, leads out of the root', async () => {
    const ws = await mkdtemp(path.join(base, 'ws-'));
    const outside = await mkdtemp(path.join(base, 'outside-'));
    await symlink(outside, path.join(ws, 'out'));
    await symlink(path.join(outside, 'gone'), path.join(ws, 'dangling'));
    await mkdir(path.join(ws, 'in'));
    await symlink('in/missing', path.join(ws, 'inner'));
    for (const relative of ['out/new', 'out/a/b', 'dangling'])
      expect(unsafe(() => resolveSafeSync(ws, relative)).message).toContain(`symlink to ${outside}`);
    await expect(resolveSafe(ws, 'out/new')).rejects.toBeInstanceOf(UnsafePathError);
    expect(resolveSafeSync(ws, 'in/a/b')).toBe(path.join(ws, 'in/a/b'));
    expect(resolveSafeSync(ws, 'inner')).toBe(path.join(ws, 'inner'));
    // A root not there yet (a folder about to be written) is where it would be made.
    expect(resolveSafeSync(path.join(ws, 'in/new'), 'a/b')).toBe(path.join(ws, 'in/new/a/b'));
  });
});

describe('globs', () => {
  it('expands globs to sorted files, applying basename excludes', async () => {
    const files = await expandGlobs(root, ['**/*.tar.gz', 'bin/**', 'README.md'], { exclude: ['*.sha256', 'README*'] });
    expect(files).toEqual(['alias.tar.gz', 'bin/linux/amd64/kubectl', 'kubernetes.tar.gz']);
  });

  it('refuses a FIFO or a link to one it matches (its read would block; skipped, it would go unsaid), unless excluded', async () => {
    const dir = await mkdtemp(path.join(base, 'fifo-'));
    await writeFile(path.join(dir, 'kubectl'), 'kubectl');
    execFileSync('mkfifo', [path.join(dir, 'kubectl.pipe')]);
    await symlink('kubectl.pipe', path.join(dir, 'link.pipe'));
    await expect(expandGlobs(dir, ['kubectl*'])).rejects.toMatchObject({
      code: 'PATH_UNSAFE',
      path: 'kubectl.pipe',
      message: expect.stringContaining("'kubectl.pipe': it is a FIFO, socket or device, not a regular file"),
    });
    await expect(expandGlobs(dir, ['link.pipe'])).rejects.toMatchObject({
      path: 'link.pipe',
      message: expect.stringContaining("'link.pipe': it links to a FIFO, socket or device"),
    });
    expect(await expandGlobs(dir, ['*'], { exclude: ['*.pipe'] })).toEqual(['kubectl']);
    // An excluded FIFO is no match either: a pattern that finds nothing else still matches nothing.
    await expect(expandGlobs(dir, ['kubectl.pipe'], { exclude: ['*.pipe'] })).rejects.toBeInstanceOf(InputError);
  });

  it('fails naming the input when a pattern matches nothing', async () => {
    const error = await expandGlobs(root, ['*.zip'], { input: 'files' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('files');
  });

  it('says a pattern naming a folder is a folder, and how to match the files in it', async () => {
    await mkdir(path.join(root, 'rel'), { recursive: true });
    await writeFile(path.join(root, 'rel', 'kubectl'), 'kubectl');
    await mkdir(path.join(root, 'rel', 'sub'), { recursive: true });
    for (const [pattern, hint] of [
      ['rel', 'rel/**'],
      ['rel/', 'rel/**'],
      ['rel//', 'rel/**'],
      ['rel/sub/', 'rel/sub/**'],
    ]) {
      const error = await expandGlobs(root, [pattern as string], { input: 'files' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ input: 'files', message: expect.stringContaining(`is a folder; use "${hint}"`) });
    }
  });

  it('refuses patterns that leave the root and matches that escape through links', async () => {
    await expect(expandGlobs(root, ['../*'])).rejects.toBeInstanceOf(UnsafePathError);
    await expect(expandGlobs(root, ['escape'])).rejects.toBeInstanceOf(UnsafePathError);
    await expect(listTree(root)).rejects.toBeInstanceOf(UnsafePathError);
  });

  it('checks a match reached through a linked folder: refused when the folder is outside, kept when inside', async () => {
    const tree = await mkdtemp(path.join(base, 'linked-'));
    const away = await mkdtemp(path.join(base, 'away-'));
    await writeFile(path.join(away, 'kubectl'), 'elsewhere');
    await mkdir(path.join(tree, 'bin'));
    await writeFile(path.join(tree, 'bin', 'kubectl'), 'kubectl');
    await symlink(away, path.join(tree, 'out'));
    await symlink('bin', path.join(tree, 'in'));
    const error = await expandGlobs(tree, ['out/kubectl']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafePathError);
    expect(error).toMatchObject({ path: 'out/kubectl', message: expect.stringContaining(path.join(away, 'kubectl')) });
    expect(await expandGlobs(tree, ['in/*', 'bin/*'])).toEqual(['bin/kubectl', 'in/kubectl']);
  });

  it('lists a tree as the ** glob sees it: nested files and links to files inside, sorted; no hidden names, links to folders not followed', async () => {
    const tree = path.join(base, 'tree');
    await mkdir(path.join(tree, 'bin/linux/amd64'), { recursive: true });
    await writeFile(path.join(tree, 'bin/linux/amd64/kubectl'), 'kubectl');
    await writeFile(path.join(tree, 'SHA256SUMS'), 'sums');
    await symlink('bin/linux/amd64/kubectl', path.join(tree, 'kubectl'));
    await symlink('bin', path.join(tree, 'bin-link'));
    await mkdir(path.join(tree, '.hidden'));
    await writeFile(path.join(tree, '.hidden/x'), 'x');
    await writeFile(path.join(tree, 'bin/.DS_Store'), 'x');
    const hidden: string[] = [];
    expect(await listTree(tree, (p) => hidden.push(p))).toEqual(['SHA256SUMS', 'bin/linux/amd64/kubectl', 'kubectl']);
    // Skipped, but not without a word: the caller hears of each.
    expect(hidden.sort()).toEqual(['.hidden', 'bin/.DS_Store']);
    expect(await expandGlobs(tree, ['**/*'])).toEqual(await listTree(tree));
    await symlink('missing', path.join(tree, 'dangling'));
    await expect(listTree(tree)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['a FIFO', 'it is', (at: string) => execFileSync('mkfifo', [at])],
    ['a socket', 'it is', (at: string) => listen(at)],
    [
      'a link to a FIFO',
      'it links to',
      async (at: string) => {
        // The FIFO itself under a hidden name, which neither the walk nor the glob looks at.
        execFileSync('mkfifo', [path.join(path.dirname(at), '.fifo')]);
        await symlink('.fifo', at);
      },
    ],
  ])('refuses %s in a tree, as the ** glob does: a release silently without it is worse than none', async (_, what, make) => {
    const tree = await mkdtemp(path.join(base, 'special-'));
    await mkdir(path.join(tree, 'bin'));
    await writeFile(path.join(tree, 'bin/kubectl'), 'kubectl');
    await make(path.join(tree, 'bin/kubectl.x'));
    const refusal = {
      code: 'PATH_UNSAFE',
      path: 'bin/kubectl.x',
      message: expect.stringContaining(`${what} a FIFO, socket or device`),
    };
    await expect(listTree(tree)).rejects.toMatchObject(refusal);
    await expect(expandGlobs(tree, ['**/*.x'])).rejects.toMatchObject(refusal);
  });

  it('matches basenames when the pattern has no slash', () => {
    expect(matchesAny('a/b/SHA256SUMS', ['SHA256SUMS'])).toBe(true);
    expect(matchesAny('a/b/x.sig', ['a/*.sig'])).toBe(false);
    expect(matchesAny('a/x.sig', ['a/*.sig'])).toBe(true);
  });
});

describe('the edges of a root', () => {
  it.each([
    ['..', false],
    ['../', false],
    ['.', true],
    ['', true],
    ['a/..', true],
    ['a/../..', false],
    ['...', true],
  ])('resolveInside(root, %j) is inside: %s', (relative, inside) => {
    if (inside) expect(resolveInside(root, relative)).toBe(path.resolve(root, relative));
    else expect(() => resolveInside(root, relative)).toThrow(/it is outside/);
  });

  it('treats only a missing path as not there yet: any other realpath error is thrown', async () => {
    await expect(resolveSafe(root, 'kubernetes.tar.gz/x')).rejects.toMatchObject({ code: 'ENOTDIR' });
    const loop = await mkdtemp(path.join(base, 'loop-'));
    await symlink('b', path.join(loop, 'a'));
    await symlink('a', path.join(loop, 'b'));
    await expect(resolveSafe(loop, 'a')).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('refuses a pattern that leaves the root even when it matches nothing', async () => {
    await expect(expandGlobs(root, ['../no-such-*'])).rejects.toBeInstanceOf(UnsafePathError);
    await expect(expandGlobs(root, ['/no-such-dir/*'])).rejects.toBeInstanceOf(UnsafePathError);
    await expect(expandGlobs(root, ['bin/../README.md'])).resolves.toEqual(['README.md']);
  });

  it('names the input (files by default) and the pattern that matches nothing', async () => {
    await expect(expandGlobs(root, ['*.zip'])).rejects.toMatchObject({
      input: 'files',
      message: expect.stringContaining('"*.zip" matches no file'),
    });
    await expect(expandGlobs(root, ['README.md', 'kubernetes.tar.gz'])).resolves.toEqual(['README.md', 'kubernetes.tar.gz']);
    await expect(expandGlobs(root, ['*.zip'], { requireMatch: false })).resolves.toEqual([]);
  });

  it('sorts listTree whatever order the walk found files in (a folder is read after the files beside it)', async () => {
    const tree = await mkdtemp(path.join(base, 'order-'));
    await mkdir(path.join(tree, 'a/b'), { recursive: true });
    await writeFile(path.join(tree, 'a/b/z'), 'z');
    await writeFile(path.join(tree, 'a/y'), 'y');
    await writeFile(path.join(tree, 'c'), 'c');
    await writeFile(path.join(tree, 'B'), 'B');
    expect(await listTree(tree)).toEqual(['B', 'a/b/z', 'a/y', 'c']);
  });

  it.each([
    ['./a/b', 'a/b'],
    ['a/./b', 'a/./b'],
    ['a', 'a'],
  ])('toPosix(%j) is %j', (relative, posix) => {
    expect(toPosix(relative)).toBe(posix);
  });
});
