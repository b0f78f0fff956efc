/**
 * The release index, `index.json` beside the release files: every file with its
 * size, SHA-256, SHA-512 and URL at that destination. It is written last, after
 * every file is verified; a release without its index is not published. The bytes
 * depend only on the release (no timestamps), so a rerun finds it equal.
 */
import { hashBytes } from '../core/hash.ts';
import { INDEX_FILE } from './layout.ts';
import type { SourceFile } from './source.ts';

export interface IndexEntry {
  path: string;
  size: number;
  sha256: string;
  sha512: string;
  url: string;
}

export interface IndexDocument {
  schemaVersion: 1;
  version: string;
  files: IndexEntry[];
}

export interface ReleaseIndex {
  path: string;
  version: string;
  data: Buffer;
  sha256: string;
}

export function buildReleaseIndex(version: string, files: readonly SourceFile[], urlOf: (path: string) => string): ReleaseIndex {
  const document: IndexDocument = {
    schemaVersion: 1,
    version,
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, sha512: f.sha512, url: urlOf(f.path) })),
  };
  const data = Buffer.from(`${JSON.stringify(document, null, 2)}\n`);
  return { path: INDEX_FILE, version, data, sha256: hashBytes(data).sha256 };
}
