/** The only reader of update-markers' inputs: validates everything before anything is read or written. */
import { InputError } from '../../../shared/src/core/errors.ts';
import { type InputReader, workspaceDir } from '../../../shared/src/core/inputs.ts';
import { sourceDate } from '../../../shared/src/core/time.ts';
import type { PurgeTarget } from '../../../shared/src/markers/cdn-purge.ts';
import { BUILD_TYPES, type BuildType, defaultRoot, standardMarkerType } from '../../../shared/src/markers/names.ts';
import type { ReadBackOptions } from '../../../shared/src/markers/read-back.ts';
import { CONCURRENCY_GUARDS, type ConcurrencyGuard } from '../../../shared/src/markers/update-markers.ts';
import { checkVersionLength, parseVersion, type Version } from '../../../shared/src/markers/version.ts';
import { type ParsedDestination, parseDestination, type StorageOptions } from '../../../shared/src/storage/destination.ts';
import { joinKey } from '../../../shared/src/storage/storage.ts';
import { readStorageInputs } from '../../../shared/src/storage/storage-inputs.ts';

export const INPUT = {
  version: 'version',
  buildType: 'build-type',
  destination: 'destination',
  root: 'root',
  fast: 'fast',
  extraMarkers: 'extra-markers',
  allowDowngrade: 'allow-downgrade',
  requireIndex: 'require-index',
  cdnPurgeUrl: 'cdn-purge-url',
  cdnPurgeToken: 'cdn-purge-token',
  readBackUrl: 'read-back-url',
  readBackInterval: 'read-back-interval',
  readBackTimeout: 'read-back-timeout',
  dryRun: 'dry-run',
  manifest: 'manifest',
  concurrencyGuard: 'concurrency-guard',
} as const;

export const OUTPUT = { updated: 'updated', skipped: 'skipped', markersIndex: 'markers-index' } as const;

export interface UpdateMarkersInputs {
  versions: Version[];
  destination: ParsedDestination;
  storage: StorageOptions;
  buildType: BuildType;
  root: string;
  fast: boolean;
  extraMarkers: string[];
  allowDowngrade: boolean;
  requireIndex: boolean;
  purge: PurgeTarget | undefined;
  readBack: ReadBackOptions | undefined;
  dryRun: boolean;
  manifest: string | undefined;
  concurrencyGuard: ConcurrencyGuard;
  /** The time markers.json records for a marker written: SOURCE_DATE_EPOCH when set, else (undefined) the write's. */
  now: (() => Date) | undefined;
}

export function parseVersions(raw: readonly string[]): Version[] {
  if (raw.length === 0) throw new InputError(INPUT.version, 'is required: one or more versions such as v1.31.2');
  return raw.map((text) => {
    checkVersionLength(INPUT.version, text);
    const version = parseVersion(text, { requireV: true });
    if (!version)
      throw new InputError(INPUT.version, `${JSON.stringify(text)} is not a version vMAJOR.MINOR.PATCH[-pre][+build]`);
    return version;
  });
}

/**
 * What a release build's version may be: final, or a pre-release that says it is one — alpha, beta or rc anywhere
 * in it, as Kubernetes tells stable from latest (`v1.32.0-rc.0`, a subproject's `v0.3.0-beta2`). Another
 * pre-release (`v1.31.3-1`, `v1.32.0-dev`) would be read as stable, and a CI build's (`v1.33.0-alpha.0.5+sha`,
 * a pre-release with a commit counter) belongs to build-type ci.
 */
export function checkReleaseVersions(versions: readonly Version[]): void {
  for (const version of versions) {
    if (version.pre.length === 0) continue;
    const [kind, number, commits] = version.pre;
    const ciBuild =
      version.pre.length === 3 && typeof kind === 'string' && typeof number === 'number' && typeof commits === 'number';
    if (ciBuild || !/alpha|beta|rc/.test(version.pre.join('.')))
      throw new InputError(
        INPUT.version,
        `${version.text} is not a release version (final, or a pre-release naming alpha, beta or rc, such as -rc.0); a CI build's needs build-type: ci`,
      );
  }
}

/** A marker name: letters, digits, '.', '_', '-'; no '/' or '..'; a trailing `.txt` is accepted and dropped. */
export function parseMarkerName(raw: string): string {
  const name = raw.endsWith('.txt') ? raw.slice(0, -'.txt'.length) : raw;
  if (name.includes('/') || name.includes('\\'))
    throw new InputError(INPUT.extraMarkers, `${JSON.stringify(raw)} must not contain '/'`);
  if (name.includes('..')) throw new InputError(INPUT.extraMarkers, `${JSON.stringify(raw)} must not contain '..'`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new InputError(INPUT.extraMarkers, `${JSON.stringify(raw)} is not a marker name (letters, digits, '.', '_', '-')`);
  }
  // An extra marker moves unconditionally with this version: one named like a standard marker would move it past
  // the rules (latest on a stable release, stable-1.30 to a 1.31 version), and the newer-wins rule then keeps it.
  if (standardMarkerType(name))
    throw new InputError(
      INPUT.extraMarkers,
      `${JSON.stringify(raw)} is a standard marker name; they move by the version's own rules`,
    );
  return name;
}

/** A folder under the destination: relative, no '..' segments. */
export function parseRoot(raw: string): string {
  const root = joinKey(raw);
  if (root === '' || raw.startsWith('/') || raw.includes('\\') || root.split('/').some((s) => s === '..' || s === '.')) {
    throw new InputError(INPUT.root, `${JSON.stringify(raw)} must be a relative folder such as release or ci (no '..')`);
  }
  return root;
}

/** Markers live in an object store or a folder: s3://, gs://, azblob:// or file:// (not GitHub Releases). */
export function parseMarkerDestination(raw: string): ParsedDestination {
  const destination = parseDestination(raw, INPUT.destination);
  if (destination.scheme === 'github-release') {
    throw new InputError(INPUT.destination, 'markers need an object store or a folder: s3://, gs://, azblob:// or file://');
  }
  return destination;
}

/**
 * An http(s) URL without credentials (fetch refuses them, quoting the URL in its error) — and, for a base that
 * marker keys are appended to, without a query or fragment.
 */
function parseHttpUrl(input: string, raw: string, { base = false }: { base?: boolean } = {}): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(input, 'is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new InputError(input, `must be an http(s) URL, got ${url.protocol}`);
  if (url.username || url.password) throw new InputError(input, 'must not hold credentials (user:password@)');
  if (base && (url.search || url.hash))
    throw new InputError(input, 'must not have a query or fragment: marker keys are appended to it');
  return raw;
}

function readPurge(inputs: InputReader): PurgeTarget | undefined {
  const token = inputs.secret(INPUT.cdnPurgeToken);
  const url = inputs.optional(INPUT.cdnPurgeUrl);
  if (url === undefined) {
    if (token !== undefined) throw new InputError(INPUT.cdnPurgeUrl, `is required when ${INPUT.cdnPurgeToken} is set`);
    return undefined;
  }
  if (token === undefined) throw new InputError(INPUT.cdnPurgeToken, `is required when ${INPUT.cdnPurgeUrl} is set`);
  return { url: parseHttpUrl(INPUT.cdnPurgeUrl, url), token };
}

function readReadBack(inputs: InputReader): ReadBackOptions | undefined {
  const intervalMs = inputs.duration(INPUT.readBackInterval, 20_000, { min: 1000 });
  const timeoutMs = inputs.duration(INPUT.readBackTimeout, 180_000, { min: 1000 });
  if (intervalMs <= 0) throw new InputError(INPUT.readBackInterval, 'must be longer than 0s');
  const url = inputs.optional(INPUT.readBackUrl);
  return url === undefined ? undefined : { url: parseHttpUrl(INPUT.readBackUrl, url, { base: true }), intervalMs, timeoutMs };
}

/** SOURCE_DATE_EPOCH, checked now: a reproducible run records that time, not the wall clock's. */
function readClock(env: NodeJS.ProcessEnv): (() => Date) | undefined {
  if (!env.SOURCE_DATE_EPOCH?.trim()) return undefined;
  const date = sourceDate(env);
  return () => date;
}

export function readInputs(inputs: InputReader, env: NodeJS.ProcessEnv = process.env): UpdateMarkersInputs {
  const versions = parseVersions(inputs.list(INPUT.version));
  const buildType = inputs.enum(INPUT.buildType, BUILD_TYPES, 'release');
  if (buildType === 'release') checkReleaseVersions(versions);
  const rootInput = inputs.optional(INPUT.root);
  return {
    versions,
    destination: parseMarkerDestination(inputs.required(INPUT.destination)),
    storage: readStorageInputs(inputs),
    buildType,
    root: rootInput === undefined ? defaultRoot(buildType) : parseRoot(rootInput),
    fast: inputs.boolean(INPUT.fast, false),
    extraMarkers: inputs.list(INPUT.extraMarkers).map(parseMarkerName),
    allowDowngrade: inputs.boolean(INPUT.allowDowngrade, false),
    requireIndex: inputs.boolean(INPUT.requireIndex, true),
    purge: readPurge(inputs),
    readBack: readReadBack(inputs),
    dryRun: inputs.boolean(INPUT.dryRun, false),
    manifest: inputs.workspacePath(INPUT.manifest, workspaceDir(env)),
    concurrencyGuard: inputs.enum(INPUT.concurrencyGuard, CONCURRENCY_GUARDS, 'compare-and-swap'),
    now: readClock(env),
  };
}
