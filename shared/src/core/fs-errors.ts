/**
 * File-system failures the user fixes — a full disk, a folder they may not write, a path that cannot be one — told
 * as what they are: an input error naming the input and the path, not an unexpected error with a bare errno.
 */
import { InputError } from './errors.ts';

const USER_ERRNO: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ELOOP: 'too many symbolic links (a loop?)',
  ENAMETOOLONG: 'a name in the path is too long',
};

/** The first error in the chain (causes included) that is such a failure, with the path it concerns. */
export function userFileSystemError(err: unknown): (NodeJS.ErrnoException & { path: string }) | undefined {
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 5; depth++) {
    const e = current as NodeJS.ErrnoException;
    if (e.code !== undefined && e.code in USER_ERRNO && typeof e.path === 'string')
      return e as NodeJS.ErrnoException & { path: string };
    current = current.cause;
  }
  return undefined;
}

/** The InputError a file-system failure becomes, or undefined when it is not one the user fixes. */
export function fileSystemInputError(err: unknown, inputFor: (path: string) => string): InputError | undefined {
  const fsError = userFileSystemError(err);
  if (!fsError) return undefined;
  const code = fsError.code as string;
  // A copy or a rename names both paths: the one written is the one that failed (its source was read before).
  const where = (fsError as { dest?: string }).dest ?? fsError.path;
  const what = fsError.syscall ? `${fsError.syscall} ${where}` : where;
  return new InputError(inputFor(where), `${what} failed: ${USER_ERRNO[code]} (${code})`, { cause: err, userError: true });
}

/** Runs `fn`; a file-system failure the user fixes comes out as an InputError naming the input the path belongs to. */
export async function blamingInput<T>(inputFor: (path: string) => string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fileSystemInputError(err, inputFor) ?? err;
  }
}
