/**
 * Analysis results per file digest, in a folder: a rerun over a large release
 * reads each file once to hash it (always: the digest is the key) and skips the
 * analysis (build info, tarball members, package headers) done before. The key
 * holds the tool's version, so a new version never reads an older one's results;
 * an entry is what the analysis returned, so output is the same with or without it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../core/files.ts';

export class AnalysisCache {
  readonly dir: string;
  readonly #toolVersion: string;
  constructor(dir: string, toolVersion: string) {
    this.dir = dir;
    this.#toolVersion = toolVersion;
  }

  key(parts: readonly string[]): string {
    return createHash('sha256')
      .update(JSON.stringify([this.#toolVersion, ...parts]))
      .digest('hex');
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, `${key}.json`), 'utf8')) as T;
    } catch {
      return undefined; // absent or unreadable: analysed again
    }
  }

  async put(key: string, value: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    writeAtomic(path.join(this.dir, `${key}.json`), JSON.stringify(value));
  }
}
