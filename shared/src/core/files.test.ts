import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytesIfExists, readTextIfExists, writeIfChanged } from './files.ts';

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
});
