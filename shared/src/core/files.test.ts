import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytesIfExists, readTextIfExists } from './files.ts';

describe('readBytesIfExists', () => {
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
    expect((await readBytesIfExists(path.join(dir, 'file')))?.toString()).toBe('hello');
    expect(await readTextIfExists(path.join(dir, 'link-to-file'))).toBe('hello');
    expect(await readBytesIfExists(path.join(dir, 'missing'))).toBeUndefined();
    expect(await readBytesIfExists(path.join(dir, 'dangling'))).toBeUndefined();
  });

  it('refuses at once what is not a regular file, naming it without its folder: a FIFO does not block the read', async () => {
    for (const name of ['folder', 'fifo', 'link-to-fifo'])
      await expect(readBytesIfExists(path.join(dir, name))).rejects.toMatchObject({
        code: 'ENOTREG',
        message: `${name} is not a regular file`,
      });
  });
});
