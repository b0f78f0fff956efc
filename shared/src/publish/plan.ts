/**
 * The plan for one destination: each release file's key and URL, and whether the
 * store already holds it (same SHA-256 and size → skip) or it must be uploaded.
 * One listing tells what exists (and, where the listing carries it, its SHA-256);
 * objects listed without a digest are stat'ed — unless the destination already
 * holds this very release index, whose digests were verified when it was written. The store's reported SHA-256
 * decides; one only declared by its writer (S3 metadata the store did not check) must agree with the store's own
 * checksum or MD5 ETag; a store that reports neither is compared by size, then by streaming the object and hashing
 * it. The release index is planned too: an index already there with other content means the release was published
 * before with other files, and is refused — unless only signature material differs (a rerun signed again) and the published signatures
 * pass the verify gate: then the release is already published and nothing is written.
 */
import { link, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHA256SUMS, SHA512SUMS } from '../checksums/files.ts';
import { InputError } from '../core/errors.ts';
import { hashBytes, hashStream } from '../core/hash.ts';
import type { Logger } from '../core/logger.ts';
import { mapPool } from '../core/pool.ts';
import type { VerifyArtifactsOptions } from '../sign/verify-artifacts.ts';
import { isContentEtag } from '../storage/content-etag.ts';
import { type ObjectInfo, type Storage, StorageError } from '../storage/storage.ts';
import { PublishedReleaseChangedError } from './errors.ts';
import { INDEX_FILE } from './layout.ts';
import { listByUrl } from './listing.ts';
import type { IndexDocument, IndexEntry, ReleaseIndex } from './release-index.ts';
import type { ReleaseFile } from './source.ts';

/** A store to publish to, and how release paths become its keys. */
export interface Destination {
  /** As the user wrote it, without credentials. */
  name: string;
  storage: Storage;
  /** The key of a release path (the layout for object stores; the bare path for a GitHub release). */
  keyFor(path: string): string;
  /** Which release paths this destination takes (a GitHub release's `assets` filter); all when absent. */
  include?: (path: string) => boolean;
  /** Its files are downloaded by the last segment of their URL alone (a GitHub release's flat assets). */
  flat?: boolean;
}

/** The destination's filter as a predicate (every path when it has none). */
export function includedBy(destination: Destination): (path: string) => boolean {
  return destination.include ?? (() => true);
}

export type Action = 'upload' | 'skip';

export interface PlannedObject {
  file: ReleaseFile;
  key: string;
  url: string;
  action: Action;
  /** Why: new, changed (digest/size), or equal. */
  /** `indexed`: the size the destination's own index records, contents not re-read (the rerun shortcut). */
  /** `published`: the destination holds this release, signed by an earlier run (signature material aside). */
  reason: 'new' | 'changed' | 'equal' | 'indexed' | 'published';
}

/** What a destination holds before anything is written: the listing of the release's folder and its index. */
export interface Survey {
  /** By URL; undefined when the store cannot list. */
  listed: Map<string, ObjectInfo> | undefined;
  /** The release index already there. */
  existing: { data: Buffer } | undefined;
}

/**
 * Looks at the destination: the index, and one listing of the folder all of the release's keys share. Needs only
 * the paths (and the index's), so it runs while the tree is still being hashed. The files the run will make (missing
 * checksum files) sit beside files of the tree or at its root, in folders the listing already covers.
 */
export async function surveyDestination(destination: Destination, paths: readonly string[]): Promise<Survey> {
  const keys = [...paths, INDEX_FILE].map((p) => destination.keyFor(p));
  const [existing, listed] = await Promise.all([
    destination.storage.read(destination.keyFor(INDEX_FILE)),
    listByUrl(destination.storage, keys),
  ]);
  return { existing, listed };
}

export interface PlannedIndex {
  key: string;
  url: string;
  data: Buffer;
  sha256: string;
  action: Action;
}

export interface DestinationPlan {
  destination: Destination;
  objects: PlannedObject[];
  index: PlannedIndex;
}

/** A single put's ETag on an S3 store: the MD5 of the bytes it holds (or, under SSE-KMS, something else). */
const MD5_ETAG = /^"?[0-9a-f]{32}"?$/i;

/**
 * Whether the store's object holds exactly the file. A SHA-256 the writer only declared (S3 metadata the store did
 * not check) must be backed by the store's own digest — a single put's checksum, an MD5 ETag — or by the content.
 */
export async function holdsFile(storage: Storage, key: string, info: ObjectInfo, file: ReleaseFile): Promise<boolean> {
  if (info.size !== file.size) return false;
  if (info.sha256 !== undefined && !info.sha256Declared) return info.sha256 === file.sha256;
  if (info.sha256 !== undefined && info.sha256 !== file.sha256) return false;
  if (info.checksum === `sha256:${file.sha256}`) return true;
  if (MD5_ETAG.test(info.etag) && isContentEtag(info.etag, [await file.md5()])) return true;
  return (await hashStream(await storage.stream(key))).sha256 === file.sha256;
}

/**
 * Refuses release paths the destination cannot hold: a name it refuses (a GitHub release asset's characters), or
 * two paths at one URL (a GitHub release's assets have no folders). Checked for every destination before anything
 * is written anywhere.
 */
export function checkKeys(destination: Destination, paths: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const p of paths) {
    let url: string;
    try {
      url = destination.storage.urlFor(destination.keyFor(p));
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      throw new InputError('source-dir', `${p} cannot be published to ${destination.name}: ${error.message}`);
    }
    const other = seen.get(url);
    if (other) throw new InputError('destinations', `${other} and ${p} would both be ${url} at ${destination.name}`);
    seen.set(url, p);
  }
}

/** A SUMS file that names a file by another name than the one it has at the destination. */
export interface MisnamedSums {
  sums: string;
  listed: string;
  there: string;
}

/**
 * On a flat destination, the SUMS files that list a file published there by another name than it has there (a
 * GitHub asset is flattened: bin/linux/amd64/kubectl is bin-linux-amd64-kubectl): a user who downloads the assets
 * and runs `sha256sum -c SHA256SUMS` would not find it. A listed file the destination does not take is no matter
 * (`--ignore-missing`). `listed(sums)`: the names that SUMS file lists, the tree's or the run's.
 */
export async function misnamingSums(
  destination: Destination,
  paths: readonly string[],
  listed: (sums: string) => Promise<readonly string[]>,
): Promise<MisnamedSums[]> {
  if (!destination.flat) return [];
  const taken = new Set(paths);
  const found: MisnamedSums[] = [];
  for (const sums of paths.filter((p) => SUMS_FILES.has(p))) {
    for (const name of await listed(sums)) {
      const relative = name.replace(/^\.\//, '');
      if (!taken.has(relative)) continue;
      const url = destination.storage.urlFor(destination.keyFor(relative));
      const there = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
      if (there !== relative) {
        found.push({ sums, listed: relative, there });
        break;
      }
    }
  }
  return found;
}

/** Why a SUMS file cannot go to a flat destination, for the log or for the error. */
export function misnamedReason(destination: Destination, { sums, listed, there }: MisnamedSums): string {
  return `${sums} lists ${listed}, which ${destination.name} holds as ${there}: \`sha256sum -c ${sums}\` on the downloaded files would not find it`;
}

const SUMS_FILES = new Set([SHA256SUMS, SHA512SUMS]);

/** The size of each path under root now (0 for one the run will make: a checksum file, a few bytes). */
export async function sizesOf(root: string, paths: readonly string[]): Promise<Map<string, number>> {
  const sizes = await Promise.all(
    paths.map((p) =>
      stat(path.join(root, p)).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return new Map(paths.map((p, i) => [p, sizes[i] ?? 0]));
}

/**
 * Refuses, before anything is uploaded, a release the destination cannot hold: more objects (the index included)
 * or a larger object than its limits allow. `sizes`: each published path's size as known now.
 */
export function checkLimits(destination: Destination, sizes: ReadonlyMap<string, number>): void {
  const limits = destination.storage.limits;
  if (!limits) return;
  const objects = sizes.size + 1;
  if (objects > limits.maxObjects)
    throw new InputError(
      'destinations',
      `${destination.name}: this release is ${objects} objects (its files, checksum files and ${INDEX_FILE}), more than the ${limits.maxObjects} ${limits.what}; nothing was uploaded. Publish fewer files there (for example only tarballs and SUMS files, from a smaller source-dir)`,
      { userError: true },
    );
  const large = [...sizes].filter(([, size]) => size > limits.maxObjectBytes).map(([p]) => p);
  if (large.length > 0)
    throw new InputError(
      'destinations',
      `${destination.name}: ${large.join(', ')} exceed${large.length === 1 ? 's' : ''} the ${limits.maxObjectBytes / 1024 ** 3} GiB allowed for ${limits.what}; nothing was uploaded`,
      { userError: true },
    );
}

/**
 * Plans the files against what the destination holds. `published`: the destination holds this very release index,
 * whose digests were verified when it was written — its record of every file, so a listed object of the right size
 * needs no request of its own.
 */
export function planObjects(
  destination: Destination,
  files: readonly ReleaseFile[],
  concurrency: number,
  { listed }: Survey,
  published = false,
): Promise<PlannedObject[]> {
  const { storage } = destination;
  return mapPool(files, concurrency, async (file): Promise<PlannedObject> => {
    const key = destination.keyFor(file.path);
    const url = storage.urlFor(key);
    const inList = listed?.get(url);
    if (listed && !inList) return { file, key, url, action: 'upload', reason: 'new' };
    if (published && inList?.size === file.size) return { file, key, url, action: 'skip', reason: 'indexed' };
    const info = inList?.sha256 !== undefined || (inList && inList.size !== file.size) ? inList : await storage.stat(key);
    if (!info) return { file, key, url, action: 'upload', reason: 'new' };
    const equal = await holdsFile(storage, key, info, file);
    return { file, key, url, action: equal ? 'skip' : 'upload', reason: equal ? 'equal' : 'changed' };
  });
}

/** What a rerun makes again with other bytes: Sigstore bundles, legacy signatures, the provenance, their digests. */
const SIGNATURE_MATERIAL = /(\.sigstore\.json|\.sig|\.cert)(\.sha256|\.sha512)?$|(^|\/)provenance[^/]*$/;
/** Checksum files: their lines for signature material differ on a rerun, the others do not. */
const SUMS = /(^|\/)SHA(256|512)SUMS(\.sha256|\.sha512)?$/;

export const isSignatureMaterial = (p: string): boolean => SIGNATURE_MATERIAL.test(p);

/** An earlier run's release at a destination, checked with the signature gate before it is taken as this one. */
export interface PublishedCheck {
  /** The release tree of this run (its files link into the folder the published signatures are verified in). */
  sourceDir: string;
  /** Every file of this run's tree, also those this destination does not take (its checksum files name them all). */
  tree: readonly ReleaseFile[];
  /** publish-binaries' verify gate; without it, a release that differs in any byte is refused. */
  signatures?: VerifyArtifactsOptions;
  logger: Logger;
}

/**
 * Why the published release is not this run's, signature material left out; undefined when they are the same: the
 * same files with the same digests, and every checksum line for another file naming this run's digest.
 */
export async function differsApartFromSignatures(
  destination: Destination,
  published: IndexDocument,
  files: readonly ReleaseFile[],
  tree: readonly ReleaseFile[] = files,
): Promise<string | undefined> {
  const content = (p: string) => !isSignatureMaterial(p) && !SUMS.test(p);
  const mine = new Map(files.filter((f) => content(f.path)).map((f) => [f.path, f]));
  const theirs = published.files.filter((e) => content(e.path));
  if (theirs.length !== mine.size) return `${theirs.length} files published, ${mine.size} in this run`;
  for (const entry of theirs) {
    const file = mine.get(entry.path);
    if (!file || file.sha256 !== entry.sha256 || file.size !== entry.size) return entry.path;
  }
  const sums = published.files.filter((e) => /(^|\/)SHA(256|512)SUMS$/.test(e.path));
  if (sums.length !== files.filter((f) => /(^|\/)SHA(256|512)SUMS$/.test(f.path)).length) return 'SHA256SUMS/SHA512SUMS';
  for (const entry of sums) {
    const read = await destination.storage.read(destination.keyFor(entry.path));
    if (!read) return entry.path;
    const folder = path.posix.dirname(entry.path);
    const algorithm = entry.path.endsWith('SHA512SUMS') ? 'sha512' : 'sha256';
    for (const line of read.data.toString('utf8').split('\n')) {
      const m = /^([0-9a-f]+) [ *](.+)$/.exec(line);
      if (!m) continue;
      const name = folder === '.' ? (m[2] as string) : `${folder}/${m[2]}`;
      if (isSignatureMaterial(name)) continue;
      const file = tree.find((f) => f.path === name) as (ReleaseFile & { sha512?: string }) | undefined;
      if (!file || file[algorithm] !== m[1]) return `${entry.path} (${name})`;
    }
  }
  return undefined;
}

/**
 * Verifies the published signatures with the gate: in a scratch folder, this run's whole tree (the same bytes:
 * checked above), with the signature material and checksum files the destination holds in place of this run's.
 */
async function verifyPublished(destination: Destination, entries: readonly IndexEntry[], check: PublishedCheck): Promise<void> {
  const gate = check.signatures as VerifyArtifactsOptions;
  const scratch = await mkdtemp(path.join(tmpdir(), 'published-'));
  const place = async (relative: string) => {
    const target = path.join(scratch, relative);
    await mkdir(path.dirname(target), { recursive: true });
    return target;
  };
  try {
    // A destination that takes part of the tree (an assets filter) publishes checksum files naming all of it.
    await mapPool(
      check.tree.filter((f) => !f.generated),
      8,
      async (file) => link(path.join(check.sourceDir, file.path), await place(file.path)),
    );
    await mapPool(
      entries.filter((e) => isSignatureMaterial(e.path) || SUMS.test(e.path)),
      8,
      async (entry) => {
        const read = await destination.storage.read(destination.keyFor(entry.path));
        if (!read) throw new Error(`${entry.path} is named by the published index but missing`);
        const target = await place(entry.path);
        await rm(target, { force: true });
        await writeFile(target, read.data);
      },
    );
    const { verifyArtifacts } = await import('../sign/verify-artifacts.ts');
    await verifyArtifacts({ ...gate, workspace: scratch, files: ['**/*'], manifest: undefined }, check.logger);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The whole plan of a release whose every file is known: an index already at the destination with other content
 * means the release was published before with other files, and is refused — unless it differs in signature material
 * only and its published signatures pass the gate: then it is already published (nothing to write; the published
 * index stays, and is what the run reports).
 */
export async function planDestination(
  destination: Destination,
  files: readonly ReleaseFile[],
  index: ReleaseIndex,
  concurrency: number,
  survey: Survey,
  check?: PublishedCheck,
): Promise<DestinationPlan> {
  const { existing } = survey;
  const published = existing?.data.equals(index.data) ?? false;
  if (existing && !published && check?.signatures) {
    const document = JSON.parse(existing.data.toString('utf8')) as IndexDocument;
    const why = await differsApartFromSignatures(destination, document, files, check.tree);
    if (why === undefined) {
      await check.logger.group(`Verify the signatures published at ${destination.name}`, () =>
        verifyPublished(destination, document.files, check),
      );
      check.logger.info(
        `${destination.name}: ${index.version} is already published (the same files by digest; the signatures of the run that published it verify)`,
      );
      const objects = files.map((file): PlannedObject => {
        const key = destination.keyFor(file.path);
        return { file, key, url: destination.storage.urlFor(key), action: 'skip', reason: 'published' };
      });
      const kept = { path: index.path, version: index.version, data: existing.data, sha256: hashBytes(existing.data).sha256 };
      return { destination, objects, index: planIndex(destination, kept, 'skip') };
    }
  }
  const objects = await planObjects(destination, files, concurrency, survey, published);
  if (existing && !published) {
    const changed = objects.filter((o) => o.action === 'upload').map((o) => o.file.path);
    throw new PublishedReleaseChangedError(
      destination.storage.location,
      index.version,
      changed.length > 0 ? changed : [index.path],
    );
  }
  return { destination, objects, index: planIndex(destination, index, existing ? 'skip' : 'upload') };
}

export function planIndex(destination: Destination, index: ReleaseIndex, action: Action): PlannedIndex {
  const key = destination.keyFor(index.path);
  return { key, url: destination.storage.urlFor(key), data: index.data, sha256: index.sha256, action };
}
