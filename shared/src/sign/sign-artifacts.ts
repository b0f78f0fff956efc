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
import { hashWorkers } from '../core/hash-workers.ts';
import { type Logger, Progress } from '../core/logger.ts';
import { resolveSafe } from '../core/paths.ts';
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

function plan(subjects: readonly string[], root: string, options: SignArtifactsOptions, logger: Logger): SignArtifactsResult {
  for (const s of subjects) logger.info(`would sign ${s} → ${s}${BUNDLE_SUFFIX}`);
  const checksums = options.checksums ? joinPosix(root, SHA256SUMS) : undefined;
  const provenance = options.provenance ? joinPosix(root, PROVENANCE_FILE) : undefined;
  if (checksums) logger.info(`would write ${checksums}, ${joinPosix(root, SHA512SUMS)} and per-file .sha256/.sha512`);
  if (provenance) logger.info(`would write ${provenance} and ${joinPosix(root, PROVENANCE_BUNDLE)}`);
  return {
    dryRun: true,
    root,
    files: subjects.map((s) => ({ path: s, size: 0, sha256: '', status: 'planned', bundle: `${s}${BUNDLE_SUFFIX}` })),
    bundles: subjects.map((s) => `${s}${BUNDLE_SUFFIX}`),
    checksums,
    provenance,
    provenanceStatus: provenance ? 'planned' : undefined,
    digests: {},
    verified: 0,
    checked: options.trust !== undefined,
  };
}

interface SignedSubject extends SignedFile {
  /** The per-file checksum files this run changed. */
  checksumsChanged: string[];
}

/** The subjects resolved inside the workspace, largest first: the hashing workers then end together. */
async function largestFirst(subjects: readonly string[], workspace: string): Promise<{ subject: string; file: string }[]> {
  const found = await mapPool(subjects, 32, async (subject) => {
    const file = await resolveSafe(workspace, subject);
    return { subject, file, size: (await stat(file)).size };
  });
  return found.sort((a, b) => b.size - a.size);
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
  const results = await settlePool(await largestFirst(subjects, options.workspace), options.concurrency, async (item) => {
    const signed = await signFile(item.file, item.subject, {
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
      ? await writeDigestFiles(rootDir, { path: relativeTo(root, item.subject), sha256, sha512 })
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
): Promise<void> {
  const inRun = new Set(subjects);
  await mapPool(
    manifestFiles.filter((s) => inRun.has(s.path)),
    concurrency,
    async (subject) => {
      const [sha256] = (await hashWorkers.hash(path.join(workspace, subject.path), ['sha256'])).hex;
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

export async function signArtifacts(options: SignArtifactsOptions, logger: Logger): Promise<SignArtifactsResult> {
  const startedOn = options.sourceDate ?? new Date();
  const manifestFiles = options.manifest ? (await readManifest(options.manifest)).files : [];
  const subjects = await logger.group('Plan', async () => {
    const found = await findSubjects({ ...options, manifestFiles });
    logger.info(`${found.length} file(s) to sign`);
    return found;
  });
  const root = releaseRoot(subjects);
  if (options.dryRun) return logger.group('Dry run: nothing is written', async () => plan(subjects, root, options, logger));

  await checkManifestFirst(options.workspace, subjects, manifestFiles, options.concurrency);
  const retry = retryOptions(options, logger);
  const trust = await pinSignerIdentity(options, logger);
  const signed = await logger.group(`Sign ${subjects.length} file(s)`, () =>
    signAll(subjects, root, { ...options, trust }, logger, retry),
  );
  checkManifestDigests(signed, manifestFiles);

  const rootDir = path.join(options.workspace, root);
  const files = subjects.map((s) => ({ subject: s, name: relativeTo(root, s), signed: signed.get(s) as SignedSubject }));
  const byproducts: ResourceDescriptor[] = files.map((f) => ({
    name: `${f.name}${BUNDLE_SUFFIX}`,
    digest: { sha256: f.signed.bundleSha256 },
  }));
  let checksums: string | undefined;
  let checksumsChanged = 0;
  if (options.checksums) {
    await logger.group('Checksums', async () => {
      const written = await writeChecksumFiles(
        rootDir,
        files.map((f) => ({ path: f.name, sha256: f.signed.digests.sha256, sha512: f.signed.digests.sha512 })),
        { digestFilesWritten: true },
      );
      for (const sums of written.sums) byproducts.push({ name: sums.path, digest: { sha256: sums.sha256 } });
      checksumsChanged = written.changed.length + files.reduce((n, f) => n + f.signed.checksumsChanged.length, 0);
      logger.info(
        checksumsChanged === 0
          ? `${written.paths.length} checksum files unchanged`
          : `wrote ${checksumsChanged} of ${written.paths.length} checksum files`,
      );
    });
    checksums = joinPosix(root, SHA256SUMS);
  }

  let provenance: string | undefined;
  let provenanceStatus: SignArtifactsResult['provenanceStatus'];
  const context = options.provenance;
  if (context) {
    const statement = provenanceStatement({
      context,
      subjects: files.map((f) => ({
        name: f.name,
        digest: { sha256: f.signed.digests.sha256, sha512: f.signed.digests.sha512 },
      })),
      byproducts,
      startedOn,
      finishedOn: options.sourceDate ?? new Date(),
    });
    const written = await logger.group('Provenance', async () => {
      const result = await writeProvenance(rootDir, statement, {
        signer: options.signer,
        witnesses: witnessesFor(options.endpoints, options.timeoutMs),
        verifier: trust ? new BundleVerifier(trust) : undefined,
        force: options.force,
        timeoutMs: options.timeoutMs,
        retry,
      });
      logger.info(`${joinPosix(root, PROVENANCE_FILE)} ${result.status}`);
      return result;
    });
    provenance = joinPosix(root, PROVENANCE_FILE);
    provenanceStatus = written.status;
  }

  if (options.manifest) {
    await updateManifest(options.manifest, (manifest) => {
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

  if (files.every((f) => f.signed.status === 'unchanged') && checksumsChanged === 0 && provenanceStatus !== 'signed')
    logger.info('Every file already had a bundle that verifies: nothing was signed or written');

  const reports: FileReport[] = files.map((f) => ({
    path: f.subject,
    size: f.signed.digests.size,
    sha256: f.signed.digests.sha256,
    status: f.signed.status,
    bundle: `${f.subject}${BUNDLE_SUFFIX}`,
  }));
  return {
    dryRun: false,
    root,
    files: reports,
    bundles: reports.map((r) => r.bundle),
    checksums,
    provenance,
    provenanceStatus,
    digests: Object.fromEntries(reports.map((r) => [r.path, r.sha256])),
    verified: files.filter((f) => f.signed.verified).length,
    checked: options.trust !== undefined,
  };
}
