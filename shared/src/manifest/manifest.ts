/**
 * The release manifest: one versioned JSON document every stage shares. It lists
 * the release's subjects (files, images, packages) and what each stage produced
 * for them. Validated on read and on write; written atomically (temp + rename),
 * under a lock so two steps on one runner cannot interleave.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { ReleaseError } from '../core/errors.ts';
import { writeAtomic } from '../core/files.ts';
import { takeLockFile } from '../core/lock-file.ts';
import schema from './manifest.schema.json' with { type: 'json' };

export interface Produced {
  signatures?: string[];
  sboms?: string[];
  published?: string[];
  promoted?: string[];
}

export interface FileSubject {
  path: string;
  size: number;
  sha256: string;
  sha512: string;
  produced?: Produced;
}

export interface ImageSubject {
  reference: string;
  digest: string;
  platforms?: string[];
  produced?: Produced;
}

export interface PackageSubject {
  path: string;
  format: 'deb' | 'rpm';
  name: string;
  version: string;
  architecture: string;
  sha256: string;
  sha512?: string;
  produced?: Produced;
}

/** A GitHub release publish-binaries made (a draft until it is published), recorded by id for a rerun. */
export interface GitHubReleaseRecord {
  /** owner/repo */
  repository: string;
  tag: string;
  id: number;
}

export interface ReleaseManifest {
  schemaVersion: 1;
  version?: string;
  files: FileSubject[];
  images: ImageSubject[];
  packages: PackageSubject[];
  githubReleases?: GitHubReleaseRecord[];
}

export class ManifestError extends ReleaseError {
  override name = 'ManifestError';
  constructor(file: string, problem: string, options: { cause?: unknown } = {}) {
    super('MANIFEST_INVALID', `Release manifest ${file}: ${problem}`, { ...options, userError: true });
  }
}

export function emptyManifest(): ReleaseManifest {
  return { schemaVersion: 1, files: [], images: [], packages: [] };
}

let validator: ValidateFunction | undefined;

/** Validates against the schema. Ajv is loaded and the schema compiled on first use, off every action's cold start. */
export async function validateManifest(value: unknown, file = '<manifest>'): Promise<ReleaseManifest> {
  if (!validator) {
    // ajv is CommonJS: Node and the bundle disagree on what its default export is, but both carry `.Ajv`.
    const { Ajv } = (await import('ajv')).default;
    validator = new Ajv({ allErrors: true }).compile(schema);
  }
  if (!validator(value)) {
    const problems = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new ManifestError(file, `does not match the schema: ${problems.join('; ')}`);
  }
  return value as unknown as ReleaseManifest;
}

/** Reads and validates a manifest; a missing file is an empty manifest. */
export async function readManifest(file: string): Promise<ReleaseManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyManifest();
    throw new ManifestError(file, 'cannot be read', { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(file, 'is not valid JSON', { cause: err });
  }
  return await validateManifest(parsed, file);
}

/** Code-unit order: the same on every machine, whatever its locale. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stable serialisation: subjects sorted, every object's keys sorted, two-space indent, trailing newline. */
export function serializeManifest(manifest: ReleaseManifest): string {
  const sorted: ReleaseManifest = {
    ...manifest,
    files: [...manifest.files].sort((a, b) => byText(a.path, b.path)),
    images: [...manifest.images].sort((a, b) => byText(a.reference, b.reference)),
    packages: [...manifest.packages].sort((a, b) => byText(a.path, b.path)),
    ...(manifest.githubReleases
      ? {
          githubReleases: [...manifest.githubReleases].sort((a, b) => byText(a.repository, b.repository) || byText(a.tag, b.tag)),
        }
      : {}),
  };
  const sortedKeys = (_key: string, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => byText(a, b)))
      : value;
  return `${JSON.stringify(sorted, sortedKeys, 2)}\n`;
}

/**
 * Read–modify–write under a lock file (core/lock-file.ts): `change` receives the
 * current manifest (empty when the file does not exist) and mutates or replaces
 * it; the result is validated and renamed into place.
 */
export async function updateManifest(
  file: string,
  change: (manifest: ReleaseManifest) => ReleaseManifest | undefined,
): Promise<ReleaseManifest> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  // Held by its writer's token and kept fresh: one left by a killed step is broken once stale, not waited on forever.
  const release = await takeLockFile(`${file}.lock`);
  try {
    const current = await readManifest(file);
    const next = await validateManifest(change(current) ?? current, file);
    writeAtomic(file, serializeManifest(next));
    return next;
  } finally {
    await release();
  }
}

/** Adds values to a subject's produced list, without duplicates, keeping them sorted. */
export function recordProduced(subject: { produced?: Produced }, kind: keyof Produced, values: readonly string[]): void {
  const produced = subject.produced ?? {};
  subject.produced = produced;
  produced[kind] = [...new Set([...(produced[kind] ?? []), ...values])].sort();
}
