/**
 * Writing into place: every file is first written to a staging folder beside its destination (same filesystem),
 * then renamed in the order given — packages, index data, indexes last — so a reader never sees an index naming
 * what is not there yet. A file already holding the same bytes is left alone (a rerun changes nothing).
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Placement {
  /** Absolute destination. */
  path: string;
  data: Buffer | string;
}

async function sameBytes(file: string, data: Buffer | string): Promise<boolean> {
  try {
    return (await readFile(file)).equals(typeof data === 'string' ? Buffer.from(data) : data);
  } catch {
    return false;
  }
}

/** Stages every file under `root`, then moves them into place in order; returns the paths that changed. */
export async function placeInOrder(root: string, files: readonly Placement[]): Promise<string[]> {
  await mkdir(root, { recursive: true });
  const staging = await mkdtemp(path.join(root, '.staging-'));
  try {
    const pending: Array<{ from: string; to: string }> = [];
    for (const [i, file] of files.entries()) {
      if (await sameBytes(file.path, file.data)) continue;
      const from = path.join(staging, String(i));
      await writeFile(from, file.data);
      pending.push({ from, to: file.path });
    }
    for (const { from, to } of pending) {
      await mkdir(path.dirname(to), { recursive: true });
      await rename(from, to);
    }
    return pending.map((p) => p.to);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
