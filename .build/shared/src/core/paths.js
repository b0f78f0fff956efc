/**
 * Safe path resolution inside a root (the workspace, a source tree): no `..`
 * escape, no absolute path outside, no symlink that resolves outside.
 */
import { glob as fsGlob, lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UnsafePathError } from './errors.js';

function isInside(root, candidate) {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
/** Lexical check: `relative` (or an absolute path) stays within root. Returns the absolute path. */
export function resolveInside(root, relative) {
  const absRoot = path.resolve(root);
  const candidate = path.resolve(absRoot, relative);
  if (!isInside(absRoot, candidate)) throw new UnsafePathError(relative, `it is outside ${absRoot}`);
  return candidate;
}
/** Lexical and physical check: symlinks along the way must resolve inside root too. */
export async function resolveSafe(root, relative) {
  const candidate = resolveInside(root, relative);
  const realRoot = await realpath(path.resolve(root));
  let real;
  try {
    real = await realpath(candidate);
  } catch (err) {
    if (err.code === 'ENOENT') return candidate;
    throw err;
  }
  if (!isInside(realRoot, real))
    throw new UnsafePathError(relative, `it resolves through a symlink to ${real}, outside ${realRoot}`);
  return candidate;
}
/** A relative path as stored in manifests and URLs: forward slashes, no leading ./ */
export function toPosix(relative) {
  return relative.split(path.sep).join('/').replace(/^\.\//, '');
}
/** Matches a glob against a relative path; patterns without '/' match the basename (as .gitignore does). */
export function matchesAny(relative, patterns) {
  const base = path.posix.basename(relative);
  return patterns.some((p) => path.matchesGlob(p.includes('/') ? relative : base, p));
}
/**
 * Expands globs relative to root into a sorted list of regular files (relative,
 * POSIX). Every pattern must match; every match is checked with resolveSafe.
 */
export async function expandGlobs(root, patterns, options = {}) {
  const { exclude = [], input = 'files', requireMatch = true } = options;
  const found = new Set();
  for (const pattern of patterns) {
    if (path.isAbsolute(pattern) || pattern.split('/').includes('..')) {
      resolveInside(root, pattern);
    }
    let matched = 0;
    for await (const entry of fsGlob(pattern, { cwd: root })) {
      const relative = toPosix(entry);
      const absolute = await resolveSafe(root, relative);
      const link = await lstat(absolute);
      // resolveSafe has checked a link's target is inside root; directories (and links to them) are skipped.
      if (link.isDirectory() || (link.isSymbolicLink() && (await stat(absolute)).isDirectory())) continue;
      matched++;
      if (!matchesAny(relative, exclude)) found.add(relative);
    }
    if (matched === 0 && requireMatch)
      throw new InputError(input, `pattern ${JSON.stringify(pattern)} matches no file in ${root}`);
  }
  return [...found].sort();
}
/** Lists every regular file below root (relative, POSIX, sorted), refusing symlinks that leave it. */
export async function listTree(root) {
  return expandGlobs(root, ['**/*'], { requireMatch: false });
}
