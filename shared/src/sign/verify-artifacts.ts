/**
 * The verify gate (sign-artifacts' mode: verify, and publish-binaries'
 * verify-signatures before it writes anything): every file must carry a `<file>.sigstore.json` (or the
 * legacy `<file>.sig` + `<file>.cert`) that verifies offline for the required
 * identity or key, and agree with its `.sha256`/`.sha512` when present; a
 * `provenance.json` the globs match must carry its verifying DSSE bundle and name
 * the verified files with their digests (verify-provenance.ts). Every file is
 * checked; the error lists every failing one.
 */
import path from 'node:path';
import { type Bundle, toMessageSignatureBundle } from '@sigstore/bundle';
import { SHA256SUMS, SHA512SUMS } from '../checksums/index.ts';
import { checkSums, verifyChecksumFile } from '../checksums/verify.ts';
import { readTextIfExists } from '../core/files.ts';
import { type Digests, hashFile } from '../core/hash.ts';
import type { Logger } from '../core/logger.ts';
import { Progress } from '../core/logger.ts';
import { expandGlobs, resolveSafe } from '../core/paths.ts';
import { settlePool } from '../core/pool.ts';
import { readManifest } from '../manifest/manifest.ts';
import { BundleVerifier, type TrustPolicy } from './bundle-verifier.ts';
import { BUNDLE_SUFFIX, parseBundle } from './bundles.ts';
import { type FileFailure, VerificationError } from './errors.ts';
import { certificateDer } from './legacy.ts';
import { PROVENANCE_FILE } from './provenance.ts';
import { DEFAULT_EXCLUDE, findSubjects, OWN_OUTPUTS } from './subjects.ts';
import { withTimeout } from './timeout.ts';
import { verifyProvenance } from './verify-provenance.ts';

export interface VerifyArtifactsOptions {
  /** The folder every path is relative to. */
  workspace: string;
  /** Globs (or plain relative paths) of the files to check. */
  files: readonly string[];
  /** Skipped files; Kubernetes' skip list by default. */
  exclude?: readonly string[];
  /** Absolute path of a release manifest whose file subjects are checked too. */
  manifest?: string;
  /** Trust material, thresholds and the identity policy (see trustPolicy()). */
  trust: TrustPolicy;
  concurrency?: number;
  timeoutMs?: number;
}

export interface VerifiedFile {
  path: string;
  size: number;
  sha256: string;
  /** What verified: the Sigstore bundle or the legacy .sig/.cert pair. */
  via: 'bundle' | 'legacy';
  /** The certificate's subject alternative name (keyless). */
  identity: string | undefined;
}

export interface VerifyArtifactsResult {
  files: VerifiedFile[];
  verified: number;
  /** The provenance statements verified (paths relative to the workspace). */
  provenance: string[];
  digests: Record<string, string>;
}

/** A file beside the subject (its bundle, .sig, .cert), read only where it stays inside the workspace, symlinks included. */
async function besideSubject(workspace: string, subject: string, suffix: string): Promise<string | undefined> {
  return readTextIfExists(await resolveSafe(workspace, `${subject}${suffix}`));
}

/** The bundle to check: `<file>.sigstore.json`, else one rebuilt from `<file>.sig` (+ `.cert`). */
async function signatureOf(workspace: string, subject: string): Promise<{ bundle: Bundle; via: VerifiedFile['via'] } | string> {
  const text = await besideSubject(workspace, subject, BUNDLE_SUFFIX);
  if (text !== undefined) {
    try {
      return { bundle: parseBundle(text), via: 'bundle' };
    } catch (err) {
      return `${BUNDLE_SUFFIX} is not a Sigstore bundle (${(err as Error).message})`;
    }
  }
  const sig = await besideSubject(workspace, subject, '.sig');
  if (sig === undefined) return `no ${BUNDLE_SUFFIX} and no .sig beside it`;
  const cert = await besideSubject(workspace, subject, '.cert');
  const der = cert === undefined ? undefined : certificateDer(Buffer.from(cert.trim(), 'base64').toString('utf8'));
  return {
    via: 'legacy',
    bundle: toMessageSignatureBundle({
      // The legacy pair carries no digest: verifyFile sets the file's own once it is read.
      digest: Buffer.alloc(32),
      signature: Buffer.from(sig.trim(), 'base64'),
      certificate: der,
      certificateChain: false,
    }),
  };
}

async function verifyFile(
  workspace: string,
  subject: string,
  verifier: BundleVerifier,
  hashed: Map<string, Digests>,
): Promise<VerifiedFile> {
  const file = await resolveSafe(workspace, subject);
  const found = await signatureOf(workspace, subject);
  if (typeof found === 'string') throw new Error(found);
  const digests = await hashFile(file);
  hashed.set(subject, digests);
  if (found.via === 'legacy' && found.bundle.content.$case === 'messageSignature')
    found.bundle.content.messageSignature.messageDigest.digest = Buffer.from(digests.sha256, 'hex');
  const signer = await verifier.check(found.bundle, file, digests.sha256);
  await verifyChecksumFile(workspace, subject, digests);
  return {
    path: subject,
    size: digests.size,
    sha256: digests.sha256,
    via: found.via,
    identity: signer.identity?.subjectAlternativeName,
  };
}

/** The files named `names` the globs match: sign-artifacts' own outputs, never subjects, but checked all the same. */
async function findOwnOutputs(options: VerifyArtifactsOptions, names: readonly string[]): Promise<string[]> {
  const exclude = [...OWN_OUTPUTS.filter((p) => !names.includes(p)), ...(options.exclude ?? DEFAULT_EXCLUDE)];
  const matched = await expandGlobs(options.workspace, options.files, { exclude, requireMatch: false });
  return matched.filter((p) => names.includes(path.posix.basename(p)));
}

/**
 * A SHA256SUMS / SHA512SUMS: it must agree with its own `.sha256`/`.sha512` and every line with the file it names
 * (relative to the list's folder) — but a file that failed its own check.
 */
async function verifyChecksumList(
  workspace: string,
  list: string,
  hashed: Map<string, Digests>,
  failed: ReadonlySet<string>,
): Promise<void> {
  await verifyChecksumFile(workspace, list);
  const algorithm = path.posix.basename(list) === SHA256SUMS ? 'sha256' : 'sha512';
  const dir = path.posix.dirname(list);
  const mismatches = await checkSums(
    path.join(workspace, dir),
    path.posix.basename(list),
    algorithm,
    (p) => hashed.get(path.posix.join(dir, p))?.[algorithm],
  );
  // A line naming a file that failed its own check adds nothing to that failure.
  const wrong = mismatches.filter((m) => !failed.has(path.posix.join(dir, m.path)));
  if (wrong.length > 0)
    throw new Error(
      wrong
        .map((m) =>
          m.actual === undefined ? `lists ${m.path}, which is missing` : `lists ${m.path} as ${m.expected}, it is ${m.actual}`,
        )
        .join('; '),
    );
}

export async function verifyArtifacts(options: VerifyArtifactsOptions, logger: Logger): Promise<VerifyArtifactsResult> {
  const manifestFiles = options.manifest ? (await readManifest(options.manifest)).files : [];
  const subjects = await findSubjects({
    workspace: options.workspace,
    files: options.files,
    exclude: options.exclude ?? DEFAULT_EXCLUDE,
    manifestFiles,
    manifest: options.manifest,
  });
  const statements = await findOwnOutputs(options, [PROVENANCE_FILE]);
  const checksumLists = await findOwnOutputs(options, [SHA256SUMS, SHA512SUMS]);
  const hashed = new Map<string, Digests>();
  const verifier = new BundleVerifier(options.trust);
  const timeoutMs = options.timeoutMs ?? 180_000;
  const results = await logger.group(`Verify ${subjects.length} file(s)`, async () => {
    const progress = new Progress(logger, subjects.length);
    return settlePool(subjects, options.concurrency ?? 10, async (subject) => {
      const verified = await withTimeout(timeoutMs, `verifying ${subject}`, () =>
        verifyFile(options.workspace, subject, verifier, hashed),
      );
      progress.tick(`${subject} verified (${verified.via}${verified.identity ? `, ${verified.identity}` : ''})`, verified.size);
      return verified;
    });
  });
  const failures: FileFailure[] = [];
  const files: VerifiedFile[] = [];
  const recorded = new Map(manifestFiles.map((s) => [s.path, s.sha256]));
  for (const r of results) {
    const expected = recorded.get(r.item);
    if (!r.ok) failures.push({ path: r.item, reason: (r.error as Error).message });
    else if (expected !== undefined && expected !== r.value.sha256)
      failures.push({ path: r.item, reason: `sha256 ${r.value.sha256} differs from the release manifest's ${expected}` });
    else files.push(r.value);
  }
  const digests = new Map(files.map((f) => [f.path, f.sha256]));
  const failed = new Set(failures.map((f) => f.path));
  const provenance: string[] = [];
  for (const statement of statements) {
    try {
      const checked = await withTimeout(timeoutMs, `verifying ${statement}`, () =>
        verifyProvenance(options.workspace, statement, verifier, (p) => (failed.has(p) ? 'failed' : digests.get(p))),
      );
      logger.info(`${statement} verified (provenance naming ${checked} of the verified files)`);
      provenance.push(statement);
    } catch (err) {
      failures.push({ path: statement, reason: (err as Error).message });
    }
  }
  for (const list of checksumLists) {
    try {
      await verifyChecksumList(options.workspace, list, hashed, failed);
      logger.info(`${list} verified (every line, and its own digest files)`);
    } catch (err) {
      failures.push({ path: list, reason: (err as Error).message });
    }
  }
  for (const f of failures) logger.warning(`${f.path}: ${f.reason}`);
  if (failures.length > 0)
    throw new VerificationError(
      `${failures.length} of ${subjects.length + statements.length + checksumLists.length} file(s) failed verification`,
      failures,
    );
  return { files, verified: files.length, provenance, digests: Object.fromEntries(digests) };
}
