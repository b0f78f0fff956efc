/**
 * Reading what a planned package holds: every src resolved inside source-dir (core/paths.ts: no '..', no symlink
 * out), each file read once however many packages take it. A problem names the config entry.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { expandGlobs, resolveSafe } from '../core/paths.ts';
import type { PackagesConfig } from './config.ts';
import { dstProblem } from './fields.ts';
import type { PlannedContent, PlannedPackage } from './plan.ts';
import type { PackageFile, PackageSpec, ScriptName } from './spec.ts';

export type SourceReader = (src: string) => Promise<{ data: Buffer; mode: number }>;

/** A reader over source-dir that reads each file once; errors are thrown as they are (the caller locates them). */
export function sourceReader(sourceDir: string): SourceReader {
  const cache = new Map<string, Promise<{ data: Buffer; mode: number }>>();
  return (src) => {
    let read = cache.get(src);
    if (!read) {
      read = (async () => {
        const file = await resolveSafe(sourceDir, src);
        const info = await stat(file);
        if (!info.isFile()) throw new Error('is not a regular file');
        return { data: await readFile(file), mode: info.mode & 0o7777 };
      })();
      cache.set(src, read);
    }
    return read;
  };
}

function describe(err: unknown, src: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${JSON.stringify(src)} does not exist in source-dir`;
  return (err as Error).message;
}

async function readContent(
  config: PackagesConfig,
  planned: PlannedPackage,
  c: PlannedContent,
  read: SourceReader,
): Promise<PackageFile> {
  const base = { dst: c.dst, type: c.type, owner: c.owner, group: c.group, mtime: c.mtime };
  if (c.type === 'dir') return { ...base, mode: c.mode ?? 0o755 };
  if (c.type === 'symlink') return { ...base, mode: 0o777, linkTarget: c.src };
  if (c.type === 'ghost') return { ...base, mode: c.mode ?? 0o644 };
  const src = c.src as string;
  try {
    const { data, mode } = await read(src);
    return { ...base, mode: c.mode ?? mode, data };
  } catch (err) {
    throw config.error(planned.index, [...c.at, 'src'], describe(err, src), err);
  }
}

const GLOB = /[*?[{]/;

/**
 * A file whose src is a glob (as nfpm reads one) becomes every file it matches in source-dir, each at dst joined
 * with its path below the glob's fixed folder: `src: completions/*` and `dst: /usr/share/bash-completion/` put
 * `completions/kubectl` at `/usr/share/bash-completion/kubectl`.
 */
async function expandContent(
  config: PackagesConfig,
  planned: PlannedPackage,
  c: PlannedContent,
  sourceDir: string,
): Promise<PlannedContent[]> {
  if (c.src === undefined || c.type === 'symlink' || c.type === 'dir' || c.type === 'ghost' || !GLOB.test(c.src)) return [c];
  const fixed = c.src.slice(0, c.src.search(GLOB));
  const base = fixed.includes('/') ? fixed.slice(0, fixed.lastIndexOf('/')) : '.';
  let matches: string[];
  try {
    matches = await expandGlobs(sourceDir, [c.src], { input: 'src' });
  } catch (err) {
    throw config.error(planned.index, [...c.at, 'src'], `glob ${JSON.stringify(c.src)}: ${(err as Error).message}`, err);
  }
  return matches.map((match) => {
    const dst = path.posix.join(c.dst, path.posix.relative(base, match));
    // A matched file's name becomes part of dst: it is held to the rules of a dst the config spells out.
    const problem = dstProblem(dst);
    if (problem)
      throw config.error(
        planned.index,
        [...c.at, 'src'],
        `${JSON.stringify(match)} gives dst ${JSON.stringify(dst)}, which ${problem}`,
      );
    return { ...c, src: match, dst };
  });
}

/** The package with its files' bytes and its scripts' text. */
export async function readPackage(
  config: PackagesConfig,
  planned: PlannedPackage,
  read: SourceReader,
  sourceDir: string,
  mtime: number,
): Promise<PackageSpec> {
  const contents = (await Promise.all(planned.contents.map((c) => expandContent(config, planned, c, sourceDir)))).flat();
  // A glob makes several files of one entry: `contents` (not planned.contents) holds each file's own entry.
  const seen = new Map<string, PlannedContent>();
  for (const c of contents) {
    const first = seen.get(c.dst);
    if (first)
      throw config.error(
        planned.index,
        [...c.at, 'dst'],
        `${c.dst} is listed twice: also by ${config.where(planned.index, first.at)}`,
      );
    seen.set(c.dst, c);
  }
  const files = await Promise.all(contents.map((c) => readContent(config, planned, c, read)));
  const scripts: Partial<Record<ScriptName, string>> = {};
  for (const [name, { src, at }] of Object.entries(planned.scripts)) {
    try {
      scripts[name as ScriptName] = (await read(src)).data.toString('utf8');
    } catch (err) {
      throw config.error(planned.index, at, describe(err, src), err);
    }
  }
  const { index: _i, format: _f, goArch: _g, contents: _c, fileName: _n, scripts: _s, ...rest } = planned;
  return { ...rest, files, scripts, mtime };
}
