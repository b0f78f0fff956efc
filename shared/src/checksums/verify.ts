/**
 * Checks files against their checksum files: a `<file>.sha256` / `<file>.sha512`
 * beside the file, or the lines of a SUMS file. Used by publish-binaries before it
 * uploads and by sign-artifacts in verify mode.
 */
import { readFile } from 'node:fs/promises';
import { ChecksumFormatError, DigestMismatchError } from '../core/errors.ts';
import { readTextIfExists } from '../core/files.ts';
import { type Digests, hashFile } from '../core/hash.ts';
import { resolveSafe } from '../core/paths.ts';
import { parseSums } from './sums.ts';

/**
 * The hex digest a `<file>.sha256` / `<file>.sha512` holds (`relative` is the file it describes). Throws
 * ChecksumFormatError for one that holds anything else, a sha256sum line above all (pure).
 */
export function parseDigestFile(relative: string, algorithm: 'sha256' | 'sha512', content: string): string {
  const expected = content.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(expected)) {
    const line = /^[0-9a-f]+[ \t]+\*?\S/.test(expected) ? `a ${algorithm}sum line` : 'no hex digest';
    throw new ChecksumFormatError(
      `${relative}.${algorithm}`,
      `holds ${line} (${JSON.stringify(expected.slice(0, 80))}); a .${algorithm} file holds the bare hex digest only (lines of "<hex>  <path>" belong in ${algorithm.toUpperCase()}SUMS)`,
    );
  }
  return expected;
}

/**
 * Compares a file's digests with the contents of its `.sha256` / `.sha512`
 * (undefined: no such file). Throws ChecksumFormatError for one that holds more
 * than a hex digest, DigestMismatchError on the first disagreement; returns the
 * checksum files that were checked (pure).
 */
export function checkDigestFiles(
  relative: string,
  digests: Pick<Digests, 'sha256' | 'sha512'>,
  contents: Partial<Record<'sha256' | 'sha512', string>>,
): string[] {
  const checked: string[] = [];
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const content = contents[algorithm];
    if (content === undefined) continue;
    const expected = parseDigestFile(relative, algorithm, content);
    if (expected !== digests[algorithm]) throw new DigestMismatchError(relative, expected, digests[algorithm]);
    checked.push(`${relative}.${algorithm}`);
  }
  return checked;
}

/**
 * Hashes `relative` (below root) and compares it with `<relative>.sha256` and
 * `<relative>.sha512` when they exist. Throws DigestMismatchError on the first
 * disagreement; returns the digests and which checksum files were checked.
 */
export async function verifyChecksumFile(
  root: string,
  relative: string,
  known?: Pick<Digests, 'sha256' | 'sha512'>,
): Promise<{ digests: Pick<Digests, 'sha256' | 'sha512'>; checked: string[] }> {
  const file = await resolveSafe(root, relative);
  const digests = known ?? (await hashFile(file));
  // The checksum files too: one linked outside the tree would otherwise be read (and quoted in an error).
  const sha256 = readTextIfExists(await resolveSafe(root, `${relative}.sha256`));
  const sha512 = readTextIfExists(await resolveSafe(root, `${relative}.sha512`));
  return { digests, checked: checkDigestFiles(relative, digests, { sha256, sha512 }) };
}

export interface SumsMismatch {
  path: string;
  expected: string;
  /** The actual digest, or undefined when the file is missing. */
  actual: string | undefined;
}

/**
 * Checks every line of a SUMS file below root (paths relative to root); returns all mismatches. `known` gives the
 * digests already made (a file is hashed once); the others are hashed here.
 */
export async function checkSums(
  root: string,
  sumsFile: string,
  algorithm: 'sha256' | 'sha512',
  known: (path: string) => string | undefined = () => undefined,
): Promise<SumsMismatch[]> {
  const text = await readFile(await resolveSafe(root, sumsFile), 'utf8');
  const mismatches: SumsMismatch[] = [];
  for (const entry of parseSums(text)) {
    let actual = known(entry.path);
    if (actual === undefined)
      try {
        actual = (await hashFile(await resolveSafe(root, entry.path)))[algorithm];
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    if (actual !== entry.hex) mismatches.push({ path: entry.path, expected: entry.hex, actual });
  }
  return mismatches;
}
