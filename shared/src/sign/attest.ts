/**
 * Writes the provenance: `provenance.json` (the statement) and
 * `provenance.sigstore.json` (its DSSE bundle, payload type
 * application/vnd.in-toto+json), bundle last. Unchanged when the same statement
 * is already there with a bundle that verifies.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Bundle } from '@sigstore/bundle';
import type { Signature, Witness } from '@sigstore/sign';
import { writeIfChanged } from '../core/files.ts';
import type { RetryOptions } from '../core/retry.ts';
import type { BundleVerifier } from './bundle-verifier.ts';
import { dsseBundle, IN_TOTO_PAYLOAD_TYPE, parseBundle, preAuthEncoding, serializeBundle } from './bundles.ts';
import { SigningError } from './errors.ts';
import { PROVENANCE_BUNDLE, PROVENANCE_FILE, type ProvenanceStatement, serializeStatement } from './provenance.ts';
import type { ArtifactSigner } from './signer.ts';
import { witness } from './witnesses.ts';

export interface Attesting {
  signer: ArtifactSigner;
  witnesses: readonly Witness[];
  verifier: BundleVerifier | undefined;
  force: boolean;
  timeoutMs: number;
  retry: RetryOptions;
}

/** Signs `payload` as a DSSE envelope (over its pre-authentication encoding) and has the signature witnessed. */
export async function witnessedDsse(
  ctx: Pick<Attesting, 'signer' | 'witnesses' | 'retry' | 'timeoutMs'>,
  payload: Buffer,
  payloadType: string,
): Promise<{ bundle: Bundle; signature: Signature }> {
  const signature = await ctx.signer.sign(preAuthEncoding(payloadType, payload));
  const bundle = await witness(dsseBundle(payload, payloadType, signature), signature, ctx.witnesses, ctx.retry, ctx.timeoutMs);
  return { bundle, signature };
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function alreadySigned(
  statementText: string | undefined,
  bundleText: string | undefined,
  payload: Buffer,
  verifier: BundleVerifier,
): boolean {
  if (statementText !== payload.toString('utf8') || bundleText === undefined) return false;
  try {
    verifier.verifyDsse(parseBundle(bundleText), payload, IN_TOTO_PAYLOAD_TYPE);
    return true;
  } catch {
    return false;
  }
}

export async function writeProvenance(
  root: string,
  statement: ProvenanceStatement,
  ctx: Attesting,
): Promise<{ status: 'signed' | 'unchanged'; verified: boolean }> {
  const statementFile = path.join(root, PROVENANCE_FILE);
  const bundleFile = path.join(root, PROVENANCE_BUNDLE);
  const payload = Buffer.from(serializeStatement(statement));
  if (!ctx.force && ctx.verifier) {
    const [statementText, bundleText] = await Promise.all([readText(statementFile), readText(bundleFile)]);
    if (alreadySigned(statementText, bundleText, payload, ctx.verifier)) return { status: 'unchanged', verified: true };
  }
  const { bundle } = await witnessedDsse(ctx, payload, IN_TOTO_PAYLOAD_TYPE);
  if (ctx.verifier) {
    try {
      ctx.verifier.verifyDsse(bundle, payload, IN_TOTO_PAYLOAD_TYPE);
    } catch (err) {
      throw new SigningError(`the provenance bundle does not verify (${(err as Error).message})`, [], { cause: err });
    }
  }
  writeIfChanged(statementFile, payload.toString('utf8'));
  writeIfChanged(bundleFile, serializeBundle(bundle));
  return { status: 'signed', verified: ctx.verifier !== undefined };
}
