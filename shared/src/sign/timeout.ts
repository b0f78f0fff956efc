import { ReleaseError } from '../core/errors.ts';

/** Runs `fn`, failing with a TIMEOUT error when it takes longer than `ms`. */
export async function withTimeout<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ReleaseError('TIMEOUT', `${what} took longer than ${Math.round(ms / 1000)}s`, { userError: true })),
      ms,
    );
  });
  try {
    return await Promise.race([fn(), expired]);
  } finally {
    clearTimeout(timer);
  }
}
