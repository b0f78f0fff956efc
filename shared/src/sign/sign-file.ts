/**
 * Signs one file: skip it when its existing bundle verifies (unless forced);
 * otherwise hash and sign it in one read, have the signature witnessed (Rekor,
 * TSA), check the new bundle at once (as krel verifies each signature), and
 * write `<file>.sigstore.json` (plus `.sig`/`.cert`).
 */
import type { Bundle } from '@sigstore/bundle';
import type { Witness } from '@sigstore/sign';
import { writeAtomic, writeIfChanged } from '../checksums/files.ts';
import { readTextIfExists } from '../core/files.ts';
import { sha256Hex } from '../core/hash.ts';
import type { Logger } from '../core/logger.ts';
import type { RetryOptions } from '../core/retry.ts';
import { BundleRejected, type BundleVerifier } from './bundle-verifier.ts';
import { BUNDLE_SUFFIX, messageBundle, parseBundle, serializeBundle } from './bundles.ts';
import { SigningError } from './errors.ts';
import { legacyFiles } from './legacy.ts';
import type { ArtifactSigner } from './signer.ts';
import { type ArtifactDigests, DigestSink, readInto } from './stream.ts';
import { withTimeout } from './timeout.ts';
import { witness } from './witnesses.ts';

export interface FileSigning {
  signer: ArtifactSigner;
  witnesses: readonly Witness[];
  /** Checks existing and fresh bundles; undefined when no trust material is known (a private instance without a trusted root). */
  verifier: BundleVerifier | undefined;
  legacySignatures: boolean;
  force: boolean;
  timeoutMs: number;
  retry: RetryOptions;
  logger: Logger;
}

export type FileStatus = 'signed' | 'unchanged';

export interface SignedFile {
  /** Absolute path of the file. */
  file: string;
  digests: ArtifactDigests;
  status: FileStatus;
  /** Whether the bundle was verified (false only without trust material). */
  verified: boolean;
  /** Files written beside it, as suffixes (`.sigstore.json`, `.sig`, `.cert`). */
  outputs: string[];
  bundleSha256: string;
}

async function readExisting(file: string): Promise<Bundle | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  try {
    return parseBundle(text);
  } catch {
    return undefined;
  }
}

/** Hashes the file and checks its existing bundle in the same read; the reason when it does not verify. */
async function checkExisting(file: string, bundle: Bundle, verifier: BundleVerifier): Promise<ArtifactDigests | string> {
  const digest = new DigestSink();
  const check = verifier.begin(bundle);
  await readInto(file, digest, [check.sink]);
  const digests = await digest.digests();
  try {
    check.finish(digests.sha256);
    return digests;
  } catch (err) {
    if (err instanceof BundleRejected) return err.message;
    throw err;
  }
}

async function signFresh(
  file: string,
  ctx: FileSigning,
): Promise<{ digests: ArtifactDigests; bundle: Bundle; verified: boolean }> {
  const digest = new DigestSink();
  const sink = ctx.signer.begin();
  await withTimeout(ctx.timeoutMs, `reading ${file}`, () => readInto(file, digest, [sink]));
  const digests = await digest.digests();
  const signature = await sink.finish();
  const bundle = await witness(messageBundle(digests.sha256, signature), signature, ctx.witnesses, ctx.retry, ctx.timeoutMs);
  if (!ctx.verifier) return { digests, bundle, verified: false };
  try {
    ctx.verifier.checkFresh(bundle, digests.sha256, ctx.signer.publicKey);
  } catch (err) {
    throw new SigningError(`the new bundle does not verify (${(err as Error).message})`, [], { cause: err });
  }
  return { digests, bundle, verified: true };
}

export async function signFile(file: string, label: string, ctx: FileSigning): Promise<SignedFile> {
  const bundleFile = `${file}${BUNDLE_SUFFIX}`;
  let result: { digests: ArtifactDigests; bundle: Bundle; status: FileStatus; verified: boolean } | undefined;
  const existing = ctx.force || !ctx.verifier ? undefined : await readExisting(bundleFile);
  if (existing && ctx.verifier) {
    const checked = await checkExisting(file, existing, ctx.verifier);
    if (typeof checked === 'string') ctx.logger.info(`${label}: existing bundle does not verify (${checked}); signing again`);
    else result = { digests: checked, bundle: existing, status: 'unchanged', verified: true };
  }
  result ??= { ...(await signFresh(file, ctx)), status: 'signed' };
  // A new signature differs from whatever was there (ECDSA is randomised): write it; a kept one only where missing.
  const write = result.status === 'signed' ? writeAtomic : writeIfChanged;
  const bundleText = serializeBundle(result.bundle);
  const outputs = [BUNDLE_SUFFIX];
  await write(bundleFile, bundleText);
  if (ctx.legacySignatures) {
    const legacy = legacyFiles(result.bundle);
    await write(`${file}.sig`, legacy.sig);
    outputs.push('.sig');
    if (legacy.cert !== undefined) {
      await write(`${file}.cert`, legacy.cert);
      outputs.push('.cert');
    }
  }
  return {
    file,
    digests: result.digests,
    status: result.status,
    verified: result.verified,
    outputs,
    bundleSha256: sha256Hex(bundleText),
  };
}
