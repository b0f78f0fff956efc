/**
 * What a repository already holds, read back only once it verifies: the signing key's signature over InRelease or
 * repomd.xml (with no key, only the hashes are checked), each index against the digest and size those record, and
 * each kept package file against its index entry (size and SHA-256, read once, on the hashing threads). Anything
 * else throws RepositoryTamperedError, before a file is written: the indexes would be signed again with it.
 */
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readBytesIfExists } from '../core/files.ts';
import { sha256File, sha256Hex } from '../core/hash.ts';
import { type AptEntry, parsePackages, releaseSha256 } from './apt.ts';
import { RepositoryTamperedError } from './errors.ts';
import type { PgpSigner } from './pgp.ts';
import { packageDigest, parseYumEntries, repomdRecords, type YumEntry } from './yum.ts';

interface Recorded {
  sha256: string;
  size: number;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function checkBytes(file: string, data: Buffer, recorded: Recorded | undefined, recordedIn: string): void {
  if (!recorded) throw new RepositoryTamperedError(file, `is not listed in ${recordedIn}`);
  const sha256 = sha256Hex(data);
  if (data.length !== recorded.size || sha256 !== recorded.sha256)
    throw new RepositoryTamperedError(
      file,
      `holds ${data.length} bytes with SHA-256 ${sha256}, but ${recordedIn} records ${recorded.size} bytes with SHA-256 ${recorded.sha256}`,
    );
}

/** Each kept package file against what its index records, all hashed at once. */
async function checkPackages(kept: ReadonlyArray<{ file: string; recorded: Recorded; index: string }>): Promise<void> {
  await Promise.all(
    kept.map(async ({ file, recorded, index }) => {
      const actual = await sha256File(file);
      if (actual.size !== recorded.size || actual.sha256 !== recorded.sha256)
        throw new RepositoryTamperedError(
          file,
          `holds ${actual.size} bytes with SHA-256 ${actual.sha256}, but ${index} records ${recorded.size} bytes with SHA-256 ${recorded.sha256 || '(none)'}`,
        );
    }),
  );
}

/** The Release text of the index folder `dir`: InRelease's, its signature checked, or Release's when there is no key. */
async function releaseOf(dir: string, signer: PgpSigner | undefined): Promise<{ text: string; file: string }> {
  const file = path.join(dir, signer ? 'InRelease' : 'Release');
  const data = readBytesIfExists(file);
  if (!data) throw new RepositoryTamperedError(file, 'is missing, yet the Packages index it would vouch for is there');
  if (!signer) return { text: data.toString('utf8'), file };
  const verified = await signer.verifyClearsigned(data.toString('utf8'));
  if ('problem' in verified) throw new RepositoryTamperedError(file, verified.problem);
  return { text: verified.text, file };
}

/** The Packages files below an index folder: `Packages` (flat) or `<component>/binary-<arch>/Packages` (dists). */
async function packagesFiles(base: string, flat: boolean): Promise<string[]> {
  if (flat) return ['Packages'];
  const found: string[] = [];
  for (const component of await readdir(base).catch(() => [] as string[]))
    for (const binary of await readdir(path.join(base, component)).catch(() => [] as string[]))
      if (binary.startsWith('binary-')) found.push(`${component}/${binary}/Packages`);
  return found;
}

/**
 * The APT entries kept: those of the verified indexes whose file is still there and is not being replaced. With
 * the dists layout (`suite` given), only that suite's: the other suites are neither read nor rewritten, and each
 * entry keeps the component it was listed in. With them, the verified Release they came from.
 */
export async function keptAptEntries(
  root: string,
  suite: string | undefined,
  fresh: ReadonlySet<string>,
  signer: PgpSigner | undefined,
): Promise<{ entries: AptEntry[]; release?: string }> {
  const flat = suite === undefined;
  const base = flat ? root : path.join(root, 'dists', suite);
  const kept = new Map<string, { entry: AptEntry; index: string }>();
  const present: Array<{ rel: string; data: Buffer }> = [];
  for (const rel of await packagesFiles(base, flat)) {
    const data = readBytesIfExists(path.join(base, rel));
    if (data) present.push({ rel, data });
  }
  if (present.length === 0) return { entries: [] };
  const release = await releaseOf(base, signer);
  const recorded = releaseSha256(release.text);
  for (const { rel, data } of present) {
    const index = path.join(base, rel);
    checkBytes(index, data, recorded.get(rel), release.file);
    const component = flat ? undefined : rel.split('/')[0];
    for (const entry of parsePackages(data.toString('utf8')))
      if (!fresh.has(entry.filename) && (await exists(path.join(root, entry.filename))))
        kept.set(entry.filename, { entry: component ? { ...entry, component } : entry, index });
  }
  await checkPackages(
    [...kept.values()].map(({ entry, index }) => ({
      file: path.join(root, entry.filename),
      recorded: { sha256: entry.digests?.sha256 ?? '', size: entry.size },
      index,
    })),
  );
  return { entries: [...kept.values()].map((k) => k.entry), release: release.text };
}

/**
 * The YUM entries kept (those of the verified metadata whose file is still there and is not being replaced), and
 * the metadata files repomd.xml names (the generation kept for readers of the previous repomd.xml).
 */
export async function keptYumEntries(
  root: string,
  fresh: ReadonlySet<string>,
  signer: PgpSigner | undefined,
): Promise<{ entries: YumEntry[]; hrefs: string[] }> {
  const repomdFile = path.join(root, 'repodata', 'repomd.xml');
  const repomd = readBytesIfExists(repomdFile);
  if (!repomd) return { entries: [], hrefs: [] };
  if (signer) {
    const ascFile = `${repomdFile}.asc`;
    const asc = readBytesIfExists(ascFile);
    if (!asc) throw new RepositoryTamperedError(ascFile, 'is missing, yet repomd.xml is there');
    const problem = await signer.verifyDetached(repomd, asc.toString('utf8'));
    if (problem) throw new RepositoryTamperedError(ascFile, problem);
  }
  const records = repomdRecords(repomd.toString('utf8'));
  const doc = async (kind: string) => {
    const record = records.find((r) => r.type === kind);
    if (!record) return '';
    const file = path.join(root, record.href);
    const gz = readBytesIfExists(file);
    if (!gz) throw new RepositoryTamperedError(file, `is missing, yet ${repomdFile} names it`);
    checkBytes(file, gz, record, repomdFile);
    return gunzipSync(gz).toString('utf8');
  };
  const primary = records.find((r) => r.type === 'primary');
  const index = primary ? path.join(root, primary.href) : repomdFile;
  const entries: YumEntry[] = [];
  for (const entry of parseYumEntries(await doc('primary'), await doc('filelists'), await doc('other')))
    if (!fresh.has(entry.location) && (await exists(path.join(root, entry.location)))) entries.push(entry);
  await checkPackages(entries.map((e) => ({ file: path.join(root, e.location), recorded: packageDigest(e), index })));
  return { entries, hrefs: records.map((r) => r.href) };
}
