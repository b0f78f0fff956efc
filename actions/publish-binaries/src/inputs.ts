/**
 * The only reader of publish-binaries' inputs (and of the runner's workspace,
 * GITHUB_API_URL and GITHUB_SHA). Credentials are read — and masked — first; then every value is
 * validated before anything is read from a store or written.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeError, InputError } from '../../../shared/src/core/errors.ts';
import { type InputReader, workspaceDir } from '../../../shared/src/core/inputs.ts';
import { isInside, realPathOf } from '../../../shared/src/core/paths.ts';
import { ManifestError, readManifest } from '../../../shared/src/manifest/manifest.ts';
import { checkVersionLength, parseVersion } from '../../../shared/src/markers/version.ts';
import { contentTypeFor } from '../../../shared/src/publish/content-type.ts';
import { INDEX_FILE, keyFor, type Layout, parseLayout } from '../../../shared/src/publish/layout.ts';
import type { PublishOptions, SignatureGate } from '../../../shared/src/publish/publish.ts';
import type { RecordedFiles } from '../../../shared/src/publish/record-manifest.ts';
import { IMMUTABLE_CACHE_CONTROL } from '../../../shared/src/publish/upload.ts';
import {
  parsePublicKeyInput,
  readIdentityPolicy,
  readPemInput,
  readTrustedRootInput,
} from '../../../shared/src/sign/trust-inputs.ts';
import { type ParsedDestination, parseDestination, type StorageOptions } from '../../../shared/src/storage/destination.ts';
import { readStorageInputs } from '../../../shared/src/storage/storage-inputs.ts';

export const INPUT = {
  sourceDir: 'source-dir',
  version: 'version',
  destinations: 'destinations',
  assets: 'assets',
  layout: 'layout',
  checksums: 'checksums',
  cacheControl: 'cache-control',
  contentType: 'content-type',
  concurrency: 'concurrency',
  partSize: 'part-size',
  dryRun: 'dry-run',
  verifySignatures: 'verify-signatures',
  publicKey: 'public-key',
  certificateIdentity: 'certificate-identity',
  certificateIdentityRegexp: 'certificate-identity-regexp',
  certificateOidcIssuer: 'certificate-oidc-issuer',
  certificateSourceRepository: 'certificate-source-repository',
  trustedRoot: 'trusted-root',
  signatureExclude: 'signature-exclude',
  manifest: 'manifest',
  githubApiUrl: 'github-api-url',
  githubWriteInterval: 'github-write-interval-ms',
} as const;

export interface PublishBinariesInputs {
  /** Everything but the stores and the hasher, which the entry makes from `destinations`, `storage` and `layout`. */
  options: Omit<PublishOptions, 'destinations' | 'hasher'>;
  destinations: ParsedDestination[];
  storage: StorageOptions;
  layout: Layout;
  /** Globs limiting what github-release destinations publish; empty for everything. */
  assets: string[];
  workspace: string;
  manifest: string | undefined;
}

const MIN_PART = 5 * 1024 * 1024;
const MAX_PART = 5 * 1024 * 1024 * 1024;
const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GIB: 1024 ** 3,
};

/** A size such as 64MiB, 8M or 16777216 (bytes). */
export function parseSize(input: string, raw: string): number {
  const m = /^(\d+)\s*([A-Za-z]*)$/.exec(raw.trim());
  const unit = UNITS[(m?.[2] ?? '').toUpperCase()];
  if (!m || unit === undefined) throw new InputError(input, `expected a size such as 64MiB, got ${JSON.stringify(raw)}`);
  return Number(m[1]) * unit;
}

/** The tree to publish: a folder inside the workspace, as documented (and as sign-artifacts confines its files). */
function readSourceDir(inputs: InputReader, workspace: string): string {
  inputs.required(INPUT.sourceDir);
  const dir = inputs.workspacePath(INPUT.sourceDir, workspace) as string;
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    throw new InputError(INPUT.sourceDir, `${dir} does not exist`);
  }
  if (!isInside(realpathSync(workspace), real))
    throw new InputError(INPUT.sourceDir, `${dir} resolves through a symlink to ${real}, outside the workspace`);
  if (!statSync(real).isDirectory()) throw new InputError(INPUT.sourceDir, `${dir} is not a directory`);
  return dir;
}

function readContentType(inputs: InputReader): (p: string) => string {
  const raw = inputs.optional(INPUT.contentType) ?? 'auto';
  if (raw === 'auto') return contentTypeFor;
  if (!/^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=[\w.+-]+)*$/.test(raw))
    throw new InputError(
      INPUT.contentType,
      `expected auto or a content type such as application/octet-stream, got ${JSON.stringify(raw)}`,
    );
  return () => raw;
}

function readApiUrl(inputs: InputReader, env: NodeJS.ProcessEnv): string {
  const url = inputs.optional(INPUT.githubApiUrl) ?? (env.GITHUB_API_URL || 'https://api.github.com');
  if (!/^https?:\/\/[^\s?#@]+$/.test(url))
    throw new InputError(INPUT.githubApiUrl, `expected an http(s) URL, got ${JSON.stringify(url)}`);
  return url;
}

function readDestinations(inputs: InputReader): ParsedDestination[] {
  const urls = inputs.list(INPUT.destinations, { commas: false });
  if (urls.length === 0) throw new InputError(INPUT.destinations, 'is required: one destination URL per line');
  return urls.map((url) => parseDestination(url, INPUT.destinations));
}

/**
 * A folder destination whose release folder overlaps source-dir (either inside the other) would put the first run's
 * output into the tree a rerun publishes: that rerun would fail as a changed release.
 */
function checkFolderDestinations(destinations: readonly ParsedDestination[], sourceDir: string, layout: Layout, version: string) {
  const source = realpathSync(sourceDir);
  const releaseFolder = path.posix.dirname(keyFor(layout, version, INDEX_FILE));
  for (const d of destinations) {
    if (d.scheme !== 'file') continue;
    let real: string;
    try {
      real = realPathOf(d.path);
    } catch {
      // A folder that cannot be made (below a file, a name too long, a link loop): the store's own check names it.
      continue;
    }
    const release = path.join(real, releaseFolder);
    if (isInside(source, release) || isInside(release, source))
      throw new InputError(
        INPUT.destinations,
        `${d.url} would write the release to ${release}, which overlaps ${INPUT.sourceDir} (${source}): a rerun would find this run's output in the tree. Publish to a folder outside ${INPUT.sourceDir}`,
      );
  }
}

/** The release manifest, read now: one that cannot be used fails the step before anything is written. */
async function readManifestInput(
  inputs: InputReader,
  workspace: string,
): Promise<{ file: string; recorded: RecordedFiles } | undefined> {
  const file = inputs.workspacePath(INPUT.manifest, workspace);
  if (file === undefined) return undefined;
  try {
    return { file, recorded: { files: (await readManifest(file)).files, workspace } };
  } catch (err) {
    if (err instanceof ManifestError) throw new InputError(INPUT.manifest, describeError(err), { cause: err });
    throw err;
  }
}

/** verify-signatures: the identity (keyless) or key the tree's signatures must verify for. */
async function readSignatureGate(
  inputs: InputReader,
  sourceDir: string,
  workspace: string,
  concurrency: number,
): Promise<SignatureGate> {
  const sign = await import('../../../shared/src/sign/verify.ts');
  const publicKey = parsePublicKeyInput(readPemInput(inputs, INPUT.publicKey, workspace), sign);
  const { identity, issuer, sourceRepository } = readIdentityPolicy(inputs);
  if (!publicKey && (identity === undefined || issuer === undefined))
    throw new InputError(
      identity === undefined ? INPUT.certificateIdentity : INPUT.certificateOidcIssuer,
      `verify-signatures needs ${INPUT.certificateIdentity} and ${INPUT.certificateOidcIssuer} (keyless) or ${INPUT.publicKey}`,
    );
  const trustedRoot = readTrustedRootInput(inputs, workspace, sign) ?? (publicKey ? undefined : sign.publicGoodTrustedRoot());
  const exclude = inputs.list(INPUT.signatureExclude, { commas: false });
  return {
    workspace: sourceDir,
    files: ['**/*'],
    ...(exclude.length > 0 ? { exclude } : {}),
    trust: sign.trustPolicy({ publicKey, trustedRoot, tlog: !publicKey, identity, issuer, sourceRepository }),
    concurrency,
  };
}

/** Every input, validated; the stores are made by the entry (publish/setup.ts). */
export async function readInputs(inputs: InputReader, env: NodeJS.ProcessEnv = process.env): Promise<PublishBinariesInputs> {
  const workspace = workspaceDir(env);
  // Credentials first: masked before any message can carry them.
  const credentials = readStorageInputs(inputs);
  const rawVersion = inputs.required(INPUT.version);
  checkVersionLength(INPUT.version, rawVersion);
  const version = parseVersion(rawVersion, { requireV: true });
  if (!version)
    throw new InputError(
      INPUT.version,
      `expected vMAJOR.MINOR.PATCH[-pre][+build] such as v1.31.2, got ${JSON.stringify(rawVersion)}`,
    );
  const sourceDir = readSourceDir(inputs, workspace);
  const layout = parseLayout(inputs.raw(INPUT.layout), INPUT.layout);
  const concurrency = inputs.integer(INPUT.concurrency, 8, { min: 1, max: 64 });
  const partSize = parseSize(INPUT.partSize, inputs.optional(INPUT.partSize) ?? '64MiB');
  if (partSize < MIN_PART) throw new InputError(INPUT.partSize, 'must be at least 5MiB (the S3 minimum part size)');
  if (partSize > MAX_PART)
    throw new InputError(
      INPUT.partSize,
      'must be at most 5GiB (the largest S3 part, and the largest object one PutObject sends)',
    );
  const storage: StorageOptions = {
    ...credentials,
    partSize,
    githubTag: version.text,
    githubApiUrl: readApiUrl(inputs, env),
    githubCommit: /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(env.GITHUB_SHA ?? '') ? env.GITHUB_SHA : undefined,
    githubWriteIntervalMs: inputs.integer(INPUT.githubWriteInterval, 1000, { min: 0, max: 60_000 }),
  };
  const destinations = readDestinations(inputs);
  checkFolderDestinations(destinations, sourceDir, layout, version.text);
  const cacheControl = inputs.optional(INPUT.cacheControl) ?? IMMUTABLE_CACHE_CONTROL;
  if (/[\r\n]/.test(cacheControl)) throw new InputError(INPUT.cacheControl, 'must be one line');
  const manifest = await readManifestInput(inputs, workspace);
  const options: PublishBinariesInputs['options'] = {
    sourceDir,
    version: version.text,
    checksums: inputs.boolean(INPUT.checksums, true),
    cacheControl,
    contentTypeOf: readContentType(inputs),
    concurrency,
    dryRun: inputs.boolean(INPUT.dryRun, false),
    signatures: inputs.boolean(INPUT.verifySignatures, false)
      ? await readSignatureGate(inputs, sourceDir, workspace, concurrency)
      : undefined,
    ...(manifest ? { manifest: manifest.recorded } : {}),
  };
  const assets = inputs.list(INPUT.assets);
  return { options, destinations, storage, layout, assets, workspace, manifest: manifest?.file };
}
