/**
 * Safe path resolution inside a root (the workspace, a source tree): no `..`
 * escape, no absolute path outside, no symlink that resolves outside.
 */
import { type Dirent, readlinkSync, realpathSync } from 'node:fs';
import { glob as fsGlob, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UnsafePathError } from './errors.ts';
import { mapPool } from './pool.ts';

/** `candidate` is `root` or below it (both absolute). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** Lexical check: `relative` (or an absolute path) stays within root. Returns the absolute path. */
export function resolveInside(root: string, relative: string): string {
  const absRoot = path.resolve(root);
  const candidate = path.resolve(absRoot, relative);
  if (!isInside(absRoot, candidate)) throw new UnsafePathError(relative, `it is outside ${absRoot}`);
  return candidate;
}

/**
 * Where a path leads on disk: its real path; for a path that does not exist yet, where creating it would land — a
 * dangling link's target, else its nearest existing folder's real path with the rest of the names.
 */
export function realPathOf(candidate: string): string {
  try {
    return realpathSync(candidate);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let link: string | undefined;
    try {
      link = readlinkSync(candidate);
    } catch {
      // Not a link: the name itself does not exist yet.
    }
    if (link !== undefined) return realPathOf(path.resolve(path.dirname(candidate), link));
    return path.join(realPathOf(path.dirname(candidate)), path.basename(candidate));
  }
}

/**
 * Lexical and physical check: symlinks along the way must resolve inside root too, for a path that does not exist
 * yet as well (a folder of it, or a dangling link, leading outside would take the write there); the root itself may
 * not exist yet either (a layout about to be written).
 */
export function resolveSafeSync(root: string, relative: string): string {
  const candidate = resolveInside(root, relative);
  const realRoot = realPathOf(path.resolve(root));
  const real = realPathOf(candidate);
  if (!isInside(realRoot, real))
    throw new UnsafePathError(relative, `it resolves through a symlink to ${real}, outside ${realRoot}`);
  return candidate;
}

/** resolveSafeSync for asynchronous callers. */
export async function resolveSafe(root: string, relative: string): Promise<string> {
  return resolveSafeSync(root, relative);
}

/** A relative path as stored in manifests and URLs: forward slashes, no leading ./ */
export function toPosix(relative: string): string {
  return relative.split(path.sep).join('/').replace(/^\.\//, '');
}

/** Matches a glob against a relative path; patterns without '/' match the basename (as .gitignore does). */
export function matchesAny(relative: string, patterns: readonly string[]): boolean {
  const base = path.posix.basename(relative);
  return patterns.some((p) => path.matchesGlob(p.includes('/') ? relative : base, p));
}

/**
 * A FIFO, socket or device among the files to release: the read that hashes it would block or never end, and leaving
 * it out would release the files without it, unsaid.
 */
function notRegularFile(relative: string, link: boolean): UnsafePathError {
  const what = link ? 'it links to' : 'it is';
  return new UnsafePathError(
    relative,
    `${what} a FIFO, socket or device, not a regular file: remove it from the files to release`,
  );
}

export interface ExpandOptions {
  exclude?: readonly string[];
  /** The input the patterns came from, for error messages. */
  input?: string;
  /** Fail when one pattern matches nothing (default true). */
  requireMatch?: boolean;
}

/**
 * Expands globs relative to root into a sorted list of regular files (relative,
 * POSIX). Every pattern must match; a FIFO, socket or device matched and not excluded is refused (notRegularFile);
 * every match is checked as resolveSafe checks it, with one realpath per folder
 * rather than per file: a regular file's real path is its folder's real path and its name, so only folders and
 * symlinks are resolved (a release tree is hundreds of files in a few dozen folders).
 */
export async function expandGlobs(root: string, patterns: readonly string[], options: ExpandOptions = {}): Promise<string[]> {
  // Stryker disable next-line ArrayDeclaration: a default exclude of one odd name excludes nothing a test could name.
  const { exclude = [], input = 'files', requireMatch = true } = options;
  const absRoot = path.resolve(root);
  // Resolved at the first match, once: a root that does not exist still fails as a pattern that matches nothing.
  let realRoot: Promise<string> | undefined;
  const realFolders = new Map<string, Promise<string>>();
  // A FIFO, socket or device matched is refused, unless the excludes leave it out anyway.
  const special = (relative: string, link: boolean): false => {
    if (matchesAny(relative, exclude)) return false;
    throw notRegularFile(relative, link);
  };
  /** Whether the entry is a regular file (or a link to one) whose real path stays inside the root. */
  const isSafeFile = async (entry: Dirent, relative: string): Promise<boolean> => {
    // A folder is not a file: what is below it is checked on its own.
    if (entry.isDirectory()) return false;
    if (!entry.isFile() && !entry.isSymbolicLink()) return special(relative, false);
    realRoot ??= realpath(absRoot);
    const folder = path.resolve(absRoot, entry.parentPath);
    if (!realFolders.has(folder)) realFolders.set(folder, realpath(folder));
    const real = path.join(await (realFolders.get(folder) as Promise<string>), entry.name);
    if (!isInside(await realRoot, real))
      throw new UnsafePathError(relative, `it resolves through a symlink to ${real}, outside ${await realRoot}`);
    if (entry.isFile()) return true;
    const target = await stat(await resolveSafe(absRoot, relative));
    return target.isFile() || (!target.isDirectory() && special(relative, true));
  };
  const found = new Set<string>();
  for (const pattern of patterns) {
    // Lexically: a pattern that leaves the root is refused even when it matches nothing.
    resolveInside(root, pattern);
    const entries: { entry: Dirent; relative: string }[] = [];
    for await (const entry of fsGlob(pattern, { cwd: absRoot, withFileTypes: true })) {
      const relative = toPosix(path.relative(absRoot, path.join(entry.parentPath, entry.name)));
      entries.push({ entry, relative });
    }
    const files = (
      await mapPool(entries, 32, async (e) => ((await isSafeFile(e.entry, e.relative)) ? e.relative : undefined))
    ).filter((f) => f !== undefined);
    if (files.length === 0 && requireMatch) {
      const folder = await stat(path.resolve(root, pattern)).then(
        (s) => s.isDirectory(),
        // Stryker disable next-line ArrowFunction: undefined is as false to the if below
        () => false,
      );
      if (folder)
        throw new InputError(
          input,
          `${JSON.stringify(pattern)} is a folder; use ${JSON.stringify(`${pattern.replace(/\/+$/, '')}/**`)} for the files in it`,
        );
      throw new InputError(input, `pattern ${JSON.stringify(pattern)} matches no file in ${root}`);
    }
    for (const f of files) if (!matchesAny(f, exclude)) found.add(f);
  }
  return [...found].sort();
}

/**
 * Lists every regular file below root (relative, POSIX, sorted), refusing symlinks that leave it and FIFOs, sockets
 * and devices (notRegularFile); links to directories and hidden names (a leading '.', which the globs of expandGlobs
 * do not match either, so a signature gate over '**' and a publish see the same files) are skipped. One readdir per
 * directory: a regular file below the root's real path is inside it and costs no syscall of its own, only a symlink
 * is resolved (a release tree is hundreds of small files).
 */
export async function listTree(root: string, onHidden: (relative: string) => void = () => {}): Promise<string[]> {
  const realRoot = await realpath(path.resolve(root));
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(realRoot, relative), { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
        if (entry.name.startsWith('.')) return onHidden(child);
        if (entry.isDirectory()) return walk(child);
        if (entry.isFile()) return found.push(child);
        if (!entry.isSymbolicLink()) throw notRegularFile(child, false);
        const target = await stat(await resolveSafe(realRoot, child));
        if (target.isFile()) found.push(child);
        else if (!target.isDirectory()) throw notRegularFile(child, true);
      }),
    );
  };
  await walk('');
  return found.sort();
}
