import { mkdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { InputError } from './errors.ts';
import { blamingInput, fileSystemInputError } from './fs-errors.ts';

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

describe('file-system failures the user fixes', () => {
  it.each([
    ['ENOSPC', 'write'],
    ['EACCES', 'open'],
    ['EROFS', 'mkdir'],
    ['ENOTDIR', 'mkdir'],
    ['EISDIR', 'rename'],
    ['ELOOP', 'stat'],
    ['ENAMETOOLONG', 'open'],
  ])('%s becomes an input error naming the input and the path', (code, syscall) => {
    const path = `/srv/mirror/release/${code.toLowerCase()}`;
    const error = fileSystemInputError(new Error('wrapped', { cause: errno(code, syscall, path) }), () => 'destinations');
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'INPUT_INVALID', input: 'destinations', userError: true });
    expect(error?.message).toContain(path);
    expect(error?.message).toContain(code);
  });

  it('blames the path written when a copy names two', () => {
    const copy = Object.assign(errno('ENOSPC', 'copyfile', '/ws/src/kubectl'), { dest: '/srv/mirror/.tmp-1-x-kubectl' });
    const error = fileSystemInputError(copy, (p) => (p.startsWith('/ws/src') ? 'source-dir' : 'destinations'));
    expect(error).toMatchObject({ input: 'destinations', message: expect.stringContaining('/srv/mirror/.tmp-1-x-kubectl') });
  });

  it('leaves other failures as they are', async () => {
    expect(fileSystemInputError(errno('EIO', 'read', '/x'), () => 'files')).toBeUndefined();
    expect(fileSystemInputError(new Error('plain'), () => 'files')).toBeUndefined();
    const other = new Error('not ours');
    await expect(
      blamingInput(
        () => 'files',
        () => Promise.reject(other),
      ),
    ).rejects.toBe(other);
  });

  it('names the input the path belongs to, for a real failure', async () => {
    const error = await blamingInput(
      (p) => (p.startsWith('/dev/null') ? 'destination' : 'files'),
      () => mkdir('/dev/null/release', { recursive: true }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ input: 'destination', message: expect.stringContaining('/dev/null') });
  });
});
