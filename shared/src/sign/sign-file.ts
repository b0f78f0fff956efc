/**
 * Signs one file, hashed in one read on a hashing thread: skip it when its
 * existing bundle verifies for that digest (unless forced); otherwise sign the
 * digest, have the signature witnessed (Rekor,
 * TSA), check the new bundle at once (as krel verifies each signature), and
 * write `<file>.sigstore.json` (plus `.sig`/`.cert`).
 */
import type { Bundle } from '@sigstore/bundle';
import type { Witness } from '@sigstore/sign';
import { NO_FOLLOW, readTextIfExists, writeAtomic, writeIfChanged } from '../core/files.ts';
import { type Digests, sha256Hex } from '../core/hash.ts';
import type { Logger } from '../core/logger.ts';
import { resolveSafe } from '../core/paths.ts';
import type { RetryOptions } from '../core/retry.ts';
import { BundleRejected, type BundleVerifier } from './bundle-verifier.ts';
import { BUNDLE_SUFFIX, messageBundle, parseBundle, serializeBundle } from './bundles.ts';
import { SigningError } from './errors.ts';
import { legacyFiles } from './legacy.ts';
import type { ArtifactSigner } from './signer.ts';
import { withTimeout } from './timeout.ts';
import { witness } from './witnesses.ts';

export interface FileSigning {
  /** The folder the subjects' paths (labels) are relative to. */
  workspace: string;
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
  digests: Digests;
  status: FileStatus;
  /** Whether the bundle was verified (false only without trust material). */
  verified: boolean;
  /** Files written beside it, as suffixes (`.sigstore.json`, `.sig`, `.cert`). */
  outputs: string[];
  bundleSha256: string;
}

/**
 * The bundle beside the file, if there is one to keep. The file's own folder is inside the workspace (the plan checked
 * it), so only the bundle itself can lead outside: it is opened without following a link, and only a link is resolved.
 * A bundle that resolves outside the workspace is not read: signed again, it replaces the link.
 */
async function readExisting(bundleFile: string, label: string, workspace: string): Promise<Bundle | undefined> {
  const inside = () =>
    resolveSafe(workspace, `${label}${BUNDLE_SUFFIX}`).then(
      () => true,
      () => false,
    );
  let text: string | undefined;
  if (NO_FOLLOW === undefined) text = (await inside()) ? readTextIfExists(bundleFile) : undefined;
  else
    try {
      text = readTextIfExists(bundleFile, { noFollow: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
      text = (await inside()) ? readTextIfExists(bundleFile) : undefined;
    }
  if (text === undefined) return undefined;
  try {
    return parseBundle(text);
  } catch {
    return undefined;
  }
}

/** The reason the existing bundle does not verify for the file, or undefined when it does. */
async function rejectionOf(file: string, bundle: Bundle, sha256: string, verifier: BundleVerifier): Promise<string | undefined> {
  try {
    await verifier.check(bundle, file, sha256);
    return undefined;
  } catch (err) {
    if (err instanceof BundleRejected) return err.message;
    throw err;
  }
}

async function signFresh(digests: Digests, ctx: FileSigning): Promise<{ bundle: Bundle; verified: boolean }> {
  const signature = await ctx.signer.signDigest(Buffer.from(digests.sha256, 'hex'));
  const bundle = await witness(messageBundle(digests.sha256, signature), signature, ctx.witnesses, ctx.retry, ctx.timeoutMs);
  if (!ctx.verifier) return { bundle, verified: false };
  try {
    ctx.verifier.checkFresh(bundle, digests.sha256, ctx.signer.publicKey);
  } catch (err) {
    throw new SigningError(`the new bundle does not verify (${(err as Error).message})`, [], { cause: err });
  }
  return { bundle, verified: true };
}

/** `hashed`: the file's digests, queued by the caller (so the hashing threads never wait for a signing slot). */
export async function signFile(file: string, label: string, hashed: Promise<Digests>, ctx: FileSigning): Promise<SignedFile> {
  const bundleFile = `${file}${BUNDLE_SUFFIX}`;
  const digests = await withTimeout(ctx.timeoutMs, `reading ${file}`, () => hashed);
  let result: { bundle: Bundle; status: FileStatus; verified: boolean } | undefined;
  const existing = ctx.force || !ctx.verifier ? undefined : await readExisting(bundleFile, label, ctx.workspace);
  if (existing && ctx.verifier) {
    const rejected = await rejectionOf(file, existing, digests.sha256, ctx.verifier);
    if (rejected) ctx.logger.info(`${label}: existing bundle does not verify (${rejected}); signing again`);
    else result = { bundle: existing, status: 'unchanged', verified: true };
  }
  result ??= { ...(await signFresh(digests, ctx)), status: 'signed' };
  // A new bundle is written (a keyless one differs every run: new key, certificate, log entry); a kept one only where missing.
  const write = result.status === 'signed' ? writeAtomic : writeIfChanged;
  const bundleText = serializeBundle(result.bundle);
  const outputs = [BUNDLE_SUFFIX];
  write(bundleFile, bundleText);
  if (ctx.legacySignatures) {
    const legacy = legacyFiles(result.bundle);
    write(`${file}.sig`, legacy.sig);
    outputs.push('.sig');
    if (legacy.cert !== undefined) {
      write(`${file}.cert`, legacy.cert);
      outputs.push('.cert');
    }
  }
  return {
    file,
    digests,
    status: result.status,
    verified: result.verified,
    outputs,
    bundleSha256: sha256Hex(bundleText),
  };
}
