/**
 * Image references: `registry/repo[:tag][@sha256:…]` (Docker's normalisation: no registry means docker.io, a
 * one-part Docker Hub name means library/<name>) and OCI image layout folders, `oci:<path>[:tag][@sha256:…]`.
 */
import { ReleaseError } from '../core/errors.ts';

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
export const TAG_PATTERN = /^\w[\w.-]{0,127}$/;
export const REPOSITORY_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export interface RegistryReference {
  kind: 'registry';
  /** host[:port] as written (docker.io for Docker Hub). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface LayoutReference {
  kind: 'layout';
  /** The layout folder, as written after `oci:`. */
  path: string;
  tag?: string;
  digest?: string;
}

export type ImageReference = RegistryReference | LayoutReference;

export class InvalidReferenceError extends ReleaseError {
  override name = 'InvalidReferenceError';
  constructor(reference: string, problem: string) {
    super('INPUT_INVALID', `${JSON.stringify(reference)} is not an image reference: ${problem}`, { userError: true });
  }
}

function splitDigest(text: string, original: string): [string, string | undefined] {
  const at = text.lastIndexOf('@');
  if (at < 0) return [text, undefined];
  const digest = text.slice(at + 1);
  if (!DIGEST_PATTERN.test(digest)) throw new InvalidReferenceError(original, `the digest must match ${DIGEST_PATTERN.source}`);
  return [text.slice(0, at), digest];
}

/** A trailing `:tag` after the last `/`. */
function splitTag(text: string, original: string): [string, string | undefined] {
  const colon = text.lastIndexOf(':');
  // Stryker disable next-line EqualityOperator: ':' and '/' are never at one index
  if (colon < 0 || colon < text.lastIndexOf('/')) return [text, undefined];
  const tag = text.slice(colon + 1);
  if (!TAG_PATTERN.test(tag)) throw new InvalidReferenceError(original, `the tag must match ${TAG_PATTERN.source}`);
  return [text.slice(0, colon), tag];
}

function isRegistryHost(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost';
}

export function parseReference(reference: string): ImageReference {
  const text = reference.trim();
  if (text.startsWith('oci:')) {
    const [rest, digest] = splitDigest(text.slice(4), reference);
    const [path, tag] = splitTag(rest, reference);
    if (path === '') throw new InvalidReferenceError(reference, 'oci: needs a folder');
    return { kind: 'layout', path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
  }
  const [rest, digest] = splitDigest(text, reference);
  const [name, tag] = splitTag(rest, reference);
  const slash = name.indexOf('/');
  const first = name.slice(0, Math.max(slash, 0));
  let registry = 'docker.io';
  let repository = name;
  if (first && isRegistryHost(first)) {
    registry = first;
    repository = name.slice(slash + 1);
  }
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  if (!REPOSITORY_PATTERN.test(repository))
    throw new InvalidReferenceError(reference, 'the repository must be lower-case path components (a-z, 0-9, separators . _ -)');
  return { kind: 'registry', registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The repository part of a reference, as written back: `host/repo` or `oci:path`. */
export function repositoryName(ref: ImageReference): string {
  return ref.kind === 'layout' ? `oci:${ref.path}` : `${ref.registry}/${ref.repository}`;
}

export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** A repository reference with a tag or a digest. */
export function withReference<T extends ImageReference>(ref: T, at: { tag?: string; digest?: string }): T {
  const { tag: _t, digest: _d, ...bare } = ref;
  return { ...bare, ...at } as T;
}
