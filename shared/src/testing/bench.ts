/** What the benchmarks (`npm run bench`) share: where they keep their files, and how rounds are summed up. */
import { existsSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';

/**
 * A folder in memory (/dev/shm, tmpfs) when there is one and `bytes` fit in free memory with 4 GiB to spare, else
 * os.tmpdir(): the disk of the machine that runs a bench is not what the bench compares.
 */
export function memoryTmpdir(bytes: number): string {
  return existsSync('/dev/shm') && freemem() > bytes + 4 * 1024 ** 3 ? '/dev/shm' : tmpdir();
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
