/**
 * The verify gate's check of a release's provenance: the `provenance.json` that
 * sign-artifacts writes at the release root, beside its DSSE bundle
 * `provenance.sigstore.json`. The bundle must verify for the same identity or key
 * as the files, its payload must be exactly the statement's bytes, and every
 * subject it names that the gate verified must carry the digest the gate found
 * (a statement left over from another build names other bytes). A statement
 * without its bundle fails: published, it would be an unsigned claim about the
 * release.
 */
import path from 'node:path';
import { readTextIfExists } from '../core/files.ts';
import { resolveSafe } from '../core/paths.ts';
import { PROVENANCE_BUNDLE } from './attest.ts';
import type { BundleVerifier } from './bundle-verifier.ts';
import { IN_TOTO_PAYLOAD_TYPE, parseBundle } from './bundles.ts';

interface StatementSubject {
  name?: unknown;
  digest?: { sha256?: unknown };
}

/** The statement's subjects, or why the bytes are not an in-toto statement. */
function subjectsOf(text: string): StatementSubject[] {
  let statement: { subject?: unknown };
  try {
    statement = JSON.parse(text) as { subject?: unknown };
  } catch (err) {
    throw new Error(`is not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(statement?.subject)) throw new Error('is not an in-toto statement (no subject list)');
  return statement.subject as StatementSubject[];
}

/**
 * Verifies the statement at `statement` (relative to the workspace, POSIX); `sha256Of` answers the SHA-256 the gate
 * verified for a path (relative to the workspace), if it verified that path. Resolves with the number of subjects
 * checked against the gate's digests; throws an Error whose message says what failed.
 */
export async function verifyProvenance(
  workspace: string,
  statement: string,
  verifier: BundleVerifier,
  sha256Of: (relative: string) => string | undefined,
): Promise<number> {
  const folder = path.posix.dirname(statement);
  const bundlePath = folder === '.' ? PROVENANCE_BUNDLE : `${folder}/${PROVENANCE_BUNDLE}`;
  const [text, bundleText] = await Promise.all([
    readTextIfExists(await resolveSafe(workspace, statement)),
    readTextIfExists(await resolveSafe(workspace, bundlePath)),
  ]);
  if (text === undefined) throw new Error('cannot be read');
  if (bundleText === undefined) throw new Error(`no ${PROVENANCE_BUNDLE} beside it`);
  let bundle: ReturnType<typeof parseBundle>;
  try {
    bundle = parseBundle(bundleText);
  } catch (err) {
    throw new Error(`${PROVENANCE_BUNDLE} is not a Sigstore bundle (${(err as Error).message})`);
  }
  verifier.verifyDsse(bundle, Buffer.from(text, 'utf8'), IN_TOTO_PAYLOAD_TYPE);
  let checked = 0;
  for (const subject of subjectsOf(text)) {
    if (typeof subject.name !== 'string' || typeof subject.digest?.sha256 !== 'string') continue;
    const verified = sha256Of(folder === '.' ? subject.name : `${folder}/${subject.name}`);
    if (verified === undefined) continue;
    if (verified !== subject.digest.sha256)
      throw new Error(`names ${subject.name} with sha256 ${subject.digest.sha256}, but the file has ${verified}`);
    checked++;
  }
  return checked;
}
