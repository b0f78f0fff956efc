/**
 * The sign-artifacts pipeline: plan (which files, where the release root is) →
 * sign each file (bundle, legacy .sig/.cert), skipping those whose bundle already
 * verifies → checksums → provenance → record in the release manifest → report.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { writeChecksumFiles, writeDigestFiles } from '../checksums/files.ts';
import { SHA256SUMS, SHA512SUMS } from '../checksums/index.ts';
import { DigestMismatchError } from '../core/errors.ts';
import { type Digests, defaultHasher, hashFile } from '../core/hash.ts';
import type { Hasher } from '../core/hasher.ts';
import { type Logger, Progress } from '../core/logger.ts';
import { resolveInside } from '../core/paths.ts';
import { mapPool, settlePool } from '../core/pool.ts';
import type { RetryOptions } from '../core/retry.ts';
import { type FileSubject, readManifest, recordProduced, updateManifest } from '../manifest/manifest.ts';
import { writeProvenance } from './attest.ts';
import { BundleVerifier, exactIdentity, type TrustPolicy } from './bundle-verifier.ts';
import { BUNDLE_SUFFIX } from './bundles.ts';
import { type FileFailure, SigningError } from './errors.ts';
import {
  PROVENANCE_BUNDLE,
  PROVENANCE_FILE,
  type ProvenanceContext,
  provenanceStatement,
  type ResourceDescriptor,
} from './provenance.ts';
import { outageRetry } from './services.ts';
import { type SignedFile, signFile } from './sign-file.ts';
import type { ArtifactSigner } from './signer.ts';
import { findSubjects, relativeTo, releaseRoot } from './subjects.ts';
import { type WitnessEndpoints, witnessesFor } from './witnesses.ts';

export interface SignArtifactsOptions {
  /** The folder every path is relative to (GITHUB_WORKSPACE). */
  workspace: string;
  files: readonly string[];
  exclude: readonly string[];
  signer: ArtifactSigner;
  endpoints: WitnessEndpoints;
  /** Verifies existing and new bundles; undefined when no trust material is known. */
  trust: TrustPolicy | undefined;
  checksums: boolean;
  legacySignatures: boolean;
  /** The workflow run or local build, for the provenance; undefined for no provenance. */
  provenance: ProvenanceContext | undefined;
  concurrency: number;
  timeoutMs: number;
  retryBudgetMs: number;
  force: boolean;
  dryRun: boolean;
  /** Absolute path of the release manifest, if any. */
  manifest: string | undefined;
  /** SOURCE_DATE_EPOCH: when set, the provenance times (and so its bytes) are fixed. */
  sourceDate: Date | undefined;
  /** Hashes the files (default: core/hash.ts' defaultHasher). */
  hasher?: Hasher;
}

export interface FileReport {
  /** Relative to the workspace. */
  path: string;
  size: number;
  sha256: string;
  status: 'signed' | 'unchanged' | 'planned';
  bundle: string;
}

export interface SignArtifactsResult {
  dryRun: boolean;
  /** The release root (relative to the workspace) holding the checksums and the provenance. */
  root: string;
  files: FileReport[];
  bundles: string[];
  checksums: string | undefined;
  provenance: string | undefined;
  provenanceStatus: 'signed' | 'unchanged' | 'planned' | undefined;
  digests: Record<string, string>;
  verified: number;
  /** Whether bundles were checked against trust material (false for a private instance without a trusted root). */
  checked: boolean;
}

function joinPosix(root: string, name: string): string {
  return root === '.' ? name : `${root}/${name}`;
}

function retryOptions(options: SignArtifactsOptions, logger: Logger): RetryOptions {
  return outageRetry(options.retryBudgetMs, ({ attempt, delayMs, error }) =>
    logger.warning(`attempt ${attempt} failed (${(error as Error).message}); retrying in ${Math.round(delayMs / 1000)}s`),
  );
}

/** What a run will do: the files to sign, the release root, and where it writes the checksums and provenance. */
interface SignPlan {
  subjects: string[];
  root: string;
  /** The release manifest's files, whose digests the files signed must match. */
  manifestFiles: FileSubject[];
  checksums: string | undefined;
  provenance: string | undefined;
}

async function planSigning(options: SignArtifactsOptions, logger: Logger): Promise<SignPlan> {
  const manifestFiles = options.manifest ? (await readManifest(options.manifest)).files : [];
  return logger.group('Plan', async () => {
    const subjects = await findSubjects({ ...options, manifestFiles });
    const root = releaseRoot(subjects);
    const plan: SignPlan = {
      subjects,
      root,
      manifestFiles,
      checksums: options.checksums ? joinPosix(root, SHA256SUMS) : undefined,
      provenance: options.provenance ? joinPosix(root, PROVENANCE_FILE) : undefined,
    };
    logger.info(`${subjects.length} file(s) to sign`);
    return plan;
  });
}

interface SignedSubject extends SignedFile {
  /** The per-file checksum files this run changed. */
  checksumsChanged: string[];
}

/** Below this size a file costs more to sign and write out than to hash. */
const SMALL_FILE = 1 << 20;

/**
 * The subjects resolved inside the workspace, in the order they are hashed: the small files first, so writing out
 * their signatures overlaps the large files' hashing instead of following it; then the large ones largest first, so
 * the hashing threads end together.
 */
async function hashingOrder(subjects: readonly string[], workspace: string): Promise<{ subject: string; file: string }[]> {
  const found = await mapPool(subjects, 32, async (subject) => {
    // The plan resolved each subject inside the workspace (findSubjects): no second round of realpath per file.
    const file = resolveInside(workspace, subject);
    return { subject, file, size: (await stat(file)).size };
  });
  const small = found.filter((f) => f.size < SMALL_FILE);
  return [...small, ...found.filter((f) => f.size >= SMALL_FILE).sort((a, b) => b.size - a.size)];
}

/** Signs every subject; each file's own .sha256/.sha512 is written as soon as it is hashed. */
async function signAll(
  subjects: readonly string[],
  root: string,
  options: SignArtifactsOptions,
  logger: Logger,
  retry: RetryOptions,
): Promise<Map<string, SignedSubject>> {
  const verifier = options.trust ? new BundleVerifier(options.trust) : undefined;
  const witnesses = witnessesFor(options.endpoints, options.timeoutMs);
  const progress = new Progress(logger, subjects.length);
  const rootDir = path.join(options.workspace, root);
  const items = await hashingOrder(subjects, options.workspace);
  const hasher = options.hasher ?? defaultHasher;
  // Every file is queued for hashing at once, so the threads never wait for a signing slot to free up.
  const hashed = items.map((item) => {
    const digests = hashFile(item.file, hasher);
    digests.catch(() => {}); // Reported by the file's signing slot, which awaits it.
    return digests;
  });
  const results = await settlePool(items, options.concurrency, async (item, index) => {
    const signed = await signFile(item.file, item.subject, hashed[index] as Promise<Digests>, {
      workspace: options.workspace,
      signer: options.signer,
      witnesses,
      verifier,
      legacySignatures: options.legacySignatures,
      force: options.force,
      timeoutMs: options.timeoutMs,
      retry,
      logger,
    });
    const { sha256, sha512 } = signed.digests;
    const checksumsChanged = options.checksums
      ? writeDigestFiles(rootDir, { path: relativeTo(root, item.subject), sha256, sha512 })
      : [];
    progress.tick(`${item.subject} ${signed.status}`, signed.digests.size);
    return { ...signed, checksumsChanged };
  });
  const failures: FileFailure[] = [];
  const signed = new Map<string, SignedSubject>();
  for (const r of results) {
    if (r.ok) signed.set(r.item.subject, r.value);
    else failures.push({ path: r.item.subject, reason: (r.error as Error).message });
  }
  if (failures.length > 0)
    throw new SigningError(`${failures.length} of ${subjects.length} file(s) could not be signed`, failures);
  return signed;
}

/**
 * The release manifest's digests, checked before anything is signed or written: a file that changed since it was
 * recorded fails the step with nothing written (and no transparency-log entry made for it). Checked again after
 * signing (checkManifestDigests), against the digests that were signed.
 */
async function checkManifestFirst(
  workspace: string,
  subjects: readonly string[],
  manifestFiles: readonly FileSubject[],
  concurrency: number,
  hasher: Hasher,
): Promise<void> {
  const inRun = new Set(subjects);
  await mapPool(
    manifestFiles.filter((s) => inRun.has(s.path)),
    concurrency,
    async (subject) => {
      const [sha256] = (await hasher.hash(path.join(workspace, subject.path), ['sha256']).result).hex;
      if (sha256 !== subject.sha256)
        throw new DigestMismatchError(`${subject.path} (release manifest)`, subject.sha256, sha256 as string);
    },
  );
}

function checkManifestDigests(signed: Map<string, SignedSubject>, manifestFiles: readonly FileSubject[]): void {
  for (const subject of manifestFiles) {
    const file = signed.get(subject.path);
    if (file && file.digests.sha256 !== subject.sha256)
      throw new DigestMismatchError(`${subject.path} (release manifest)`, subject.sha256, file.digests.sha256);
  }
}

/**
 * Keyless, without an identity to keep existing bundles by: the identity this run's certificates name (from its
 * identity token), so a rerun keeps only bundles this workflow made and re-signs those of any other identity.
 */
async function pinSignerIdentity(options: SignArtifactsOptions, logger: Logger): Promise<TrustPolicy | undefined> {
  const { trust, signer } = options;
  if (!trust || options.force || trust.policy?.subjectAlternativeName !== undefined || !signer.certificateIdentity) return trust;
  const pinned = await signer.certificateIdentity();
  if (!pinned) return trust;
  // An issuer given as input stays the one required.
  const policy = {
    subjectAlternativeName: exactIdentity(pinned.identity),
    extensions: { issuer: pinned.issuer },
    ...trust.policy,
  };
  logger.info(`Existing bundles are kept only if signed by ${pinned.identity} (issuer ${policy.extensions.issuer})`);
  return { ...trust, policy };
}

/** A file as signed, with its name relative to the release root. */
interface SignedEntry {
  subject: string;
  name: string;
  signed: SignedSubject;
}

/** The plan as a dry run prints it. */
function logPlan(plan: SignPlan, logger: Logger): void {
  for (const s of plan.subjects) logger.info(`would sign ${s} → ${s}${BUNDLE_SUFFIX}`);
  if (plan.checksums)
    logger.info(`would write ${plan.checksums}, ${joinPosix(plan.root, SHA512SUMS)} and per-file .sha256/.sha512`);
  if (plan.provenance) logger.info(`would write ${plan.provenance} and ${joinPosix(plan.root, PROVENANCE_BUNDLE)}`);
}

/** What the act step did. */
interface Outcome {
  files: SignedEntry[];
  checksumsChanged: number;
  provenanceStatus: SignArtifactsResult['provenanceStatus'];
}

/** SHA256SUMS and SHA512SUMS over every file signed; the per-file ones were written as each file was hashed. */
async function writeChecksums(
  rootDir: string,
  files: readonly SignedEntry[],
  logger: Logger,
): Promise<{ changed: number; sums: ResourceDescriptor[] }> {
  return logger.group('Checksums', async () => {
    const written = writeChecksumFiles(
      rootDir,
      files.map((f) => ({ path: f.name, sha256: f.signed.digests.sha256, sha512: f.signed.digests.sha512 })),
      { digestFilesWritten: true },
    );
    const changed = written.changed.length + files.reduce((n, f) => n + f.signed.checksumsChanged.length, 0);
    logger.info(
      changed === 0
        ? `${written.paths.length} checksum files unchanged`
        : `wrote ${changed} of ${written.paths.length} checksum files`,
    );
    return { changed, sums: written.sums.map((sums) => ({ name: sums.path, digest: { sha256: sums.sha256 } })) };
  });
}

async function writeSignedProvenance(
  plan: SignPlan,
  context: ProvenanceContext,
  files: readonly SignedEntry[],
  byproducts: ResourceDescriptor[],
  run: Run,
  logger: Logger,
): Promise<'signed' | 'unchanged'> {
  const { options } = run;
  const statement = provenanceStatement({
    context,
    subjects: files.map((f) => ({ name: f.name, digest: { sha256: f.signed.digests.sha256, sha512: f.signed.digests.sha512 } })),
    byproducts,
    startedOn: run.startedOn,
    finishedOn: options.sourceDate ?? new Date(),
  });
  return logger.group('Provenance', async () => {
    const result = await writeProvenance(path.join(options.workspace, plan.root), statement, {
      signer: options.signer,
      witnesses: witnessesFor(options.endpoints, options.timeoutMs),
      verifier: run.trust ? new BundleVerifier(run.trust) : undefined,
      force: options.force,
      timeoutMs: options.timeoutMs,
      retry: run.retry,
    });
    logger.info(`${plan.provenance} ${result.status}`);
    return result.status;
  });
}

/** What signing the files and writing the root's files share. */
interface Run {
  options: SignArtifactsOptions;
  trust: TrustPolicy | undefined;
  retry: RetryOptions;
  startedOn: Date;
}

/** Signs every file (each new bundle checked as it is made, each file's .sha256/.sha512 written beside it). */
async function signFiles(plan: SignPlan, run: Run, logger: Logger): Promise<SignedEntry[]> {
  const { options } = run;
  const signed = await logger.group(`Sign ${plan.subjects.length} file(s)`, () =>
    signAll(plan.subjects, plan.root, { ...options, trust: run.trust }, logger, run.retry),
  );
  return plan.subjects.map((s) => ({ subject: s, name: relativeTo(plan.root, s), signed: signed.get(s) as SignedSubject }));
}

/** The release root's files over the verified digests: SHA256SUMS/SHA512SUMS, then the provenance naming them. */
async function writeRootFiles(plan: SignPlan, files: readonly SignedEntry[], run: Run, logger: Logger): Promise<Outcome> {
  const byproducts: ResourceDescriptor[] = files.map((f) => ({
    name: `${f.name}${BUNDLE_SUFFIX}`,
    digest: { sha256: f.signed.bundleSha256 },
  }));
  let checksumsChanged = 0;
  if (plan.checksums) {
    const written = await writeChecksums(path.join(run.options.workspace, plan.root), files, logger);
    checksumsChanged = written.changed;
    byproducts.push(...written.sums);
  }
  const context = run.options.provenance;
  const provenanceStatus = context ? await writeSignedProvenance(plan, context, files, byproducts, run, logger) : undefined;
  return { files: [...files], checksumsChanged, provenanceStatus };
}

/** Records each file and what was written beside it in the release manifest. */
async function record(manifestPath: string, files: readonly SignedEntry[]): Promise<void> {
  await updateManifest(manifestPath, (manifest) => {
    for (const f of files) {
      let subject = manifest.files.find((s) => s.path === f.subject);
      if (!subject) {
        const { size, sha256, sha512 } = f.signed.digests;
        subject = { path: f.subject, size, sha256, sha512 };
        manifest.files.push(subject);
      }
      recordProduced(
        subject,
        'signatures',
        f.signed.outputs.map((suffix) => `${f.subject}${suffix}`),
      );
    }
    return manifest;
  });
}

/** The result of a run, or of its plan alone (a dry run: every file `planned`). */
function report(plan: SignPlan, options: SignArtifactsOptions, outcome: Outcome | undefined): SignArtifactsResult {
  const signed = new Map(outcome?.files.map((f) => [f.subject, f.signed]));
  const files: FileReport[] = plan.subjects.map((subject) => {
    const file = signed.get(subject);
    return {
      path: subject,
      size: file?.digests.size ?? 0,
      sha256: file?.digests.sha256 ?? '',
      status: file?.status ?? 'planned',
      bundle: `${subject}${BUNDLE_SUFFIX}`,
    };
  });
  return {
    dryRun: outcome === undefined,
    root: plan.root,
    files,
    bundles: files.map((f) => f.bundle),
    checksums: plan.checksums,
    provenance: plan.provenance,
    provenanceStatus: outcome ? outcome.provenanceStatus : plan.provenance ? 'planned' : undefined,
    digests: outcome ? Object.fromEntries(files.map((f) => [f.path, f.sha256])) : {},
    verified: outcome?.files.filter((f) => f.signed.verified).length ?? 0,
    checked: options.trust !== undefined,
  };
}

/**
 * plan → act (sign each file) → verify (the digests signed are the release manifest's) → the checksums and provenance
 * over them → record in the manifest → report.
 */
export async function signArtifacts(options: SignArtifactsOptions, logger: Logger): Promise<SignArtifactsResult> {
  const startedOn = options.sourceDate ?? new Date();
  // The hashing threads boot while the plan is made.
  if (!options.dryRun) (options.hasher ?? defaultHasher).start();
  const plan = await planSigning(options, logger);
  if (options.dryRun) {
    await logger.group('Dry run: nothing is written', async () => logPlan(plan, logger));
    return report(plan, options, undefined);
  }
  await checkManifestFirst(
    options.workspace,
    plan.subjects,
    plan.manifestFiles,
    options.concurrency,
    options.hasher ?? defaultHasher,
  );
  const run: Run = { options, trust: await pinSignerIdentity(options, logger), retry: retryOptions(options, logger), startedOn };
  const files = await signFiles(plan, run, logger);
  checkManifestDigests(new Map(files.map((f) => [f.subject, f.signed])), plan.manifestFiles);
  const outcome = await writeRootFiles(plan, files, run, logger);
  if (options.manifest) await record(options.manifest, files);
  if (
    files.every((f) => f.signed.status === 'unchanged') &&
    outcome.checksumsChanged === 0 &&
    outcome.provenanceStatus !== 'signed'
  )
    logger.info('Every file already had a bundle that verifies: nothing was signed or written');
  return report(plan, options, outcome);
}
