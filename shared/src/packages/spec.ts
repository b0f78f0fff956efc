/** A package as the writers take it: the config resolved for one format and architecture, with file contents read. */

export type ContentType = 'file' | 'config' | 'config|noreplace' | 'dir' | 'symlink' | 'ghost';
export type Format = 'deb' | 'rpm';
export type Compression = 'gzip' | 'zstd' | 'none';
export const SCRIPT_NAMES = ['preinstall', 'postinstall', 'preremove', 'postremove'] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export interface PackageFile {
  /** Absolute path on the target system, normalised (no trailing '/'). */
  dst: string;
  type: ContentType;
  /** Permission bits only (e.g. 0o755). */
  mode: number;
  owner: string;
  group: string;
  /** Seconds since the epoch. */
  mtime: number;
  data?: Buffer;
  linkTarget?: string;
}

export interface PackageSpec {
  name: string;
  /** The format's own version string parts (already mapped). */
  version: string;
  release: string;
  epoch: string;
  /** The format's architecture name (amd64 / x86_64 ...). */
  arch: string;
  maintainer: string;
  description: string;
  vendor: string;
  homepage: string;
  license: string;
  section: string;
  priority: string;
  depends: string[];
  recommends: string[];
  suggests: string[];
  conflicts: string[];
  replaces: string[];
  provides: string[];
  files: PackageFile[];
  scripts: Partial<Record<ScriptName, string>>;
  /** Build time (SOURCE_DATE_EPOCH), seconds. */
  mtime: number;
  deb: { fields: Record<string, string>; compression: Compression };
  rpm: { summary: string; group: string; packager: string; compression: Compression };
}

/** The parents of an absolute path, outermost first, without '/': /a/b/c → [/a, /a/b]. */
export function parentDirs(dst: string): string[] {
  const parts = dst.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

export function isRegular(file: PackageFile): boolean {
  return file.type === 'file' || file.type === 'config' || file.type === 'config|noreplace';
}

export function isConfig(file: PackageFile): boolean {
  return file.type === 'config' || file.type === 'config|noreplace';
}
