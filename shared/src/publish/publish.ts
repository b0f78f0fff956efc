/**
 * publish-binaries: plan → act → verify → index → report, for every destination
 * (mirrors, each planned and verified on its own). Per destination: every file
 * is uploaded (or found equal) — the tree's files first, each once the tree's claims
 * about it hold (source.ts), then the checksum files the run makes — read back and
 * verified; only then is the release index written, verified, every object it names looked at again (another run
 * of the version may have replaced one), and — for a GitHub release — the draft published.
 * A crash at any point leaves no index, so the release stays invisible until a
 * rerun completes it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseSums } from '../checksums/sums.ts';
import { describeError, findCause, InputError } from '../core/errors.ts';
import { defaultHasher } from '../core/hash.ts';
import type { Hasher } from '../core/hasher.ts';
import type { Logger } from '../core/logger.ts';
import { formatBytes } from '../core/summary.ts';
import type { VerifyArtifactsOptions } from '../sign/verify-artifacts.ts';
import {
  type Capabilities,
  NotSupportedError,
  PreconditionFailedError,
  type Storage,
  type WrittenInfo,
} from '../storage/storage.ts';
import {
  ConcurrentPublishError,
  DestinationsFailedError,
  PublishedReleaseChangedError,
  VerificationFailedError,
} from './errors.ts';
import { missingPublishGuarantees } from './guarantees.ts';
import { INDEX_FILE } from './layout.ts';
import {
  checkKeys,
  checkLimits,
  type Destination,
  type DestinationPlan,
  includedBy,
  misnamedReason,
  misnamingSums,
  type PlannedIndex,
  type PlannedObject,
  planDestination,
  planIndex,
  planObjects,
  type Survey,
  sizesOf,
  surveyDestination,
} from './plan.ts';
import { checkRecorded, type RecordedFiles } from './record-manifest.ts';
import { buildReleaseIndex } from './release-index.ts';
import { byPath, isChecksumFile, listSource, publishedPaths, readSource, type SourceFile, type SourceTree } from './source.ts';
import { INDEX_CACHE_CONTROL, putObject, type UploadGuard, type UploadSettings, uploadPlanned } from './upload.ts';
import { type Expected, verifyObjects } from './verify.ts';

/** sign-artifacts' verify gate, run on the tree before anything is read from or written to a store. */
export type SignatureGate = VerifyArtifactsOptions;

export interface PublishOptions {
  sourceDir: string;
  version: string;
  destinations: readonly Destination[];
  /** Create missing SHA256SUMS/SHA512SUMS and per-file digest files. */
  checksums: boolean;
  /** Cache-Control of release files (the index always gets no-cache). */
  cacheControl: string;
  contentTypeOf(path: string): string;
  concurrency: number;
  dryRun: boolean;
  signatures?: SignatureGate;
  /** Hashes the tree (default: core/hash.ts' defaultHasher; the action passes publish/setup.ts' publishHasher). */
  hasher?: Hasher;
  /** The release manifest the run records into: a file it records with other bytes is refused before anything is sent. */
  manifest?: RecordedFiles;
}

export interface DestinationResult {
  name: string;
  location: string;
  indexUrl: string;
  /** Objects uploaded and skipped, the index included. */
  uploaded: number;
  skipped: number;
  bytesUploaded: number;
  /** URL of every release file at this destination. */
  urls: string[];
  /** The published release page (GitHub releases). */
  releaseUrl?: string;
  /** What the store could not guarantee (see guarantees.ts); empty when it gives everything, absent in a dry run. */
  missingGuarantees?: string[];
  plan: DestinationPlan;
}

export interface PublishResult {
  version: string;
  dryRun: boolean;
  files: SourceFile[];
  destinations: DestinationResult[];
}

/** A store whose content becomes visible in one last step (a GitHub draft release). */
interface PublishesRelease {
  publishRelease(): Promise<string>;
}

function publishesRelease(storage: Storage): storage is Storage & PublishesRelease {
  return typeof (storage as Partial<PublishesRelease>).publishRelease === 'function';
}

/** Metadata requests (HEAD, stat) are small and latency-bound: more of them run at once than uploads. */
function lookups(concurrency: number): number {
  return Math.min(64, concurrency * 4);
}

function logPlan(objects: readonly PlannedObject[], logger: Logger): void {
  for (const o of objects) {
    logger.info(`${o.action === 'upload' ? 'upload' : 'skip  '} ${o.key} (${o.reason}, ${formatBytes(o.file.size)}) → ${o.url}`);
  }
}

function logIndex(index: PlannedIndex, logger: Logger): void {
  logger.info(`${index.action === 'upload' ? 'upload' : 'skip  '} ${index.key} (release index, written last)`);
}

function count(objects: readonly PlannedObject[]): string {
  const upload = objects.filter((o) => o.action === 'upload').length;
  return `${upload} to upload, ${objects.length - upload} equal`;
}

async function publishTo(
  destination: Destination,
  survey: Promise<Survey>,
  tree: SourceTree,
  options: PublishOptions,
  logger: Logger,
): Promise<DestinationResult> {
  const { storage } = destination;
  const settings: UploadSettings = {
    concurrency: options.concurrency,
    cacheControl: options.cacheControl,
    contentTypeOf: options.contentTypeOf,
  };
  const limit = lookups(options.concurrency);
  // The files this destination takes (all, unless it has an assets filter); its index lists only those.
  const published = <T extends { path: string }>(files: readonly T[]): T[] =>
    files.filter((f) => includedBy(destination)(f.path));
  // Settled while the files go up (a probe is four small requests on an S3-compatible store).
  const capabilities = options.dryRun ? undefined : storage.capabilities();
  capabilities?.catch(() => {});
  const surveyed = await survey;
  const urlOf = (p: string) => storage.urlFor(destination.keyFor(p));
  const written = new Map<string, WrittenInfo>();
  let bytesUploaded = 0;
  const upload = async (objects: readonly PlannedObject[], guard?: UploadGuard) => {
    const sent = await uploadPlanned(storage, objects, settings, logger, guard);
    bytesUploaded += sent.bytes;
    for (const [key, info] of sent.written) written.set(key, info);
  };

  // A store that takes no writes (a published immutable release) is planned whole, then reported, not tried.
  const guarantees = options.dryRun ? undefined : await capabilities;
  const readOnly = guarantees?.readOnly;
  let plan: DestinationPlan;
  if (options.dryRun || surveyed.existing || readOnly) {
    // The whole release first: a dry run prints the whole plan, and a destination holding an index already is
    // compared with the index this run would write.
    const whole = await tree.complete();
    const files = published(whole);
    plan = await planDestination(destination, files, buildReleaseIndex(options.version, files, urlOf), limit, surveyed, {
      sourceDir: options.sourceDir,
      tree: whole,
      signatures: options.signatures,
      logger,
    });
    await logger.group(`Plan for ${destination.name}: ${count(plan.objects)}`, async () => {
      logPlan(plan.objects, logger);
      logIndex(plan.index, logger);
    });
    if (!options.dryRun) {
      const changed = plan.objects.filter((o) => o.action === 'upload').map((o) => o.file.path);
      if (readOnly && (changed.length > 0 || plan.index.action === 'upload'))
        throw new PublishedReleaseChangedError(
          storage.location,
          options.version,
          changed.length ? changed : [INDEX_FILE],
          readOnly,
        );
      await upload(plan.objects);
    }
  } else {
    // The tree's files go first, each as soon as the tree's claims about it hold; the checksum files this run
    // makes follow once every file is hashed, and the index last.
    const guard = guardAgainstOthers(destination, guarantees as Capabilities, options.version);
    const first = await planObjects(destination, published(tree.files), limit, surveyed);
    await logger.group(`Plan for ${destination.name}: ${count(first)}`, async () => logPlan(first, logger));
    await upload(first, guard);
    const files = published(await tree.complete());
    const made = await planObjects(
      destination,
      files.filter((f) => f.generated),
      limit,
      surveyed,
    );
    const index = planIndex(destination, buildReleaseIndex(options.version, files, urlOf), 'upload');
    await logger.group(`Checksum files made for ${destination.name}: ${count(made)}`, async () => {
      logPlan(made, logger);
      logIndex(index, logger);
    });
    await upload(made, guard);
    plan = { destination, objects: [...first, ...made].sort((a, b) => byPath(a.file, b.file)), index };
  }
  const toUpload = plan.objects.filter((o) => o.action === 'upload');
  const result: DestinationResult = {
    name: destination.name,
    location: storage.location,
    indexUrl: plan.index.url,
    uploaded: toUpload.length + (plan.index.action === 'upload' ? 1 : 0),
    skipped: plan.objects.length - toUpload.length + (plan.index.action === 'skip' ? 1 : 0),
    bytesUploaded,
    urls: plan.objects.map((o) => o.url),
    plan,
  };
  if (options.dryRun || !capabilities) return result;
  result.missingGuarantees = missingPublishGuarantees(await capabilities);
  for (const missing of result.missingGuarantees) logger.warning(`${destination.name}: not guaranteed: ${missing}`);

  const expected = (o: PlannedObject): Expected => ({
    key: o.key,
    size: o.file.size,
    sha256: o.file.sha256,
    contentEtags: written.get(o.key)?.contentEtags,
  });
  // Skipped objects were read back while planning; what was just written is read back now.
  await verifyObjects(storage, toUpload.map(expected), limit);
  // What the index names is made durable before the index makes it visible (a folder fsyncs it; see Storage.flush).
  if (toUpload.length > 0 || plan.index.action === 'upload') await storage.flush?.();
  const { key, data, sha256 } = plan.index;
  const index = plan.index.action === 'upload' ? await writeIndex(storage, plan.index, options.version) : undefined;
  if (index) {
    result.bytesUploaded += data.length;
    await restoreReplaced(destination, plan.objects, expected, upload, limit, logger);
  }
  await verifyObjects(storage, [{ key, size: data.length, sha256, contentEtags: index?.contentEtags }], 1);
  if (publishesRelease(storage)) result.releaseUrl = await storage.publishRelease();
  logger.info(
    `${destination.name}: ${result.uploaded} uploaded (${formatBytes(result.bytesUploaded)}), ${result.skipped} skipped, ${checkedHow(plan)}`,
  );
  return result;
}

/**
 * Keeps a run from replacing the objects of another run publishing the same version while no index is there (a
 * rebuilt release whose bytes differ): a new object is created only where there is none, where the store enforces
 * If-None-Match at every size (a folder aside), and one found with other bytes is replaced only while the release has
 * no index.
 */
function guardAgainstOthers(destination: Destination, capabilities: Capabilities, version: string): UploadGuard {
  const { storage } = destination;
  const conflict = (p: string, what: string) => new ConcurrentPublishError(storage.location, version, p, what);
  return {
    // A folder's conditional write is a barrier (fsync of all written before it): too dear for every file.
    createOnly: capabilities.conditionalCreate && capabilities.conditionalUpTo === undefined && !storage.flush,
    beforeReplace: async (p) => {
      if (await storage.stat(destination.keyFor(INDEX_FILE))) throw conflict(p, `its ${INDEX_FILE} appeared meanwhile`);
    },
    conflict,
  };
}

/**
 * Once this run's index is written it is the release: every object it names is looked at again, and one another run
 * replaced after the read-back (it planned before the index was there) is uploaded again and read back.
 */
async function restoreReplaced(
  destination: Destination,
  objects: readonly PlannedObject[],
  expected: (o: PlannedObject) => Expected,
  upload: (objects: readonly PlannedObject[]) => Promise<void>,
  concurrency: number,
  logger: Logger,
): Promise<void> {
  const { storage } = destination;
  const replaced = await verifyObjects(storage, objects.map(expected), concurrency).then(
    () => new Set<string>(),
    (error: unknown) => {
      if (!(error instanceof VerificationFailedError)) throw error;
      return new Set(error.mismatches.map((m) => m.key));
    },
  );
  if (replaced.size === 0) return;
  const again = objects
    .filter((o) => replaced.has(o.key))
    .map((o): PlannedObject => ({ ...o, action: 'upload', reason: 'changed' }));
  logger.warning(
    `${destination.name}: ${again.length} object(s) of this release were replaced by another run after they were verified; uploading them again: ${again.map((o) => o.file.path).join(', ')}`,
  );
  await upload(again);
  await verifyObjects(storage, again.map(expected), concurrency);
}

/** What the final line may claim: a file skipped by the rerun shortcut had its size checked, not its bytes. */
function checkedHow(plan: DestinationPlan): string {
  const bySize = plan.objects.filter((o) => o.reason === 'indexed').length;
  if (bySize === 0) return 'all verified';
  return `${bySize} of them checked by size against the release index only (contents not re-read), the rest verified`;
}

/**
 * Writes the release index where there is none yet (If-None-Match: *): of two runs publishing one version at once,
 * the second finds the first's index and fails with RELEASE_CONFLICT, unless it is this very index (then, as for
 * this run's own earlier attempt whose answer was lost, there is nothing to write). A store that does not implement
 * the condition (NotSupportedError) gets the index unconditionally. Answers what the store reported for a write of its own.
 */
async function writeIndex(storage: Storage, index: PlannedIndex, version: string): Promise<WrittenInfo | undefined> {
  const request = {
    key: index.key,
    body: { data: index.data },
    sha256: index.sha256,
    size: index.data.length,
    contentType: 'application/json',
    cacheControl: INDEX_CACHE_CONTROL,
  };
  try {
    return await putObject(storage, { ...request, ifNoneMatch: '*' });
  } catch (error) {
    if (findCause(error, (e) => e instanceof NotSupportedError)) return putObject(storage, request);
    if (!(error instanceof PreconditionFailedError)) throw error;
    const there = await storage.read(index.key);
    if (there?.data.equals(index.data)) return undefined;
    throw new PublishedReleaseChangedError(storage.location, version, [INDEX_FILE]);
  }
}

/**
 * Whether the destination, as surveyed, already holds an object for the path (then an upload, and its MD5, is
 * unlikely). Unknown until the survey has answered: a file hashed before that is expected to be uploaded.
 */
function holds(survey: Survey | undefined, destination: Destination, relative: string): boolean {
  return survey?.listed?.has(destination.storage.urlFor(destination.keyFor(relative))) ?? false;
}

export async function publishBinaries(given: PublishOptions, logger: Logger): Promise<PublishResult> {
  let options = given;
  const gate = options.signatures;
  if (gate) {
    // Loaded only when asked for: the Sigstore verifier is the largest part of the bundle.
    const { verifyArtifacts } = await import('../sign/verify-artifacts.ts');
    await logger.group('Verify signatures', () => verifyArtifacts(gate, logger));
  }
  const hidden: string[] = [];
  const paths = await listSource(options.sourceDir, (p) => hidden.push(p));
  if (hidden.length > 0)
    logger.warning(`Not published: ${hidden.length} hidden name(s) in source-dir (a leading '.'): ${hidden.sort().join(', ')}`);
  const published = publishedPaths(paths, options.checksums);
  // A flat destination (a GitHub release) takes no SUMS file naming its files otherwise than it does: left out, and
  // said so, unless the destination's `assets` asked for it (then refused: the user's filter is contradicted).
  const listed = async (sums: string) =>
    paths.includes(sums)
      ? parseSums(await readFile(path.join(options.sourceDir, sums), 'utf8')).map((e) => e.path)
      : paths.filter((p) => !isChecksumFile(p));
  const destinations: Destination[] = [];
  for (const d of options.destinations) {
    const misnamed = await misnamingSums(d, published.filter(includedBy(d)), listed);
    if (misnamed.length === 0) {
      destinations.push(d);
      continue;
    }
    const reason = misnamed.map((m) => misnamedReason(d, m)).join('; ');
    if (d.include)
      throw new InputError(
        'assets',
        `${reason}. Publish a flat tree there, or leave the SUMS files out of \`assets\` (each file's own .sha256/.sha512 names no file)`,
      );
    logger.warning(`Not published to ${d.name}: ${reason}; each file's own .sha256/.sha512 is`);
    const left = new Set(misnamed.flatMap(({ sums }) => [sums, `${sums}.sha256`, `${sums}.sha512`]));
    destinations.push({ ...d, include: (p) => !left.has(p) });
  }
  options = { ...options, destinations };
  for (const destination of options.destinations) checkKeys(destination, published.filter(includedBy(destination)));
  if (options.destinations.some((d) => d.storage.limits)) {
    const sizes = await sizesOf(options.sourceDir, published);
    for (const d of options.destinations) checkLimits(d, new Map([...sizes].filter(([p]) => includedBy(d)(p))));
  }
  // The tree's first read starts first; each store is looked at (its index read, its release folder listed) while it
  // goes on; a failure there is the destination's own, reported once the tree has been checked. A file hashed before
  // its destinations answered is taken to be uploaded.
  const surveyed: (Survey | undefined)[] = [];
  const reading = readSource({
    root: options.sourceDir,
    paths,
    checksums: options.checksums,
    concurrency: options.concurrency,
    hasher: options.hasher ?? defaultHasher,
    upload: (relative) =>
      !options.dryRun && options.destinations.some((d, i) => includedBy(d)(relative) && !holds(surveyed[i], d, relative)),
  });
  const surveys = options.destinations.map((d, i) => {
    const survey = surveyDestination(d, paths);
    survey.then(
      (s) => {
        surveyed[i] = s;
      },
      () => {},
    );
    return survey;
  });
  const tree = await reading;
  if (options.manifest) await checkRecorded(options.manifest, options.sourceDir, tree);
  logger.info(`${tree.files.length} files in ${options.sourceDir}, their SHA-256 checksums checked`);

  const settled = await Promise.allSettled(
    options.destinations.map((d, i) => publishTo(d, surveys[i] as Promise<Survey>, tree, options, logger)),
  );
  const failures = settled.flatMap((s, i) =>
    s.status === 'rejected' ? [{ location: (options.destinations[i] as Destination).name, error: s.reason as unknown }] : [],
  );
  if (options.destinations.length > 1) {
    for (const f of failures) logger.warning(`${f.location}: ${describeError(f.error)}`);
  }
  if (failures.length === 1) throw failures[0]?.error;
  if (failures.length > 1) throw new DestinationsFailedError(failures);
  const files = await tree.complete();
  const generated = files.filter((f) => f.generated).length;
  if (generated > 0) logger.info(`${generated} checksum files made`);
  return {
    version: options.version,
    dryRun: options.dryRun,
    files,
    destinations: settled.map((s) => (s as PromiseFulfilledResult<DestinationResult>).value),
  };
}
