/**
 * The verify gate's check of a release's provenance: the `provenance.json` that
 * sign-artifacts writes at the release root, beside its DSSE bundle
 * `provenance.sigstore.json`. The bundle must verify for the same identity or key
 * as the files, its payload must be exactly the statement's bytes, the statement
 * must name at least one of the files the gate checked in its folder, and each
 * one it names must carry the digest the gate found (a statement left over from
 * another build names other bytes, or other files). A subject name is read as a
 * path relative to the statement's folder (`./kubectl` is `kubectl`); one leaving
 * that folder is refused. A statement without its bundle fails: published, it
 * would be an unsigned claim about the release.
 */
import path from 'node:path';
import { readBytesIfExists } from '../core/files.ts';
import { resolveSafe } from '../core/paths.ts';
import type { BundleVerifier } from './bundle-verifier.ts';
import { IN_TOTO_PAYLOAD_TYPE, parseBundle } from './bundles.ts';
import { PROVENANCE_BUNDLE } from './provenance.ts';

interface StatementSubject {
  name?: unknown;
  digest?: { sha256?: unknown };
}

/** The statement's subjects, or why the bytes are not an in-toto statement. */
function subjectsOf(bytes: Buffer): StatementSubject[] {
  let statement: { subject?: unknown };
  try {
    statement = JSON.parse(bytes.toString('utf8')) as { subject?: unknown };
  } catch (err) {
    throw new Error(`is not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(statement?.subject)) throw new Error('is not an in-toto statement (no subject list)');
  return statement.subject as StatementSubject[];
}

/** A subject's name as a path relative to the statement's folder (POSIX); throws for one leaving it. */
function subjectPath(name: string): string {
  const normal = path.posix.normalize(name);
  if (path.posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../'))
    throw new Error(`names ${JSON.stringify(name)}, a path outside its folder`);
  return normal;
}

/** What the gate found for a path relative to the workspace: the SHA-256 it verified, 'failed', or undefined (not checked). */
export type GateResult = (relative: string) => string | 'failed' | undefined;

/**
 * Verifies the statement at `statement` (relative to the workspace, POSIX) against what the gate found for each file
 * it names. Resolves with the number of verified files the statement names; throws an Error whose message says what
 * failed (a statement naming only files that failed their own check is left to those failures).
 */
export async function verifyProvenance(
  workspace: string,
  statement: string,
  verifier: BundleVerifier,
  found: GateResult,
): Promise<number> {
  const folder = path.posix.dirname(statement);
  const bundlePath = folder === '.' ? PROVENANCE_BUNDLE : `${folder}/${PROVENANCE_BUNDLE}`;
  const bytes = readBytesIfExists(await resolveSafe(workspace, statement));
  const bundleBytes = readBytesIfExists(await resolveSafe(workspace, bundlePath));
  if (bytes === undefined) throw new Error('cannot be read');
  if (bundleBytes === undefined) throw new Error(`no ${PROVENANCE_BUNDLE} beside it`);
  let bundle: ReturnType<typeof parseBundle>;
  try {
    bundle = parseBundle(bundleBytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${PROVENANCE_BUNDLE} is not a Sigstore bundle (${(err as Error).message})`);
  }
  verifier.verifyDsse(bundle, bytes, IN_TOTO_PAYLOAD_TYPE);
  let named = 0;
  let namedFailed = 0;
  for (const subject of subjectsOf(bytes)) {
    if (typeof subject.name !== 'string') continue;
    const relative = subjectPath(subject.name);
    const verified = found(folder === '.' ? relative : `${folder}/${relative}`);
    if (verified === 'failed') namedFailed++;
    if (verified === undefined || verified === 'failed') continue;
    const claimed = subject.digest?.sha256;
    if (typeof claimed !== 'string') throw new Error(`names ${subject.name} without its sha256`);
    if (claimed !== verified) throw new Error(`names ${subject.name} with sha256 ${claimed}, but the file has ${verified}`);
    named++;
  }
  if (named === 0 && namedFailed === 0)
    throw new Error('names none of the files verified in its folder (a statement of another build?)');
  return named;
}
