import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readBytesIfExists, readTextIfExists, writeAtomic, writeIfChanged } from './files.ts';

// The temporary names are random: a test that plants one draws the bytes itself.
const drawn = vi.hoisted(() => ({ next: undefined as Buffer | undefined }));
vi.mock('node:crypto', async (actual) => {
  const crypto = await actual<typeof import('node:crypto')>();
  return { ...crypto, randomBytes: (size: number) => drawn.next ?? crypto.randomBytes(size) };
});

describe('small files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'files-'));
    await writeFile(path.join(dir, 'file'), 'hello');
    await mkdir(path.join(dir, 'folder'));
    await symlink('file', path.join(dir, 'link-to-file'));
    await symlink('missing', path.join(dir, 'dangling'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    await symlink('fifo', path.join(dir, 'link-to-fifo'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a regular file (also through a symlink), and answers undefined for none (also a dangling link)', async () => {
    expect(readBytesIfExists(path.join(dir, 'file'))?.toString()).toBe('hello');
    expect(readTextIfExists(path.join(dir, 'link-to-file'))).toBe('hello');
    expect(readBytesIfExists(path.join(dir, 'missing'))).toBeUndefined();
    expect(readBytesIfExists(path.join(dir, 'dangling'))).toBeUndefined();
    expect(readTextIfExists(path.join(dir, 'missing'))).toBeUndefined();
  });

  it('throws every other failure to open, a symlink among them when asked not to follow one', () => {
    expect(() => readBytesIfExists(path.join(dir, 'file', 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(readBytesIfExists(path.join(dir, 'file'), { noFollow: true })?.toString()).toBe('hello');
    expect(() => readTextIfExists(path.join(dir, 'link-to-file'), { noFollow: true })).toThrow(
      expect.objectContaining({ code: 'ELOOP' }),
    );
  });

  it('closes what it opened, whether it read the file or refused it', () => {
    const open = () => readdirSync('/dev/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      readBytesIfExists(path.join(dir, 'file'));
      expect(() => readBytesIfExists(path.join(dir, 'folder'))).toThrow();
    }
    expect(open()).toBe(before);
  });

  it('refuses at once what is not a regular file, naming it without its folder: a FIFO does not block the read', async () => {
    for (const name of ['folder', 'fifo', 'link-to-fifo'])
      expect(() => readBytesIfExists(path.join(dir, name))).toThrow(
        expect.objectContaining({ code: 'ENOTREG', message: `${name} is not a regular file` }),
      );
  });

  it('writes a file only when its bytes differ, says so, and refuses what is not a regular file', async () => {
    const file = path.join(dir, 'w.txt');
    expect(writeIfChanged(file, 'one')).toBe(true);
    expect(writeIfChanged(file, 'one')).toBe(false);
    expect(writeIfChanged(file, 'two')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('two');
    expect((await readdir(dir)).filter((name) => name.includes('.tmp-'))).toEqual([]);
    for (const name of ['folder', 'fifo'])
      expect(() => writeIfChanged(path.join(dir, name), 'x')).toThrow(expect.objectContaining({ code: 'ENOTREG' }));
  });

  it('creates its temporary file exclusively: a planted name (a symlink out, a file) fails the write, left as it was', async () => {
    const file = path.join(dir, 'planted.txt');
    const victim = path.join(dir, 'victim');
    await writeFile(victim, 'kept');
    drawn.next = Buffer.alloc(8, 0xab);
    const planted = `${file}.tmp-${'ab'.repeat(8)}`;
    try {
      await symlink(victim, planted);
      expect(() => writeAtomic(file, 'new')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      expect(lstatSync(planted).isSymbolicLink()).toBe(true);
      await rm(planted);
      await writeFile(planted, 'theirs');
      expect(() => writeAtomic(file, 'new')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
      expect(await readFile(planted, 'utf8')).toBe('theirs');
    } finally {
      drawn.next = undefined;
    }
    expect(await readFile(victim, 'utf8')).toBe('kept');
    expect(readBytesIfExists(file)).toBeUndefined();
    await rm(planted);
  });

  it('removes its temporary file and closes it when the write or the rename fails', async () => {
    const open = () => readdirSync('/dev/fd').length;
    const before = open();
    // A folder cannot be replaced by a file (EISDIR); a number is not content (ERR_INVALID_ARG_TYPE).
    expect(() => writeAtomic(path.join(dir, 'folder'), 'x')).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    expect(() => writeAtomic(path.join(dir, 'n.txt'), 42 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
    expect(open()).toBe(before);
    expect((await readdir(dir)).filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(readBytesIfExists(path.join(dir, 'n.txt'))).toBeUndefined();
  });
});
